package executor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// ReportFormatVersion is the version of the run.json and manifest.json
// layouts, described by the JSON Schemas in package schema.
const ReportFormatVersion = 1

// RunStatus is the overall outcome of a run.
type RunStatus string

// The run statuses, with the exit code the command line gives each.
const (
	RunSucceeded   RunStatus = "succeeded"   // exit 0
	RunInterrupted RunStatus = "interrupted" // exit 1
	RunFailed      RunStatus = "failed"      // exit 2: some or all hosts failed
	RunQueued      RunStatus = "queued"      // exit 3: work queued, no failure
)

// Report is the content of run.json.
type Report struct {
	FormatVersion int    `json:"format_version"`
	Tool          Tool   `json:"tool"`
	Operator      string `json:"operator"`
	Reason        string `json:"reason,omitempty"`
	Ticket        string `json:"ticket,omitempty"`

	Playbook PlaybookInfo `json:"playbook"`
	// Variables holds each variable's value, sensitive ones redacted.
	Variables map[string]any `json:"variables"`
	// InputsSHA256 hashes the playbook text and the redacted variables.
	InputsSHA256 string `json:"inputs_sha256"`

	StartedAt  string `json:"started_at"`
	FinishedAt string `json:"finished_at"`

	Status   RunStatus     `json:"status"`
	ExitCode int           `json:"exit_code"`
	Counts   map[State]int `json:"counts"`
	// Sessions counts the hosts by the state of their RTR session.
	Sessions map[State]int `json:"sessions"`
	// HostOutcomes counts hosts by their worst result: failed if any step
	// failed, was unknown or the session failed; else queued if any step
	// was queued; else succeeded.
	HostOutcomes map[State]int  `json:"host_outcomes"`
	Batches      []BatchInfo    `json:"batches"`
	Hosts        []HostReport   `json:"hosts"`
	Outputs      map[string]any `json:"outputs,omitempty"`
	// EvidenceErrors lists outputs that ran but could not be stored; any
	// entry fails the run.
	EvidenceErrors []string `json:"evidence_errors,omitempty"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// PlaybookInfo identifies the playbook that ran.
type PlaybookInfo struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// BatchInfo describes one batch session.
type BatchInfo struct {
	BatchID string `json:"batch_id"`
	Hosts   int    `json:"hosts"`
}

// HostReport is one host's results.
type HostReport struct {
	Host
	Session HostStepResult            `json:"session"`
	Steps   map[string]HostStepResult `json:"steps"`
}

// ManifestEntry describes one retrieved file.
type ManifestEntry struct {
	HostID         string `json:"host_id"`
	Hostname       string `json:"hostname"`
	Step           string `json:"step"`
	RemotePath     string `json:"remote_path"`
	DevicePath     string `json:"device_path,omitempty"`
	SessionID      string `json:"session_id"`
	RequestID      string `json:"request_id"`
	CloudRequestID string `json:"cloud_request_id,omitempty"`
	// FalconSHA256 is the hash Falcon reported; ContentSHA256 is the hash
	// of the file inside the archive, checked to be equal.
	FalconSHA256  string `json:"falcon_sha256"`
	ContentSHA256 string `json:"content_sha256"`
	Size          int64  `json:"size"`
	ArchivePath   string `json:"archive_path"`
	ArchiveSHA256 string `json:"archive_sha256"`
	ArchiveSize   int64  `json:"archive_size"`
	RetrievedAt   string `json:"retrieved_at"`
}

// Manifest is the content of manifest.json.
type Manifest struct {
	FormatVersion   int             `json:"format_version"`
	Playbook        string          `json:"playbook"`
	ArchivePassword string          `json:"archive_password"`
	Files           []ManifestEntry `json:"files"`
}

// InputsHash hashes the playbook text and its redacted variables, so that
// two runs with the same inputs have the same hash and no secret can be
// recovered from it.
func InputsHash(source []byte, vars map[string]any) string {
	h := sha256.New()
	h.Write(source)
	h.Write([]byte{0})
	data, _ := json.Marshal(vars) // map keys are sorted by encoding/json
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

func (r *runner) buildReport() *Report {
	rep := &Report{
		FormatVersion: ReportFormatVersion,
		Tool:          Tool{Name: "rtrplay", Version: r.opts.Version},
		Operator:      r.opts.Operator,
		Reason:        r.opts.Reason,
		Ticket:        r.opts.Ticket,
		Playbook:      PlaybookInfo{Name: r.pb.Name, Path: r.pb.Path, SHA256: r.pb.SourceHash()},
		Variables:     r.pb.RedactedVariables(),
		StartedAt:     r.start.Format(time.RFC3339Nano),
		FinishedAt:    r.opts.Now().UTC().Format(time.RFC3339Nano),
		Counts:        map[State]int{},
		Sessions:      map[State]int{},
		HostOutcomes:  map[State]int{},
	}
	rep.InputsSHA256 = InputsHash(r.pb.Source, rep.Variables)
	for _, b := range r.batches {
		rep.Batches = append(rep.Batches, BatchInfo{BatchID: b.id, Hosts: len(b.hostIDs)})
	}
	for _, h := range r.opts.Resolution.Hosts {
		hs := r.hosts[h.ID]
		hr := HostReport{Host: h, Session: hs.session, Steps: map[string]HostStepResult{}}
		rep.Sessions[hs.session.State]++
		for _, s := range r.pb.Steps {
			if !slices.Contains(r.opts.Resolution.ByTarget[s.Target.Name], h.ID) {
				continue
			}
			res, ok := r.result(s.Addr(), h.ID)
			if !ok {
				res = &HostStepResult{State: StateSkipped, Reason: "run ended before this step"}
			}
			hr.Steps[s.Addr()] = *res
			rep.Counts[res.State]++
		}
		rep.Hosts = append(rep.Hosts, hr)
		rep.HostOutcomes[hostOutcome(hr)]++
	}
	rep.Outputs = r.outputs()
	r.mu.Lock()
	rep.EvidenceErrors = slices.Clone(r.evidenceErrors)
	r.mu.Unlock()
	rep.Status, rep.ExitCode = r.status(rep.Counts, rep.Sessions)
	if len(rep.EvidenceErrors) > 0 && rep.ExitCode != 1 {
		rep.Status, rep.ExitCode = RunFailed, 2
	}
	return rep
}

// status decides the run's outcome. A host that got no session failed,
// even though its steps are only skipped.
func (r *runner) status(counts, sessions map[State]int) (RunStatus, int) {
	switch {
	case r.stopped.Load():
		return RunInterrupted, 1
	case counts[StateFailed] > 0 || counts[StateUnknown] > 0 || sessions[StateFailed] > 0 || r.noBatch():
		return RunFailed, 2
	case counts[StateQueued] > 0:
		return RunQueued, 3
	}
	return RunSucceeded, 0
}

func (r *runner) writeReport(rep *Report) error {
	r.mu.Lock()
	files := slices.Clone(r.manifest)
	r.mu.Unlock()
	slices.SortFunc(files, func(a, b ManifestEntry) int {
		if a.Step != b.Step {
			return compare(a.Step, b.Step)
		}
		return compare(a.Hostname, b.Hostname)
	})
	if files == nil {
		files = []ManifestEntry{}
	}
	m := Manifest{FormatVersion: ReportFormatVersion, Playbook: r.pb.Name, ArchivePassword: archivePassword, Files: files}
	if err := r.dir.writeJSON("manifest.json", m); err != nil {
		return err
	}
	return r.dir.writeJSON("run.json", rep)
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// noBatch reports whether a chunk got no batch session, so that nothing at
// all could be sent to its hosts, queued or not.
func (r *runner) noBatch() bool {
	for _, b := range r.batches {
		if b.id == "" {
			return true
		}
	}
	return false
}

func hostOutcome(hr HostReport) State {
	worst := StateSucceeded
	switch hr.Session.State {
	case StateFailed:
		return StateFailed
	case StateQueued:
		worst = StateQueued
	}
	for _, res := range hr.Steps {
		switch res.State {
		case StateFailed, StateUnknown:
			return StateFailed
		case StateQueued:
			worst = StateQueued
		}
	}
	return worst
}

package executor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// runDir is the evidence directory of a run. The journal is appended and
// flushed event by event, so a crash loses at most the event being
// written.
type runDir struct {
	root string

	mu      sync.Mutex
	events  *os.File
	encoder *json.Encoder
}

func createRunDir(root string) (*runDir, error) {
	if root == "" {
		return nil, errors.New("run directory not set")
	}
	entries, err := os.ReadDir(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("open run directory %s: %w", root, err)
	case len(entries) > 0:
		return nil, fmt.Errorf("run directory %s is not empty; choose a new directory with -run-dir so that earlier evidence is kept", root)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(root, "events.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create event journal: %w", err)
	}
	return &runDir{root: root, events: f, encoder: json.NewEncoder(f)}, nil
}

type journalLine struct {
	Type  string `json:"type"`
	Event Event  `json:"event"`
}

// journal appends one event. An os.File is unbuffered, so each line
// reaches the kernel when written.
func (d *runDir) journal(e Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.events != nil {
		_ = d.encoder.Encode(journalLine{Type: e.Type(), Event: e})
	}
}

func (d *runDir) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.events != nil {
		_ = d.events.Sync()
		_ = d.events.Close()
		d.events = nil
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// maxNameLength bounds one path element well below the 255 bytes that
// common file systems allow, leaving room for suffixes such as ".7z".
const maxNameLength = 120

// safeName turns a name from a host or a playbook into one path element
// that cannot leave its directory and fits any common file system. A name
// that is too long keeps its start and extension, with a hash of the whole
// name in between, so distinct names stay distinct.
func safeName(s string) string {
	s = unsafeName.ReplaceAllString(s, "_")
	s = strings.Trim(s, ".")
	if s == "" {
		return "_"
	}
	if len(s) <= maxNameLength {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	ext := filepath.Ext(s)
	if len(ext) > 16 {
		ext = ""
	}
	keep := maxNameLength - len(ext) - 17
	return s[:keep] + "~" + hex.EncodeToString(sum[:8]) + ext
}

// hostDir is the directory of a host, relative to the run directory.
func hostDir(h Host) string {
	return filepath.Join("hosts", safeName(h.Hostname)+"_"+safeName(h.ID))
}

// artifactPath returns where a step's file from a host is stored, relative
// to the run directory.
func (d *runDir) artifactPath(h Host, step, name string) string {
	return filepath.Join(hostDir(h), safeName(step), safeName(name))
}

// writeOutput stores the stdout and stderr of a step on a host and records
// their paths in res.
func (d *runDir) writeOutput(h Host, step string, res *HostStepResult) error {
	dir := filepath.Join(hostDir(h), safeName(step))
	if err := os.MkdirAll(filepath.Join(d.root, dir), 0o755); err != nil {
		return err
	}
	for _, out := range []struct {
		text string
		name string
		dst  *string
	}{{res.stdout, "stdout", &res.StdoutFile}, {res.stderr, "stderr", &res.StderrFile}} {
		if out.text == "" && (out.name == "stderr" || !res.ran) {
			continue
		}
		rel := filepath.Join(dir, out.name)
		if err := os.WriteFile(filepath.Join(d.root, rel), []byte(out.text), 0o644); err != nil {
			return err
		}
		*out.dst = filepath.ToSlash(rel)
	}
	return nil
}

// writeJSON writes v to name in the run directory through a temporary
// file and a rename, so a reader never sees half a file.
func (d *runDir) writeJSON(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	tmp := filepath.Join(d.root, "."+name+".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(d.root, name)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

package executor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rtrplay/rtrplay/playbook"
	"github.com/rtrplay/rtrplay/rtr"
)

// archivePassword is the password of every archive Falcon serves.
const archivePassword = "infected"

// maxDownloadAttempts bounds the tries of one archive download.
const maxDownloadAttempts = 3

// maxExtractSize bounds the content checked inside one archive.
const maxExtractSize = 16 << 30

// runGet sends one batch get for the group and then releases the hosts'
// sessions, because the upload goes on without them. It then waits for
// each host's file until the step's deadline and downloads it into the run
// directory. A get whose response was lost is reconciled as commands are.
func (r *runner) runGet(ctx context.Context, s *playbook.Step, g *group, unlock func()) {
	started := r.opts.Now().UTC().Format(time.RFC3339Nano)
	deadline := time.Now().Add(s.Timeout)
	// The client quotes file_path like a command argument, because Falcon's
	// reference does not say how it reads it and a public sample quotes
	// paths with spaces. A path no quoting can carry fails here first.
	if _, err := playbook.QuoteArg(g.text); err != nil {
		r.finishAll(s, g.hosts, HostStepResult{State: StateFailed, Command: g.display, Reason: err.Error()})
		return
	}
	hosts := g.hosts
	lost := map[string]string{} // host id -> task id of a get whose response was lost
	type sentGet struct {
		reqID   string
		results map[string]rtr.HostResult
		hosts   []*hostState
	}
	var sent []sentGet
	for send := 1; len(hosts) > 0; send++ {
		sentAt := time.Now()
		reqID, results, err := r.sendGet(ctx, s, g, hosts)
		if err == nil {
			sent = append(sent, sentGet{reqID, results, hosts})
			break
		}
		if !errors.Is(err, rtr.ErrOutcomeUnknown) || ctx.Err() != nil {
			r.finishAll(s, hosts, requestFailure(s, g.display, err, started))
			break
		}
		// As for commands: the session logs tell which hosts received the
		// get. Their files are found by task id in the session file list.
		ran, missing, logErr := r.reconcile(ctx, hosts, func(l rtr.SessionLog) bool {
			return l.BaseCommand == "get" && strings.Contains(l.CommandString, g.text)
		}, sentAt)
		if logErr != nil {
			res := requestFailure(s, g.display, err, started)
			res.Reason += "; the session logs could not be read: " + logErr.Error()
			r.finishAll(s, hosts, res)
			break
		}
		maps.Copy(lost, ran)
		if send == maxCommandSends && len(missing) > 0 {
			r.finishAll(s, missing, HostStepResult{State: StateFailed, Command: g.display, StartedAt: started,
				Reason: fmt.Sprintf("not sent: the request failed %d times and the session logs show no get: %v", send, err)})
			break
		}
		hosts = missing
	}
	unlock()
	for _, b := range sent {
		r.collectUploads(ctx, s, g, b.reqID, b.results, b.hosts, deadline, started)
	}
	for _, h := range g.hosts {
		if taskID, ok := lost[h.ID]; ok {
			res := HostStepResult{Command: g.display, SessionID: h.sessionID, StartedAt: started, TaskID: taskID}
			r.finish(s, h, r.awaitSessionFile(ctx, s, g, h, taskID, deadline, res))
		}
	}
}

// sendGet sends one batch get to hosts.
func (r *runner) sendGet(ctx context.Context, s *playbook.Step, g *group, hosts []*hostState) (
	string, map[string]rtr.HostResult, error) {
	timeout := r.requestTimeout(s)
	req := rtr.BatchGetRequest{BatchID: g.batch.id, FilePath: g.text, OptionalHosts: hostIDs(hosts),
		Timeout: timeout, HostTimeout: hostTimeout(timeout)}
	var reqID string
	var results map[string]rtr.HostResult
	var err error
	if slotErr := r.withRequestSlot(ctx, func() { reqID, results, err = r.opts.API.BatchGet(ctx, req) }); slotErr != nil {
		err = slotErr
	}
	r.emit(RequestSent{Time: r.opts.Now().UTC(), Step: s.Addr(), Operation: "batch-get", BatchID: g.batch.id,
		RequestID: reqID, Command: g.display, Hosts: len(hosts), Err: r.pb.RedactWith(errText(err), g.secrets)})
	return reqID, results, err
}

// collectUploads reads the per-host results of one batch get and waits for
// the uploads of the hosts that found the file.
func (r *runner) collectUploads(ctx context.Context, s *playbook.Step, g *group, reqID string,
	results map[string]rtr.HostResult, hosts []*hostState, deadline time.Time, started string) {
	waiting := map[string]*hostState{}
	for _, h := range hosts {
		res := HostStepResult{Command: g.display, SessionID: h.sessionID, StartedAt: started}
		hr, ok := results[h.ID]
		if !ok {
			res.State, res.Reason = StateFailed, "Falcon returned no result for this host"
			r.finish(s, h, res)
			continue
		}
		res = commandResult(s, hr, res)
		if res.State == StateSucceeded {
			waiting[h.ID] = h
			continue
		}
		r.finish(s, h, res)
	}
	r.awaitUploads(ctx, s, g, reqID, waiting, deadline, started)
}

// awaitSessionFile waits until the session's file list shows the upload of
// task taskID as complete, then downloads it.
func (r *runner) awaitSessionFile(ctx context.Context, s *playbook.Step, g *group, h *hostState, taskID string,
	deadline time.Time, res HostStepResult) HostStepResult {
	for attempt := 0; time.Now().Before(deadline) && sleepCtx(ctx, r.backoff(attempt)); attempt++ {
		files, err := r.opts.API.SessionFiles(ctx, h.sessionID)
		if err != nil {
			r.opts.Logger.Warn("session files", "step", s.Addr(), "host", h.ID, "err", err)
			continue
		}
		for _, f := range files {
			if f.CloudRequestID == taskID && f.Complete {
				file := rtr.File{CloudRequestID: f.CloudRequestID, SessionID: f.SessionID, Name: f.Name,
					SHA256: f.SHA256, Size: f.Size}
				return r.download(ctx, s, h, "", g, file, res)
			}
		}
	}
	res.State, res.Reason = StateFailed, fmt.Sprintf("upload did not finish within %s", s.Timeout)
	if ctx.Err() != nil {
		res.State, res.Reason = StateUnknown, "run aborted while the file was uploading"
	}
	return res
}

func (r *runner) awaitUploads(ctx context.Context, s *playbook.Step, g *group, reqID string,
	waiting map[string]*hostState, deadline time.Time, started string) {
	// Uploads already requested are in flight: an interrupt waits for them,
	// and only an abort (ctx) or the deadline ends the wait.
	for attempt := 0; len(waiting) > 0; attempt++ {
		if time.Now().After(deadline) || !sleepCtx(ctx, r.backoff(attempt)) {
			break
		}
		files, err := r.opts.API.BatchGetStatus(ctx, reqID)
		if err != nil {
			r.opts.Logger.Warn("batch get status", "step", s.Addr(), "request", reqID, "err", err)
			continue
		}
		for id, f := range files {
			h := waiting[id]
			if h == nil {
				continue
			}
			delete(waiting, id)
			res := HostStepResult{Command: g.display, SessionID: h.sessionID, StartedAt: started, TaskID: f.CloudRequestID}
			r.finish(s, h, r.download(ctx, s, h, reqID, g, f, res))
		}
	}
	for _, h := range waiting {
		res := HostStepResult{Command: g.display, SessionID: h.sessionID, StartedAt: started, State: StateFailed,
			Reason: fmt.Sprintf("upload did not finish within %s", s.Timeout)}
		if ctx.Err() != nil {
			res.State, res.Reason = StateUnknown, "run aborted while the file was uploading"
		}
		r.finish(s, h, res)
	}
}

// download stores one host's archive, checks that its content matches the
// sha256 Falcon reported, and adds it to the manifest.
func (r *runner) download(ctx context.Context, s *playbook.Step, h *hostState, reqID string, g *group,
	f rtr.File, res HostStepResult) HostStepResult {
	name := remoteBase(g.text)
	rel := r.dir.artifactPath(h.Host, s.Addr(), remoteBase(g.display)+".7z")
	abs := filepath.Join(r.dir.root, rel)
	var (
		archiveSum, reason string
		size               int64
	)
	// A download is a GET and safe to repeat; a broken transfer leaves no
	// partial file, so each attempt starts clean.
	for attempt := 1; attempt <= maxDownloadAttempts; attempt++ {
		err := r.withRequestSlot(ctx, func() { archiveSum, size, reason = r.fetchArchive(ctx, f, name, abs) })
		if err != nil {
			reason = err.Error()
		}
		if reason == "" || ctx.Err() != nil || !sleepCtx(ctx, r.backoff(attempt)) {
			break
		}
		r.opts.Logger.Warn("download failed; retrying", "step", s.Addr(), "host", h.ID, "attempt", attempt, "reason", reason)
	}
	if reason != "" {
		res.State, res.Reason = StateFailed, reason
		return res
	}
	member, err := rtr.ExtractArchive(abs, archivePassword, io.Discard, maxExtractSize)
	if err != nil {
		res.State, res.Reason = StateFailed, fmt.Sprintf("check archive %s: %v", rel, err)
		return res
	}
	if f.SHA256 != "" && !strings.EqualFold(member.SHA256, f.SHA256) {
		res.State = StateFailed
		res.Reason = fmt.Sprintf("content sha256 %s does not match the %s that Falcon reported", member.SHA256, f.SHA256)
		return res
	}
	entry := ManifestEntry{
		HostID: h.ID, Hostname: h.Hostname, Step: s.Addr(), RemotePath: g.display, DevicePath: r.pb.Redact(f.Name),
		SessionID: f.SessionID, RequestID: reqID, CloudRequestID: f.CloudRequestID,
		FalconSHA256: f.SHA256, ContentSHA256: member.SHA256, Size: member.Size,
		ArchivePath: filepath.ToSlash(rel), ArchiveSHA256: archiveSum, ArchiveSize: size,
		RetrievedAt: r.opts.Now().UTC().Format(time.RFC3339Nano),
	}
	r.mu.Lock()
	r.manifest = append(r.manifest, entry)
	r.mu.Unlock()
	r.emit(ArtifactSaved{Time: r.opts.Now().UTC(), Step: s.Addr(), HostID: h.ID, Hostname: h.Hostname,
		RemotePath: g.display, ArchivePath: entry.ArchivePath, SHA256: member.SHA256, Size: member.Size})
	res.State = StateSucceeded
	res.sha256, res.size = member.SHA256, member.Size
	return res
}

// fetchArchive streams the archive to a temporary file beside its final
// name and renames it into place, so a broken transfer leaves no partial
// artifact. It returns the archive's sha256 and size, or a reason.
func (r *runner) fetchArchive(ctx context.Context, f rtr.File, name, dst string) (string, int64, string) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", 0, err.Error()
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*")
	if err != nil {
		return "", 0, err.Error()
	}
	defer os.Remove(tmp.Name())
	hash := sha256.New()
	n, err := r.opts.API.DownloadFile(ctx, f.SessionID, f.SHA256, name, io.MultiWriter(tmp, hash))
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", 0, "download: " + err.Error()
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", 0, err.Error()
	}
	return hex.EncodeToString(hash.Sum(nil)), n, ""
}

// remoteBase returns the file name at the end of a Windows or Unix path.
func remoteBase(p string) string {
	p = strings.TrimRight(p, `\/`)
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		p = p[i+1:]
	}
	if p == "" {
		return "file"
	}
	return p
}

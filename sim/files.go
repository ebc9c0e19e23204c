package sim

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rtrplay/rtrplay/sim/internal/sevenz"
)

// archivePassword protects every archive that extracted-file-contents
// serves, as on the live API.
const archivePassword = "infected"

// upload is a file that a batch get pulled off a host.
type upload struct {
	id             int64
	cloudRequestID string
	sessionID      string
	// name is the host's path of the file: an NT device path
	// (\Device\HarddiskVolume2\...) on Windows.
	name   string
	sha256 string
	// content reads the file as it was when the get ran; size is its
	// length. Large generated files are read lazily, never held whole.
	content io.ReaderAt
	size    int64
	// readyAt is when the upload finishes, so that the batch get status
	// lists it and extracted-file-contents serves it.
	readyAt time.Time
	// startedAt is when the get ran; a slow or stalled host's upload
	// finishes later than the server's upload delay after it.
	startedAt time.Time
}

type uploadKey struct{ sessionID, sha256 string }

// batchGet is one batch get request: its uploads, keyed by AID.
type batchGet struct {
	uploads map[string]*upload
}

type batchGetRequest struct {
	BatchID       string   `json:"batch_id"`
	FilePath      string   `json:"file_path"`
	OptionalHosts []string `json:"optional_hosts"`
}

// batchGetResponse is domain.BatchGetCommandResponse.
type batchGetResponse struct {
	Meta             metaInfo          `json:"meta"`
	BatchGetCmdReqID string            `json:"batch_get_cmd_req_id"`
	Combined         combinedResources `json:"combined"`
	Errors           []apiError        `json:"errors"`
}

// handleBatchGet serves POST batch-get-command. Each host runs `get
// <file_path>`, with file_path tokenized like a command argument. The
// reference does not state how Falcon reads file_path, and a public sample
// quotes paths that contain spaces.
func (s *Server) handleBatchGet(w http.ResponseWriter, r *http.Request) {
	var req batchGetRequest
	b, _, ok := s.readBatchRequest(w, r, &req)
	if !ok {
		return
	}

	start := time.Now()
	bg := &batchGet{uploads: map[string]*upload{}}
	resources := map[string]sensorResult{}
	for _, j := range s.prepareJobs(b, req.OptionalHosts, false, start) {
		if j.result != nil {
			resources[j.aid] = *j.result
			continue
		}
		resources[j.aid] = s.runGet(j.sess, req.FilePath, bg, start)
	}
	reqID := newUUID()
	s.mu.Lock()
	s.batchGets[reqID] = bg
	s.mu.Unlock()
	s.writeJSON(w, http.StatusCreated, batchGetResponse{
		Meta:             meta(r, poweredByRTR),
		BatchGetCmdReqID: reqID,
		Combined:         combinedResources{Resources: resources},
		Errors:           noErrors(),
	})
}

// runGet runs a get in sess and, when the file was found, registers its
// upload in bg. The upload's cloud_request_id is the host's task_id.
func (s *Server) runGet(sess *session, path string, bg *batchGet, start time.Time) sensorResult {
	taskID := newUUID()
	out := sess.host.Get(sess.shell, path)
	s.recordCommand(CommandRecord{
		Time: start, AID: sess.aid, Hostname: sess.host.Info().Hostname,
		Endpoint: pathBatchGet, BaseCommand: "get", CommandString: "get " + path,
		SessionID: sess.id, CloudRequestID: taskID,
	})
	res := sensorResult{AID: sess.aid, SessionID: sess.id, TaskID: taskID, BaseCommand: "get", Errors: noErrors()}
	if out.ErrCode != 0 {
		res.Errors = []apiError{{Code: out.ErrCode, Message: out.ErrMessage}}
		return res
	}
	res.Complete = true
	res.Stdout, res.Stderr = out.Stdout, out.Stderr
	res.QueryTime = time.Since(start).Seconds()
	if out.Stderr != "" || out.SHA256 == "" {
		return res
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFileID++
	up := &upload{
		id: s.nextFileID, cloudRequestID: taskID, sessionID: sess.id,
		name: out.DevicePath, sha256: out.SHA256, content: out.Reader, size: out.Size,
		readyAt: uploadReadyAt(start, s.opts.UploadDelay, out), startedAt: start,
	}
	bg.uploads[sess.aid] = up
	s.uploads[uploadKey{sess.id, out.SHA256}] = up
	return res
}

// modelFile is model.File, one entry of the batch get status.
type modelFile struct {
	ID             int64   `json:"id"`
	CloudRequestID string  `json:"cloud_request_id"`
	SessionID      string  `json:"session_id"`
	Name           string  `json:"name"`
	SHA256         string  `json:"sha256"`
	Size           int64   `json:"size"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
	DeletedAt      *string `json:"deleted_at"`
}

// batchGetStatusResponse is domain.BatchGetCmdStatusResponse.
type batchGetStatusResponse struct {
	Meta      metaInfo             `json:"meta"`
	Resources map[string]modelFile `json:"resources"`
	Errors    []apiError           `json:"errors"`
}

// handleBatchGetStatus serves GET batch-get-command. Only uploads that have
// finished are listed, so a client polls until every host it expects
// appears.
func (s *Server) handleBatchGetStatus(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, err := parseWaits(q); err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	id := q.Get("batch_get_cmd_req_id")
	if id == "" {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "batch_get_cmd_req_id is required")
		return
	}

	now := time.Now()
	s.mu.Lock()
	bg := s.batchGets[id]
	resources := map[string]modelFile{}
	if bg != nil {
		for aid, up := range bg.uploads {
			if !now.Before(up.readyAt) {
				resources[aid] = up.model()
			}
		}
	}
	s.mu.Unlock()

	if bg == nil {
		s.writeError(w, r, http.StatusNotFound, poweredByRTR, "could not find batch get request "+id)
		return
	}
	s.writeJSON(w, http.StatusOK, batchGetStatusResponse{
		Meta:      meta(r, poweredByRTR),
		Resources: resources,
		Errors:    noErrors(),
	})
}

func (up *upload) model() modelFile {
	stamp := up.readyAt.UTC().Format(time.RFC3339Nano)
	return modelFile{
		ID: up.id, CloudRequestID: up.cloudRequestID, SessionID: up.sessionID,
		Name: up.name, SHA256: up.sha256,
		// The one captured status response shows size 0 for a file that
		// has content. The emulator also sends 0, so that clients learn not
		// to rely on it.
		Size:      0,
		CreatedAt: stamp, UpdatedAt: stamp,
	}
}

// handleExtractedFile serves GET extracted-file-contents: the uploaded file
// inside a 7z archive encrypted with the password "infected", streamed with
// its exact Content-Length.
func (s *Server) handleExtractedFile(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sessionID, sum := q.Get("session_id"), q.Get("sha256")
	if sessionID == "" || sum == "" {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "session_id and sha256 are required")
		return
	}
	s.mu.Lock()
	up := s.uploads[uploadKey{sessionID, sum}]
	s.mu.Unlock()
	if up == nil || time.Now().Before(up.readyAt) {
		s.writeError(w, r, http.StatusNotFound, poweredByRTR, "could not find file with sha256 "+sum+" in session "+sessionID)
		return
	}

	name := baseName(q.Get("filename"))
	if name == "" {
		name = baseName(up.name)
	}
	size := up.size
	h := w.Header()
	h.Set("Content-Type", "application/x-7z-compressed")
	h.Set("Content-Length", strconv.FormatInt(sevenz.Size(name, size), 10))
	h.Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(name, `"`, "_")+`.7z"`)
	w.WriteHeader(http.StatusOK)
	if _, err := sevenz.Write(w, name, up.readyAt, up.content, size, archivePassword); err != nil {
		// The status is sent, so the client sees a short body.
		s.log.Warn("stream extracted file", "session_id", sessionID, "sha256", sum, "error", err)
	}
}

// baseName returns the last element of a Windows or POSIX path, the name
// the archive stores the file under.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}

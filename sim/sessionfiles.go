package sim

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// Paths of the session file calls: list (GET) and delete (DELETE).
const (
	pathFilesV1 = "/real-time-response/entities/file/v1"
	pathFilesV2 = "/real-time-response/entities/file/v2"
)

// Values of a FileV2 record's stage and status while a file uploads and
// once it has.
// NOTE: the live API's values of stage and status are not documented; only
// complete and progress are meant for clients to read.
const (
	stageUploading  = "uploading"
	stageUploaded   = "uploaded"
	statusPending   = "pending"
	statusCompleted = "completed"
)

// fileV2 is domain.FileV2, one entry of the v2 file list.
type fileV2 struct {
	ID             string  `json:"id"`
	CloudRequestID string  `json:"cloud_request_id"`
	SessionID      string  `json:"session_id"`
	Name           string  `json:"name"`
	SHA256         string  `json:"sha256"`
	Size           int64   `json:"size"`
	Complete       bool    `json:"complete"`
	Progress       float64 `json:"progress"`
	Stage          string  `json:"stage"`
	Status         string  `json:"status"`
	ErrorMessage   string  `json:"error_message"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
	DeletedAt      *string `json:"deleted_at"`
}

// handleListFiles serves GET entities/file v1 and v2: the files that get
// pulled off the host in one session, oldest first. v2 lists uploads in
// progress with complete false and progress from 0 to 1; v1 has no such
// fields and lists only finished uploads, as the batch get status does.
func (s *Server) handleListFiles(v2 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sessionID := r.URL.Query().Get("session_id")
		if sessionID == "" {
			s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "session_id is required")
			return
		}
		now := time.Now()
		s.mu.Lock()
		ok := s.ownSession(r, sessionID)
		var ups []*upload
		if ok {
			ups = s.sessionUploads(sessionID)
		}
		s.mu.Unlock()
		if !ok {
			s.writeError(w, r, http.StatusNotFound, poweredByRTR, "could not find session "+sessionID)
			return
		}

		v1s, v2s := []modelFile{}, []fileV2{}
		for _, up := range ups {
			if v2 {
				v2s = append(v2s, s.fileV2(up, now))
			} else if !now.Before(up.readyAt) {
				v1s = append(v1s, up.model())
			}
		}
		var resources any = v1s
		if v2 {
			resources = v2s
		}
		s.writeJSON(w, http.StatusOK, listReply{Meta: meta(r, poweredByRTR), Resources: resources, Errors: noErrors()})
	}
}

// ownSession reports whether the request's CID may see session id. Closed
// and expired sessions keep their files, as extracted-file-contents keeps
// serving them. The caller holds s.mu.
func (s *Server) ownSession(r *http.Request, id string) bool {
	sess := s.sessions[id]
	return sess != nil && s.cidOf(sess.host) == s.scopeCID(r.Context())
}

// sessionUploads returns the uploads of a session ordered by id. The
// caller holds s.mu.
func (s *Server) sessionUploads(sessionID string) []*upload {
	var ups []*upload
	for _, up := range s.uploads {
		if up.sessionID == sessionID {
			ups = append(ups, up)
		}
	}
	sort.Slice(ups, func(i, j int) bool { return ups[i].id < ups[j].id })
	return ups
}

// fileV2 renders an upload at now. The v2 id is the v1 id as text, so
// either list's id deletes the file through either delete call.
// NOTE: whether v1 and v2 share ids on the live API is unverified.
func (s *Server) fileV2(up *upload, now time.Time) fileV2 {
	started := up.readyAt.Add(-s.opts.UploadDelay)
	if !up.startedAt.IsZero() {
		started = up.startedAt
	}
	f := fileV2{
		ID: strconv.FormatInt(up.id, 10), CloudRequestID: up.cloudRequestID, SessionID: up.sessionID,
		Name: up.name, SHA256: up.sha256, Size: up.size,
		Stage: stageUploading, Status: statusPending,
		CreatedAt: stamp(started), UpdatedAt: stamp(now),
	}
	if !now.Before(up.readyAt) {
		f.Complete, f.Progress = true, 1
		f.Stage, f.Status = stageUploaded, statusCompleted
		f.UpdatedAt = stamp(up.readyAt)
		return f
	}
	if total := up.readyAt.Sub(started); total > 0 {
		f.Progress = float64(now.Sub(started)) / float64(total)
	}
	return f
}

// handleDeleteFile serves DELETE entities/file v1 and v2: one file of a
// session per call, 204. The file leaves the session's list and
// extracted-file-contents no longer serves it.
func (s *Server) handleDeleteFile(w http.ResponseWriter, r *http.Request) {
	sessionID := r.URL.Query().Get("session_id")
	id, err := singleID(r)
	if err == nil && sessionID == "" {
		err = fmt.Errorf("session_id is required")
	}
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}

	s.mu.Lock()
	ok := s.ownSession(r, sessionID)
	found := false
	if ok {
		for key, up := range s.uploads {
			if up.sessionID == sessionID && strconv.FormatInt(up.id, 10) == id {
				delete(s.uploads, key)
				found = true
			}
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		s.writeError(w, r, http.StatusNotFound, poweredByRTR, "could not find session "+sessionID)
	case !found:
		s.writeError(w, r, http.StatusNotFound, poweredByRTR,
			fmt.Sprintf("could not find file %s in session %s", id, sessionID))
	default:
		s.log.Debug("session file deleted", "session_id", sessionID, "file_id", id)
		w.WriteHeader(http.StatusNoContent)
	}
}

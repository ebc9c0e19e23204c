package sim

import "net/http"

// batchBody is a request body that names a batch.
type batchBody interface {
	batchID() string
}

func (r *batchCommandRequest) batchID() string { return r.BatchID }
func (r *batchGetRequest) batchID() string     { return r.BatchID }
func (r *batchRefreshRequest) batchID() string { return r.BatchID }

// readBatchRequest reads the waits and the body of a call on an open batch
// and finds the batch. On any problem it writes the 400 and reports false.
func (s *Server) readBatchRequest(w http.ResponseWriter, r *http.Request, body batchBody) (*batch, waits, bool) {
	wt, err := parseWaits(r.URL.Query())
	if err == nil {
		err = s.decodeBody(r, body)
	}
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return nil, waits{}, false
	}
	b, ok := s.lookupBatch(r.Context(), body.batchID())
	if !ok {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, batchNotFound(body.batchID()))
		return nil, waits{}, false
	}
	return b, wt, true
}

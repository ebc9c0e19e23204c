package sim

import (
	"net/http"
	"time"
)

// pathOnlineState is the Hosts API call that reports whether sensors are
// online. It is not in the emulator's API reference; its shapes follow
// gofalcon v0.20.0's models (state.OnlineStateRespV1).
const pathOnlineState = "/devices/entities/online-state/v1"

// Values of an online-state entry's state.
const (
	onlineStateOnline  = "online"
	onlineStateOffline = "offline"
)

// onlineState is state.OnlineStateResultV1. State is a pointer because the
// API sometimes sends null, which clients have failed to handle.
type onlineState struct {
	ID       string  `json:"id"`
	CID      string  `json:"cid"`
	State    *string `json:"state"`
	LastSeen string  `json:"last_seen"`
}

// handleOnlineState serves GET /devices/entities/online-state/v1?ids=...
// with ids repeated in the query, at most IDLimits.OnlineState of them.
// An id that is unknown, or outside the token's CID, gets an entry in
// errors. The state is null for hosts in Options.NullStateHosts and for
// entries that a null-state fault strikes.
// NOTE: the live API's response to an unknown id is unverified. The
// emulator reports it as the device details call does.
func (s *Server) handleOnlineState(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query()["ids"]
	if len(ids) == 0 {
		s.writeError(w, r, http.StatusBadRequest, poweredByDevices,
			"ids is required: repeat ids=<AID> in the query for each host")
		return
	}
	if !s.checkIDCount(w, r, len(ids), s.opts.IDLimits.OnlineState) {
		return
	}
	states := []onlineState{}
	errs := noErrors()
	for _, id := range dedupe(ids) {
		h := s.visibleHost(r.Context(), id)
		if h == nil {
			errs = append(errs, apiError{Code: http.StatusNotFound, Message: "device not found", ID: id})
			continue
		}
		info := s.hostInfo(h)
		entry := onlineState{ID: info.AID, CID: info.CID, LastSeen: info.LastSeen.UTC().Format(time.RFC3339)}
		if !s.nullStateHost[info.AID] && !s.faults.nullState() {
			state := onlineStateOffline
			if info.Online {
				state = onlineStateOnline
			}
			entry.State = &state
		}
		states = append(states, entry)
	}
	s.writeJSON(w, http.StatusOK, listReply{Meta: meta(r, poweredByDevices), Resources: states, Errors: errs})
}

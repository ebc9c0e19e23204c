package sim

import "net/http"

// The /_sim paths let tests and demos look inside the emulator. They need
// no token, change nothing, and return plain JSON without the API's
// envelope.

// handleSimState serves GET /_sim/state: fleet.Snapshot() of every host.
func (s *Server) handleSimState(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, s.fleet.Snapshot())
}

// handleSimCommands serves GET /_sim/commands: the command log.
func (s *Server) handleSimCommands(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, nonNil(s.Commands()))
}

// handleSimRequests serves GET /_sim/requests: the request log.
func (s *Server) handleSimRequests(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, http.StatusOK, nonNil(s.Requests()))
}

// onlyGET returns 405 for any method but GET (and HEAD), so that the
// read-only paths cannot be mistaken for API calls.
func onlyGET(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: the /_sim paths are read-only", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	})
}

// nonNil turns a nil slice into an empty one, so that an empty log encodes
// as [] rather than null.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

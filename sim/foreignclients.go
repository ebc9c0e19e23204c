package sim

import (
	"net/http"
	"slices"
)

// Falcon's GovCloud tenants live apart from the commercial clouds. The
// us-1 token endpoint, where autodiscovery starts, has no record of their
// API clients and rejects their token requests with 400. Clients must then
// ask the user to name the cloud, because GovCloud cannot be discovered.

// rejectForeignClient sends 400 and returns true when id is one of
// Options.ForeignClientIDs.
func (s *Server) rejectForeignClient(w http.ResponseWriter, r *http.Request, id string) bool {
	if !slices.Contains(s.opts.ForeignClientIDs, id) {
		return false
	}
	s.log.Info("token request rejected: client id belongs to another cloud")
	// NOTE: users report only the status of this response, not its body.
	// The emulator's message names no cloud, the reading hardest on a
	// client, which must act on the status alone.
	s.writeError(w, r, http.StatusBadRequest, poweredByGateway, "invalid client")
	return true
}

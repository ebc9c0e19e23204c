package sim

import "time"

// CommandRecord is one entry of the command log: a command string that a
// host received, a get, or a containment action.
type CommandRecord struct {
	Time     time.Time `json:"time"`
	AID      string    `json:"aid"`
	Hostname string    `json:"hostname"`
	// Endpoint is the URL path of the API call that carried the command.
	Endpoint      string `json:"endpoint"`
	BaseCommand   string `json:"base_command"`
	CommandString string `json:"command_string"`
	// SessionID and CloudRequestID are empty for containment actions,
	// which use no session. CloudRequestID is the host's task_id.
	SessionID      string `json:"session_id"`
	CloudRequestID string `json:"cloud_request_id"`
}

// RequestRecord is one entry of the request log.
type RequestRecord struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Status is what the client received; 0 when an injected drop fault
	// closed the connection without an answer.
	Status int `json:"status"`
	// TraceID is the X-CS-TRACEID of the response.
	TraceID string `json:"trace_id"`
	// Fault is the label of the injected fault that answered the request,
	// such as 429, 503-after or drop; empty for none.
	Fault string `json:"fault,omitempty"`
	// HandlerStatus is the status of the answer that an after-handler
	// fault replaced, so that a test can tell that the request took
	// effect; 0 otherwise.
	HandlerStatus int `json:"handler_status,omitempty"`
}

// Commands returns a copy of the command log, oldest first.
func (s *Server) Commands() []CommandRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CommandRecord(nil), s.commands...)
}

// Requests returns a copy of the request log, oldest first. Requests to the
// emulator's own /_sim paths are left out, so that reading the log does not
// change it.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.requests...)
}

func (s *Server) recordCommand(rec CommandRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = append(s.commands, rec)
	s.logSessionCommand(rec, int64(len(s.commands)))
}

func (s *Server) recordRequest(rec RequestRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rec)
}

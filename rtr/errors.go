package rtr

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// ErrOutcomeUnknown marks a failure after a command request may have
// reached Falcon: the connection dropped, the deadline passed or the server
// returned 5xx after the request was sent. RTR commands are not idempotent,
// so the client does not send such a request again, and the caller must
// find out what happened (command status, session logs) or report the
// host's outcome as unknown. Detect it with errors.Is.
var ErrOutcomeUnknown = errors.New("outcome unknown: the request may have run on the hosts")

// ErrCredentialsRejected marks a token request that Falcon refused.
var ErrCredentialsRejected = errors.New("falcon rejected the API client credentials")

// ErrRateLimited marks a request given up because Falcon's rate limit
// would only reset further away than the client is willing to wait.
var ErrRateLimited = errors.New("rate limited by falcon")

// ErrorEntry is one item of the "errors" array that Falcon returns, both at
// the top level of a response and per host.
type ErrorEntry struct {
	// Code is an HTTP status such as 403, or a finer code such as 40401
	// "Could not establish sensor comms" in per-host errors.
	Code int `json:"code"`
	// Message is the error text.
	Message string `json:"message"`
	// ID is an identifier that some entries carry, empty when absent.
	ID string `json:"id,omitempty"`
}

// String formats the entry as "message (code N)".
func (e ErrorEntry) String() string {
	s := fmt.Sprintf("%s (code %d)", e.Message, e.Code)
	if e.ID != "" {
		s += " id " + e.ID
	}
	return s
}

// APIError is a response from Falcon with an unexpected HTTP status. When
// the body is not JSON, Errors is empty and ContentType and BodyPrefix
// (at most bodyPrefixSize bytes) show what came back instead.
type APIError struct {
	// Method is the HTTP method of the failed request.
	Method string
	// Path is the request's URL path, relative to the cloud's base URL and
	// without the query string.
	Path string
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// TraceID is Falcon's trace id for the request, from the X-Cs-Traceid
	// header or, when the header is missing, from meta.trace_id in the body.
	TraceID string
	// Errors contains the entries of the body's errors array.
	Errors []ErrorEntry
	// ContentType and BodyPrefix are set only for bodies that are not a
	// JSON envelope, such as the HTML error pages of a gateway.
	ContentType string
	BodyPrefix  string
}

const bodyPrefixSize = 200

// Error formats the method, path, status, Falcon's messages and trace id.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	for i, entry := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(entry.String())
	}
	if len(e.Errors) == 0 && (e.ContentType != "" || e.BodyPrefix != "") {
		fmt.Fprintf(&b, ": unexpected %q body: %q", e.ContentType, e.BodyPrefix)
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (trace id %s)", e.TraceID)
	}
	return b.String()
}

// HasMessage reports whether one of the error entries has message msg,
// compared without regard to case.
func (e *APIError) HasMessage(msg string) bool {
	for _, entry := range e.Errors {
		if strings.EqualFold(strings.TrimSpace(entry.Message), msg) {
			return true
		}
	}
	return false
}

// newAPIError builds an APIError from a response whose body has been read
// into body. A JSON envelope fills Errors; anything else fills ContentType
// and BodyPrefix.
func newAPIError(method, path string, resp *http.Response, body []byte) *APIError {
	apiErr := &APIError{
		Method:     method,
		Path:       path,
		StatusCode: resp.StatusCode,
		TraceID:    resp.Header.Get(headerTraceID),
	}
	var env envelope
	if isJSON(resp.Header.Get("Content-Type")) && json.Unmarshal(body, &env) == nil {
		apiErr.Errors = env.Errors
		if apiErr.TraceID == "" {
			apiErr.TraceID = env.Meta.TraceID
		}
		if len(env.Errors) > 0 {
			return apiErr
		}
	}
	apiErr.ContentType = resp.Header.Get("Content-Type")
	apiErr.BodyPrefix = prefix(body, bodyPrefixSize)
	return apiErr
}

func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// prefix returns at most n bytes of body as a string, cut at a rune
// boundary so that the text stays valid UTF-8 when it was.
func prefix(body []byte, n int) string {
	if len(body) <= n {
		return string(body)
	}
	cut := n
	for cut > n-utf8.UTFMax && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return string(body[:cut])
}

// HostError is the error of one host inside a successful response: Falcon
// accepted the request, but this host failed (for example 40401 "Could
// not establish sensor comms").
type HostError struct {
	// AID is the agent id of the failed host.
	AID string
	// Errors contains the entries of the host's own errors array.
	Errors []ErrorEntry
}

// Error formats the host id and its error entries.
func (e *HostError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, entry := range e.Errors {
		parts[i] = entry.String()
	}
	return fmt.Sprintf("host %s: %s", e.AID, strings.Join(parts, "; "))
}

// HasCode reports whether one of the host's errors has code.
func (e *HostError) HasCode(code int) bool {
	for _, entry := range e.Errors {
		if entry.Code == code {
			return true
		}
	}
	return false
}

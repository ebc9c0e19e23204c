package sim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Values of meta.powered_by. The API reference does not define them; these
// are the ones seen in captured responses.
const (
	poweredByRTR     = "empower-api"
	poweredByDevices = "device-api"
	poweredByGateway = "crowdstrike-api-gateway"
)

// maxBodyBytes bounds a request body. A batch init for 10,000 hosts is
// about 350 KB of JSON.
const maxBodyBytes = 16 << 20

// apiError is one entry of an envelope's errors array (msa.APIError).
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	ID      string `json:"id,omitempty"`
}

// paging is msa.Paging, the pagination block of query responses.
type paging struct {
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	Total  int `json:"total"`
}

// metaInfo is msa.MetaInfo, present in every JSON response.
type metaInfo struct {
	QueryTime  float64 `json:"query_time"`
	PoweredBy  string  `json:"powered_by,omitempty"`
	TraceID    string  `json:"trace_id"`
	Pagination *paging `json:"pagination,omitempty"`
}

// errorsReply is msa.ReplyMetaOnly and the envelope form of domain.APIError:
// the body of every error response.
type errorsReply struct {
	Meta   metaInfo   `json:"meta"`
	Errors []apiError `json:"errors"`
}

// listReply is the envelope of calls whose resources are a JSON array.
type listReply struct {
	Meta      metaInfo   `json:"meta"`
	Resources any        `json:"resources"`
	Errors    []apiError `json:"errors"`
}

// call carries what every response of one request shares.
type call struct {
	start   time.Time
	traceID string
	// fault is the label of the injected fault that responded to the request,
	// such as 503-after; empty for none.
	fault string
	// handlerStatus is the status of the handler's own response when an
	// after-handler fault replaced it.
	handlerStatus int
	// dropped is set when the request got no response at all.
	dropped bool
	// closeConn, when set, closes the connection of a dropped request. The
	// middleware calls it once the request is logged, so that a client
	// that sees the drop also finds the request in the log.
	closeConn func()
}

type callKey struct{}

func callFrom(ctx context.Context) *call {
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		return c
	}
	return &call{start: time.Now(), traceID: newUUID()}
}

// meta builds the meta block of a response to r, measuring query_time up to
// now.
func meta(r *http.Request, poweredBy string) metaInfo {
	c := callFrom(r.Context())
	return metaInfo{
		QueryTime: time.Since(c.start).Seconds(),
		PoweredBy: poweredBy,
		TraceID:   c.traceID,
	}
}

// noErrors returns an empty errors array: the API sends [] rather than null
// on success, and clients index into it.
func noErrors() []apiError { return []apiError{} }

func (s *Server) writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		// Every body is built from this package's own types, so a failure
		// here is a programming error. The client still gets a response.
		s.log.Error("encode response body", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(status)
	if _, err := w.Write(data); err != nil {
		s.log.Debug("write response body", "error", err)
	}
}

// writeError sends an error envelope whose errors array holds one entry with
// the HTTP status as its code, as the API does for request-level failures.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, poweredBy, message string) {
	s.log.Debug("request failed", "method", r.Method, "path", r.URL.Path,
		"status", status, "message", message, "trace_id", callFrom(r.Context()).traceID)
	s.writeJSON(w, status, errorsReply{
		Meta:   meta(r, poweredBy),
		Errors: []apiError{{Code: status, Message: message}},
	})
}

// decodeBody reads r's JSON body into dst, a pointer to a struct. Fields
// that dst does not declare are logged at debug level and otherwise ignored,
// as the API ignores them. The API reference's required lists are not
// enforced, because its own descriptions state that several required
// fields are unused.
func (s *Server) decodeBody(r *http.Request, dst any) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	if len(raw) > maxBodyBytes {
		return fmt.Errorf("request body is larger than %d bytes", maxBodyBytes)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return fmt.Errorf("request body is empty; send a JSON object")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("request body is not a JSON object: %w", err)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("invalid request body: %w", err)
	}
	if unknown := unknownFields(fields, dst); len(unknown) > 0 {
		s.log.Debug("ignored unknown request body fields",
			"path", r.URL.Path, "fields", unknown)
	}
	return nil
}

// unknownFields lists the keys of fields that the struct dst points to has
// no json tag for.
func unknownFields(fields map[string]json.RawMessage, dst any) []string {
	known := map[string]bool{}
	t := reflect.TypeOf(dst).Elem()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	var unknown []string
	for key := range fields {
		if !known[key] {
			unknown = append(unknown, key)
		}
	}
	sort.Strings(unknown)
	return unknown
}

// newUUID returns a random (version 4) UUID in its canonical text form, the
// format of session, batch, task and trace ids.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// isUUID reports whether v has the canonical 8-4-4-4-12 hex form.
func isUUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < len(v); i++ {
		switch i {
		case 8, 13, 18, 23:
			if v[i] != '-' {
				return false
			}
		default:
			if !isHex(v[i]) {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// randomHex returns n random bytes as lowercase hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}

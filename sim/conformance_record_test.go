package sim

import (
	"bufio"
	"errors"
	"mime"
	"net"
	"net/http"
	"sync"
)

// Limits of what the recorder keeps of a response body. JSON bodies are
// kept whole up to maxRecordedJSON so that they can be validated. Other
// bodies (7z archives, raw put-file bytes) keep only their first bytes,
// enough for the file signature.
const (
	maxRecordedJSON   = 8 << 20
	recordedBinaryLen = 64
)

// responseRecord is one response that an emulator sent to a test.
type responseRecord struct {
	method string
	path   string
	query  string
	// sdk names the SDK that sent the request, from sdkClientHeader.
	sdk    string
	status int
	header http.Header
	// body is the start of the body, or all of it for JSON up to
	// maxRecordedJSON. bodyLen counts every byte written.
	body      []byte
	bodyLen   int64
	truncated bool
	// dropped marks a request whose connection the handler took over or
	// aborted, as a fault that drops connections does: no response was
	// sent, so there is nothing to validate.
	dropped bool
}

// target names the request in messages.
func (r responseRecord) target() string {
	if r.query == "" {
		return r.method + " " + r.path
	}
	return r.method + " " + r.path + "?" + r.query
}

// isJSON reports whether the response declares a JSON body.
func (r responseRecord) isJSON() bool {
	return mediaType(r.header.Get("Content-Type")) == "application/json"
}

// mediaType returns the media type of a Content-Type value without its
// parameters, or the value itself when it cannot be parsed.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return contentType
	}
	return mt
}

// responseRecorder keeps every response that one emulator sends. It wraps
// the emulator's whole handler, so it records the headers and status that
// reach the client, after every middleware.
type responseRecorder struct {
	mu      sync.Mutex
	records []responseRecord
}

// wrap returns next with recording added.
func (rr *responseRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &capturingWriter{ResponseWriter: w}
		rec := responseRecord{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery,
			sdk: r.Header.Get(sdkClientHeader)}
		defer func() {
			if v := recover(); v != nil {
				// http.ErrAbortHandler is how a handler drops a connection
				// on purpose. Anything else is a real panic, recorded as a
				// drop too and passed on to net/http.
				rec.dropped = true
				rr.add(rec)
				panic(v)
			}
		}()
		next.ServeHTTP(cw, r)
		rec.status = cw.status
		if rec.status == 0 {
			rec.status = http.StatusOK // net/http's implicit status
		}
		rec.header = w.Header().Clone()
		rec.body, rec.bodyLen, rec.truncated = cw.body, cw.written, cw.truncated
		rec.dropped = cw.hijacked
		if cw.writeErr != nil && !errors.Is(cw.writeErr, http.ErrContentLength) {
			// The client hung up while the body was sent; what it got is
			// not a response to check. A body longer than its
			// Content-Length is the emulator's fault and stays checked.
			rec.dropped = true
		}
		if cw.status == 0 && r.Context().Err() != nil {
			// The client went away before the handler responded, so
			// nothing reached it.
			rec.dropped = true
		}
		rr.add(rec)
	})
}

func (rr *responseRecorder) add(rec responseRecord) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.records = append(rr.records, rec)
}

// list returns a copy of the records, oldest first.
func (rr *responseRecorder) list() []responseRecord {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return append([]responseRecord(nil), rr.records...)
}

// capturingWriter passes a response through and keeps its status and the
// part of its body that the recorder needs.
type capturingWriter struct {
	http.ResponseWriter
	status    int
	body      []byte
	written   int64
	truncated bool
	hijacked  bool
	// writeErr is the first error from writing the body: the client went
	// away midway, so the response never reached it whole.
	writeErr error
	limit    int // body bytes to keep; set at the first write
}

func (w *capturingWriter) WriteHeader(status int) {
	// 1xx responses are informational; the final status comes later.
	if w.status == 0 && status >= 200 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *capturingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.limit == 0 {
		w.limit = recordedBinaryLen
		if mediaType(w.Header().Get("Content-Type")) == "application/json" {
			w.limit = maxRecordedJSON
		}
	}
	n, err := w.ResponseWriter.Write(p)
	if err != nil && w.writeErr == nil {
		w.writeErr = err
	}
	keep := min(n, max(w.limit-len(w.body), 0))
	w.body = append(w.body, p[:keep]...)
	w.truncated = w.truncated || keep < n
	w.written += int64(n)
	return n, err
}

// Hijack hands the connection to a handler that drops it on purpose, and
// marks the request as having no response.
func (w *capturingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, rw, err
}

// Flush passes a flush on; a writer that cannot flush has nothing to send
// early, so its error is dropped.
func (w *capturingWriter) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *capturingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

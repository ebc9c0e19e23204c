package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// IDLimits caps the ids that one Hosts API request may name. Zero fields
// take the defaults.
type IDLimits struct {
	// DetailsGet caps GET /devices/entities/devices/v2, default 100.
	DetailsGet int
	// DetailsPost caps POST /devices/entities/devices/v2, default 5000.
	DetailsPost int
	// OnlineState caps GET /devices/entities/online-state/v1, default 100.
	OnlineState int
	// Actions caps POST /devices/entities/devices-actions/v2, default 100.
	Actions int
	// HTMLAbove is the number of ids above which a GET request gets a
	// text/html 400 page instead of the JSON error envelope, default 500.
	// Users have reported such a page for larger Hosts API requests.
	HTMLAbove int
}

// defaultIDLimits come from the endpoint summaries of the API reference,
// except Actions and HTMLAbove.
var defaultIDLimits = IDLimits{
	DetailsGet:  100,
	DetailsPost: 5000,
	OnlineState: 100,
	// NOTE: the reference gives no maximum for devices-actions. Users
	// report 100 for hide_host, and the emulator applies it to every
	// action, the reading hardest on a client.
	Actions: 100,
	// NOTE: the id count at which the HTML page starts is unverified; one
	// report gives "more than 500" for GET requests of host details.
	HTMLAbove: 500,
}

// idLimitNames maps the names of ParseIDLimits to the fields they set.
var idLimitNames = map[string]func(*IDLimits) *int{
	"details-get":  func(l *IDLimits) *int { return &l.DetailsGet },
	"details-post": func(l *IDLimits) *int { return &l.DetailsPost },
	"online-state": func(l *IDLimits) *int { return &l.OnlineState },
	"actions":      func(l *IDLimits) *int { return &l.Actions },
	"html-above":   func(l *IDLimits) *int { return &l.HTMLAbove },
}

// ParseIDLimits reads a comma list of name=N pairs, such as
// "details-get=100,online-state=50,html-above=500". The names are
// details-get, details-post, online-state, actions and html-above; those
// left out keep their defaults.
func ParseIDLimits(spec string) (IDLimits, error) {
	var l IDLimits
	if strings.TrimSpace(spec) == "" {
		return l, nil
	}
	for part := range strings.SplitSeq(spec, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		field, known := idLimitNames[name]
		if !ok || !known {
			return IDLimits{}, fmt.Errorf("id limit %q is invalid; write name=N with a name from %s",
				part, idLimitNameList())
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return IDLimits{}, fmt.Errorf("id limit %q: %q is not a whole number of 1 or more", part, value)
		}
		*field(&l) = n
	}
	return l, nil
}

func idLimitNameList() string {
	return "details-get, details-post, online-state, actions, html-above"
}

// withDefaults returns l with its zero fields set to the defaults. A
// negative limit is an error.
func (l IDLimits) withDefaults() (IDLimits, error) {
	out := l
	for name, field := range idLimitNames {
		v := field(&out)
		switch {
		case *v < 0:
			return IDLimits{}, fmt.Errorf("id limit %s is %d; use 1 or more, or 0 for the default", name, *v)
		case *v == 0:
			*v = *field(&defaultIDLimits)
		}
	}
	return out, nil
}

// checkIDCount sends a 400 and returns false when n ids are more than
// limit. A GET request with more than IDLimits.HTMLAbove ids gets an HTML
// page instead of the JSON envelope, whatever its endpoint's limit.
func (s *Server) checkIDCount(w http.ResponseWriter, r *http.Request, n, limit int) bool {
	if r.Method == http.MethodGet && n > s.opts.IDLimits.HTMLAbove {
		s.log.Debug("request failed with an HTML page", "path", r.URL.Path, "ids", n,
			"trace_id", callFrom(r.Context()).traceID)
		writeHTMLError(w, http.StatusBadRequest, "The request is too large for the server to process.")
		return false
	}
	if n > limit {
		// The message users report for details requests of more than 100
		// ids; the emulator uses it for every capped endpoint.
		s.writeError(w, r, http.StatusBadRequest, poweredByDevices,
			fmt.Sprintf("request must contain between 0 and %d ids", limit))
		return false
	}
	return true
}

// writeHTMLError sends a text/html error page, as a proxy in front of the
// API does, so that clients meet a body that is not JSON.
func writeHTMLError(w http.ResponseWriter, status int, detail string) {
	text := http.StatusText(status)
	page := fmt.Sprintf("<!DOCTYPE html>\n<html>\n<head><title>%d %s</title></head>\n"+
		"<body>\n<h1>%d %s</h1>\n<p>%s</p>\n</body>\n</html>\n", status, text, status, text, detail)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(page))
}

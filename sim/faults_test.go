package sim

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	tests := []struct {
		name string
		spec string
		want Faults
	}{
		{name: "empty", spec: "", want: Faults{}},
		{name: "issue example", spec: "429:0.2,503:0.1,drop:0.05,latency:20ms", want: Faults{Rules: []Fault{
			{Kind: FaultStatus, Status: 429, Probability: 0.2},
			{Kind: FaultStatus, Status: 503, Probability: 0.1},
			{Kind: FaultDrop, Probability: 0.05},
			{Kind: FaultLatency, MinDelay: 20 * time.Millisecond, MaxDelay: 20 * time.Millisecond},
		}}},
		{name: "after forms", spec: "500-after:0.25, drop-after:0.5", want: Faults{Rules: []Fault{
			{Kind: FaultStatus, Status: 500, After: true, Probability: 0.25},
			{Kind: FaultDrop, After: true, Probability: 0.5},
		}}},
		{name: "latency range and seed", spec: "latency:20ms-200ms,seed:42", want: Faults{
			Rules: []Fault{{Kind: FaultLatency, MinDelay: 20 * time.Millisecond, MaxDelay: 200 * time.Millisecond}},
			Seed:  42, Seeded: true,
		}},
		{name: "seed zero", spec: "seed:0,502:1", want: Faults{
			Rules: []Fault{{Kind: FaultStatus, Status: 502, Probability: 1}}, Seeded: true,
		}},
		{name: "path prefix", spec: "504:1@/real-time-response/", want: Faults{Rules: []Fault{
			{Kind: FaultStatus, Status: 504, Probability: 1, PathPrefix: "/real-time-response/"},
		}}},
		{name: "null state", spec: "null-state:0.3", want: Faults{Rules: []Fault{
			{Kind: FaultNullState, Probability: 0.3},
		}}},
		{name: "shares adding up to one", spec: "429:0.7,500:0.2,drop:0.1", want: Faults{Rules: []Fault{
			{Kind: FaultStatus, Status: 429, Probability: 0.7},
			{Kind: FaultStatus, Status: 500, Probability: 0.2},
			{Kind: FaultDrop, Probability: 0.1},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFaults(tt.spec)
			if err != nil {
				t.Fatalf("ParseFaults(%q): %v", tt.spec, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseFaults(%q) = %+v, want %+v", tt.spec, got, tt.want)
			}
			again, err := ParseFaults(got.String())
			if err != nil {
				t.Fatalf("ParseFaults(String() = %q): %v", got.String(), err)
			}
			if !reflect.DeepEqual(again, got) {
				t.Errorf("String() = %q reads back as %+v, want %+v", got.String(), again, got)
			}
		})
	}
}

func TestParseFaultsErrors(t *testing.T) {
	tests := []struct {
		spec string
		want []string // substrings of the error: the part and the fix
	}{
		{spec: "503", want: []string{`fault "503"`, "missing ':'", "KIND:VALUE"}},
		{spec: "418:0.1", want: []string{`"418:0.1"`, "unknown kind", "429, 500, 502, 503, 504"}},
		{spec: "503:1.5", want: []string{`"503:1.5"`, "from 0 to 1"}},
		{spec: "503:-0.1", want: []string{"from 0 to 1"}},
		{spec: "drop:often", want: []string{`"often"`, "such as 0.05"}},
		{spec: "latency:fast", want: []string{`"fast"`, "such as 20ms"}},
		{spec: "latency:200ms-20ms", want: []string{"smallest first"}},
		{spec: "latency:-5ms", want: []string{"such as 20ms"}},
		{spec: "seed:x", want: []string{`seed "x"`, "whole number"}},
		{spec: "seed:1,seed:2", want: []string{"given twice"}},
		{spec: "seed:1@/devices/", want: []string{"remove @/devices/"}},
		{spec: "429-after:0.1", want: []string{"no -after form"}},
		{spec: "503:0.1@devices", want: []string{`"devices"`, "start with '/'"}},
		{spec: "null-state:0.1@/devices/", want: []string{"remove the path"}},
		{spec: "null-state:0.1,null-state:0.2", want: []string{"given 2 times"}},
		{spec: "429:0.6,503:0.5", want: []string{"add up to 1.1", "1 or less"}},
		{spec: "503-after:0.6,drop-after:0.5", want: []string{"-after faults add up to 1.1"}},
		{spec: "503:0.1,,drop:0.1", want: []string{"empty part", "single commas"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := ParseFaults(tt.spec)
			if err == nil {
				t.Fatalf("ParseFaults(%q) succeeded, want an error", tt.spec)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestNewRejectsInvalidFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults Faults
		want   string
	}{
		{name: "status not injectable", faults: Faults{Rules: []Fault{{Kind: FaultStatus, Status: 404, Probability: 1}}},
			want: "status 404 cannot be injected"},
		{name: "unknown kind", faults: Faults{Rules: []Fault{{Kind: "slow", Probability: 1}}},
			want: `unknown kind "slow"`},
		{name: "probability above one", faults: Faults{Rules: []Fault{{Kind: FaultDrop, Probability: 2}}},
			want: "probability 2 is not from 0 to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Options{Fleet: demoFleet(t), HTTP: true, Faults: tt.faults})
			if err == nil {
				t.Fatalf("New accepted faults %+v", tt.faults)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestFaultStatusResponses(t *testing.T) {
	tests := []struct {
		spec        string
		wantStatus  int
		wantJSON    bool // an error envelope; otherwise an HTML page
		wantHandled bool // the command took effect despite the fault
	}{
		{spec: "429:1", wantStatus: 429, wantJSON: true},
		{spec: "500:1", wantStatus: 500, wantJSON: true},
		{spec: "502:1", wantStatus: 502},
		{spec: "503:1", wantStatus: 503},
		{spec: "504:1", wantStatus: 504},
		{spec: "500-after:1", wantStatus: 500, wantJSON: true, wantHandled: true},
		{spec: "503-after:1", wantStatus: 503, wantHandled: true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			srv := startFaultServer(t, "demo", tt.spec+"@"+pathBatchCommand+",seed:1")
			c := newClient(t, srv)
			batchID, _ := initBatch(t, c, "lnx-web-01")
			before := len(srv.Commands())

			status, body, header := c.do(http.MethodPost, pathBatchCommand, nil, map[string]any{
				"base_command": "pwd", "command_string": "pwd", "batch_id": batchID,
			})
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", status, tt.wantStatus, body)
			}
			if header.Get("X-Cs-Traceid") == "" {
				t.Errorf("faulted response has no X-CS-TRACEID")
			}
			contentType := header.Get("Content-Type")
			if tt.wantJSON {
				checkErrorEnvelope(t, body, tt.wantStatus, "")
			} else if !strings.HasPrefix(contentType, "text/html") || !strings.Contains(string(body), "<html>") {
				t.Errorf("Content-Type %q, body %.100q: want an HTML page", contentType, body)
			}
			if tt.wantStatus == 429 {
				checkRetryAfterWithin(t, header, 0, 2*time.Second)
			}

			ran := len(srv.Commands()) > before
			if ran != tt.wantHandled {
				t.Errorf("command ran = %v, want %v", ran, tt.wantHandled)
			}
			rec := lastRequest(t, srv, pathBatchCommand)
			if rec.Fault != strings.TrimSuffix(tt.spec, ":1") || rec.Status != tt.wantStatus {
				t.Errorf("request record fault %q status %d, want %q and %d",
					rec.Fault, rec.Status, strings.TrimSuffix(tt.spec, ":1"), tt.wantStatus)
			}
			wantHandler := 0
			if tt.wantHandled {
				wantHandler = http.StatusCreated
			}
			if rec.HandlerStatus != wantHandler {
				t.Errorf("request record handler status %d, want %d", rec.HandlerStatus, wantHandler)
			}
		})
	}
}

func TestFaultDropsConnection(t *testing.T) {
	tests := []struct {
		name        string
		spec        string
		plainHTTP   bool
		wantHandled bool
	}{
		{name: "drop over HTTP/1.1", spec: "drop:1", plainHTTP: true},
		{name: "drop over HTTP/2", spec: "drop:1"},
		{name: "drop after over HTTP/1.1", spec: "drop-after:1", plainHTTP: true, wantHandled: true},
		{name: "drop after over HTTP/2", spec: "drop-after:1", wantHandled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, "demo", Options{HTTP: tt.plainHTTP,
				Faults: mustParseFaults(t, tt.spec+"@"+pathBatchCommand)})
			c := newClient(t, srv)
			batchID, _ := initBatch(t, c, "lnx-web-01")
			before := len(srv.Commands())

			err := sendExpectingFailure(t, c, http.MethodPost, pathBatchCommand, map[string]any{
				"base_command": "pwd", "command_string": "pwd", "batch_id": batchID,
			})
			if err == nil {
				t.Fatalf("request succeeded, want a transport error")
			}
			if ran := len(srv.Commands()) > before; ran != tt.wantHandled {
				t.Errorf("command ran = %v, want %v", ran, tt.wantHandled)
			}
			rec := lastRequest(t, srv, pathBatchCommand)
			if rec.Status != 0 || rec.Fault != strings.TrimSuffix(tt.spec, ":1") {
				t.Errorf("request record status %d fault %q, want 0 and %q",
					rec.Status, rec.Fault, strings.TrimSuffix(tt.spec, ":1"))
			}
			// Other paths are not targeted and still work.
			c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, nil)
		})
	}
}

func TestFaultLatency(t *testing.T) {
	tests := []struct {
		spec     string
		min, max time.Duration
	}{
		{spec: "latency:150ms", min: 150 * time.Millisecond, max: 2 * time.Second},
		{spec: "latency:100ms-200ms", min: 100 * time.Millisecond, max: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			srv := startFaultServer(t, "demo", tt.spec+"@"+pathDeviceQuery)
			c := newClient(t, srv)
			start := time.Now()
			c.expect(http.StatusOK, http.MethodGet, pathDeviceQuery, nil, nil, nil)
			if took := time.Since(start); took < tt.min || took > tt.max {
				t.Errorf("device query took %v, want %v to %v", took, tt.min, tt.max)
			}
			start = time.Now()
			c.expect(http.StatusOK, http.MethodGet, pathDeviceDetails, nil, nil, nil)
			if took := time.Since(start); took >= tt.min {
				t.Errorf("untargeted call took %v, want under %v", took, tt.min)
			}
		})
	}
}

func TestFaultDrawsRepeatWithSeed(t *testing.T) {
	const spec = "429:0.3@" + pathDeviceQuery + ",503:0.2@" + pathDeviceQuery + ",seed:7"
	run := func() []int {
		srv := startFaultServer(t, "demo", spec)
		c := newClient(t, srv)
		statuses := make([]int, 0, 60)
		for range 60 {
			status, _, _ := c.do(http.MethodGet, pathDeviceQuery, nil, nil)
			statuses = append(statuses, status)
		}
		return statuses
	}
	first, second := run(), run()
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("two runs with seed 7 differ:\n%v\n%v", first, second)
	}
	counts := map[int]int{}
	for _, s := range first {
		counts[s]++
	}
	// Expected shares of 60: 18 get 429, 12 get 503 and 30 succeed.
	// The bounds allow for the spread of 60 draws.
	for status, bounds := range map[int][2]int{429: {8, 28}, 503: {4, 22}, 200: {18, 42}} {
		if n := counts[status]; n < bounds[0] || n > bounds[1] {
			t.Errorf("%d of 60 requests got %d, want %d to %d (counts %v)", n, status, bounds[0], bounds[1], counts)
		}
	}
}

func TestFaultsSkipSimPaths(t *testing.T) {
	srv := startFaultServer(t, "demo", "503:1")
	c := &apiClient{t: t, srv: srv, http: trustingClient(srv)}
	c.expect(http.StatusOK, http.MethodGet, simPathPrefix+"state", nil, nil, nil)
	status, _, _ := c.postForm(pathToken, url.Values{}, &[2]string{srv.ClientID(), srv.ClientSecret()})
	if status != http.StatusServiceUnavailable {
		t.Errorf("token request status %d, want 503: faults apply to the token endpoint too", status)
	}
}

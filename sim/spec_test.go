package sim

import (
	"encoding/json"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rtrplay/rtrplay/internal/testenv"
)

// undocumentedStatus lists the status codes that the emulator sends on
// purpose although the API reference does not list them for the operation,
// each with the reason. An operation id of "*" applies to every operation.
var undocumentedStatus = map[string]map[int]string{
	"*": {
		401: "the API gateway answers 401 to a missing or expired token before any " +
			"operation runs; the reference lists 401 on a few operations only",
	},
	"BatchInitSessions": {
		404: "the live API answers 404 \"no successful hosts initialized on RTR\" " +
			"when no host initialises (captured responses and user reports)",
	},
	"QueryDevicesByFilter": {
		400: "the emulator rejects a filter or parameter it cannot read rather than " +
			"match every host",
	},
	"GetDeviceDetailsV2": {
		400: "users report 400 \"request must contain between 0 and 100 ids\" for " +
			"larger requests",
	},
	"RTR-CheckCommandStatus":                {400: statusBadID, 404: statusUnknownTask},
	"RTR-CheckActiveResponderCommandStatus": {400: statusBadID, 404: statusUnknownTask},
	"RTR-CheckAdminCommandStatus":           {400: statusBadID, 404: statusUnknownTask},
}

const (
	statusBadID = "captured responses show 400 \"cloud_request_id must be a uuid " +
		"string\" for a malformed id"
	statusUnknownTask = "the emulator's answer to an unknown task or one of " +
		"another tier; the live API's answer is not documented"
)

// swaggerDoc is the part of a Swagger 2.0 document this test reads.
type swaggerDoc struct {
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

type swaggerOperation struct {
	OperationID string                     `json:"operationId"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

// TestSpecStatusCodes checks that every status code that the emulator sent
// to the other tests of this package is documented for its operation in
// the API reference, or listed in undocumentedStatus with a reason.
//
// It calls t.Parallel, and no other top-level test does, so it runs after
// every other test of the package has finished and recorded its requests.
func TestSpecStatusCodes(t *testing.T) {
	t.Parallel()
	operations := loadOperations(t)

	startedServers.mu.Lock()
	servers := append([]*Server(nil), startedServers.list...)
	startedServers.mu.Unlock()
	seen := map[string]bool{}
	for _, srv := range servers {
		for _, rec := range srv.Requests() {
			seen[rec.Method+" "+rec.Path+" "+strconv.Itoa(rec.Status)] = true
		}
	}
	if len(seen) == 0 {
		t.Skip("no requests were recorded; run the whole package, not this test alone")
	}

	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		fields := strings.Fields(key)
		method, path := fields[0], fields[1]
		status, _ := strconv.Atoi(fields[2])
		op, ok := operations[strings.ToLower(method)+" "+path]
		if !ok {
			// Unknown paths get the gateway's 401 or 404.
			if status != http.StatusNotFound && status != http.StatusUnauthorized {
				t.Errorf("%s %s answered %d but is not in the API reference", method, path, status)
			}
			continue
		}
		if _, documented := op.Responses[strconv.Itoa(status)]; documented {
			continue
		}
		if undocumentedStatus["*"][status] != "" || undocumentedStatus[op.OperationID][status] != "" {
			continue
		}
		t.Errorf("%s %s (%s) answered %d, which the reference does not list (it lists %v)",
			method, path, op.OperationID, status, responseCodes(op))
	}
}

// loadOperations reads the API reference and returns its operations keyed
// by "method path".
func loadOperations(t *testing.T) map[string]swaggerOperation {
	t.Helper()
	data, err := os.ReadFile(testenv.SharedFile(t, "falcon-api/falcon-rtr-subset.swagger.json"))
	if err != nil {
		t.Fatalf("read API reference: %v", err)
	}
	var doc swaggerDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("decode API reference: %v", err)
	}
	operations := map[string]swaggerOperation{}
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			if method == "parameters" {
				continue
			}
			var op swaggerOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("decode operation %s %s: %v", method, path, err)
			}
			operations[method+" "+path] = op
		}
	}
	return operations
}

func responseCodes(op swaggerOperation) []string {
	codes := make([]string, 0, len(op.Responses))
	for code := range op.Responses {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	return codes
}

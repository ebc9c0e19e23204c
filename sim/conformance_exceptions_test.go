package sim

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/go-openapi/spec"
)

// This file lists every place where the emulator answers something that
// the API reference does not document, each with its reason. The
// conformance check fails when a response needs an exception that is not
// here, and (after a full run of the package's tests) when an exception
// here was used by no response, so the tables cannot go stale.

// statusException allows one status code that the reference does not list
// for an operation.
type statusException struct {
	// schema names the definition that the body must match. It is empty
	// when the body is not JSON, and contentType then gives its media type.
	schema      string
	contentType string
	reason      string
}

// undocumentedStatus lists the statuses that the emulator sends on purpose
// although the reference does not list them, keyed by operation id ("*"
// for every operation) and status.
var undocumentedStatus = map[string]map[int]statusException{
	"*": {
		http.StatusUnauthorized: {schema: "msa.ReplyMetaOnly", reason: "the API gateway answers 401 to a " +
			"missing, expired or revoked token before any operation runs; the reference lists 401 on a few " +
			"operations only"},
	},
	"BatchInitSessions": {
		http.StatusNotFound: {schema: "domain.BatchInitSessionResponse", reason: "the live API answers 404 " +
			"\"no successful hosts initialized on RTR\" when no host initialises, with the per-host " +
			"entries and an empty batch_id (captured responses and user reports)"},
	},
	"QueryDevicesByFilter": {
		http.StatusBadRequest: {schema: "msa.ReplyMetaOnly", reason: "the emulator rejects a filter, sort " +
			"or paging parameter that it cannot read, rather than match every host"},
	},
	"GetDeviceDetailsV2": {
		http.StatusBadRequest: {schema: "msa.ReplyMetaOnly", reason: "users report 400 \"request must " +
			"contain between 0 and 100 ids\" for larger requests"},
	},
	"RTR-CheckCommandStatus":                statusCheckExceptions,
	"RTR-CheckActiveResponderCommandStatus": statusCheckExceptions,
	"RTR-CheckAdminCommandStatus":           statusCheckExceptions,
}

var statusCheckExceptions = map[int]statusException{
	http.StatusBadRequest: {schema: "domain.APIError", reason: "captured responses show 400 " +
		"\"cloud_request_id must be a uuid string\" for a malformed id"},
	http.StatusNotFound: {schema: "domain.APIError", reason: "the emulator's answer to an unknown " +
		"task or to a task of another tier; the live API's answer is not documented"},
}

// findStatusException returns the exception for an operation's status,
// looking at the operation's own entries before the "*" ones, and the key
// under which its use is counted.
func findStatusException(operationID string, status int) (string, statusException, bool) {
	for _, id := range []string{operationID, "*"} {
		if e, ok := undocumentedStatus[id][status]; ok {
			return id + " " + strconv.Itoa(status), e, true
		}
	}
	return "", statusException{}, false
}

// nullableProperty lets one property be null although the reference types
// it without null.
type nullableProperty struct {
	definition, property, reason string
}

// key names the exception in the list of used exceptions.
func (n nullableProperty) key() string { return "null " + n.definition + "." + n.property }

// nullableProperties lists the properties that the emulator sends as null
// on purpose.
var nullableProperties = []nullableProperty{
	{definition: "model.File", property: "deleted_at", reason: "captured batch get status responses " +
		"show deleted_at null for a file that is not deleted; the reference types it as a date-time string"},
}

// unmatchedRequests lists responses to paths that no operation has, keyed
// by "METHOD PATH STATUS": tests that probe the gateway on purpose.
var unmatchedRequests = map[string]string{
	"GET /no/such/path/v1 401": "TestResponseHeaders checks that the gateway asks for a token before " +
		"it looks the path up",
	"GET /no/such/path/v1 404": "TestResponseHeaders checks the gateway's 404 envelope and headers for " +
		"a path that no API has",
}

// extraOperation is an operation that the emulator serves and the
// reference lacks, with the schemas of its responses.
type extraOperation struct {
	id, method, path string
	// responses maps each status to a definition of the reference or of
	// extraDefinitions.
	responses map[int]string
	reason    string
}

// operation builds the Swagger operation for the emulator's checks.
func (e extraOperation) operation() *spec.Operation {
	op := spec.NewOperation(e.id)
	op.Produces = []string{"application/json"}
	op.Responses = &spec.Responses{}
	op.Responses.StatusCodeResponses = map[int]spec.Response{}
	for status, def := range e.responses {
		op.Responses.StatusCodeResponses[status] = *spec.NewResponse().
			WithSchema(spec.RefSchema("#/definitions/" + def))
	}
	return op
}

// extraOperations are the operations that the emulator serves beyond the
// reference.
var extraOperations = []extraOperation{}

// extraDefinitions are the schemas of extraOperations that the reference
// has no definition for, written from gofalcon v0.20.0's models.
var extraDefinitions = map[string]spec.Schema{}

// exceptionKeys returns the key of every exception, sorted, in the form
// that check returns for the exception it used.
func exceptionKeys() []string {
	var keys []string
	for id, statuses := range undocumentedStatus {
		for status := range statuses {
			keys = append(keys, id+" "+strconv.Itoa(status))
		}
	}
	for key := range unmatchedRequests {
		keys = append(keys, key)
	}
	for _, n := range nullableProperties {
		keys = append(keys, n.key())
	}
	sort.Strings(keys)
	return keys
}

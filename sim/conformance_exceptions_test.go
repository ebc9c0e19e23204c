package sim

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/go-openapi/spec"
)

// This file lists every place where the emulator returns something that
// the API reference does not document, each with its reason. The
// conformance check fails when a response needs an exception that is not
// here, and (after a full run of the package's tests) when an exception
// here was used by no response, so the tables cannot go stale.

// statusException allows one status code that the reference does not list
// for an operation.
type statusException struct {
	// schema names the definition that a JSON body must match. It is
	// empty when the body is not JSON.
	schema string
	reason string
}

// undocumentedStatus lists the statuses that the emulator sends on purpose
// although the reference does not list them, keyed by operation id ("*"
// for every operation) and status.
var undocumentedStatus = map[string]map[int]statusException{
	"*": {
		http.StatusUnauthorized: {schema: "msa.ReplyMetaOnly", reason: "the API gateway answers 401 to a " +
			"missing, expired or revoked token before any operation runs; the reference lists 401 on a few " +
			"operations only"},
		http.StatusBadGateway:         injectedGatewayError,
		http.StatusServiceUnavailable: injectedGatewayError,
		http.StatusGatewayTimeout:     injectedGatewayError,
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
	"CombinedDevicesByFilter": {
		http.StatusBadRequest: {schema: "msa.ReplyMetaOnly", reason: "the emulator rejects a filter, " +
			"sort, limit, fields or offset cursor that it cannot read, rather than return every host"},
	},
	"GetDeviceDetailsV2": {
		http.StatusBadRequest: {schema: "msa.ReplyMetaOnly", reason: "users report 400 \"request must " +
			"contain between 0 and 100 ids\" for larger requests"},
	},
	"PostDeviceDetailsV2": {
		http.StatusBadRequest: {schema: "msa.ReplyMetaOnly", reason: "the endpoint summary caps the call " +
			"at 5000 ids, and the emulator answers more, or a body it cannot read, with the 400 that " +
			"users report for the GET form"},
	},
	"RTR-CheckCommandStatus":                statusCheckExceptions,
	"RTR-CheckActiveResponderCommandStatus": statusCheckExceptions,
	"RTR-CheckAdminCommandStatus":           statusCheckExceptions,
}

// injectedGatewayError allows the gateway errors that -faults injects into
// any call, as HTML pages (see otherMediaTypes). The reference lists only
// 500, but a gateway in front of the API can return 502, 503 or 504 for
// any request.
var injectedGatewayError = statusException{reason: "fault injection sends the 502, 503 and 504 " +
	"that a gateway in front of the API can return for any request"}

var statusCheckExceptions = map[int]statusException{
	http.StatusBadRequest: {schema: "domain.APIError", reason: "captured responses show 400 " +
		"\"cloud_request_id must be a uuid string\" for a malformed id"},
	http.StatusNotFound: {schema: "domain.APIError", reason: "the emulator's response to an unknown " +
		"task or to a task of another tier; the live API's response is not documented"},
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

// mediaTypeException allows a body of a media type that an operation does
// not produce, for one status.
type mediaTypeException struct {
	operation   string
	status      int
	contentType string
	reason      string
}

// key names the exception in the list of used exceptions.
func (m mediaTypeException) key() string {
	return "media " + m.operation + " " + strconv.Itoa(m.status) + " " + m.contentType
}

// otherMediaTypes lists the bodies that are not JSON although the
// reference documents JSON for them. An operation of "*" stands for every
// operation.
var otherMediaTypes = []mediaTypeException{
	{operation: "*", status: http.StatusBadGateway, contentType: "text/html", reason: gatewayPage},
	{operation: "*", status: http.StatusServiceUnavailable, contentType: "text/html", reason: gatewayPage},
	{operation: "*", status: http.StatusGatewayTimeout, contentType: "text/html", reason: gatewayPage},
	{operation: "GetDeviceDetailsV2", status: http.StatusBadRequest, contentType: "text/html",
		reason: "a user reports a text/html 400 page, not JSON, for Hosts API requests of more than 500 ids"},
	{operation: "GetOnlineStateV1", status: http.StatusBadRequest, contentType: "text/html",
		reason: "the emulator sends the same HTML page for any GET of the Hosts API with more than 500 ids"},
}

// gatewayPage is why injected gateway errors are HTML.
const gatewayPage = "a gateway error comes from the proxy in front of the API, whose error pages " +
	"are HTML, and fault injection sends such a page so that clients meet a body that is not JSON"

// findMediaTypeException returns the exception that allows contentType for
// an operation's status.
func findMediaTypeException(operationID string, status int, contentType string) (mediaTypeException, bool) {
	for _, m := range otherMediaTypes {
		matches := m.operation == operationID || m.operation == "*"
		if matches && m.status == status && m.contentType == contentType {
			return m, true
		}
	}
	return mediaTypeException{}, false
}

// nullableProperty lets one property be null, in the responses of the
// named operations (of any operation when none is named), although the
// reference types it without null.
type nullableProperty struct {
	definition, property string
	operations           []string
	reason               string
}

// key names the exception in the list of used exceptions.
func (n nullableProperty) key() string { return "null " + n.definition + "." + n.property }

// notDeletedIsNull is why the emulator sends deleted_at as null.
const notDeletedIsNull = "captured batch get status responses show deleted_at null for a file that " +
	"is not deleted, although the reference types it as a required date-time string; the emulator " +
	"sends null for every record that is not deleted"

// nullableProperties lists the properties that the emulator sends as null
// on purpose.
var nullableProperties = []nullableProperty{
	{definition: "state.OnlineStateResultV1", property: "state", operations: []string{"GetOnlineStateV1"},
		reason: "users report online-state entries whose state is null, which clients must read as unknown"},
	{definition: "model.File", property: "deleted_at", reason: notDeletedIsNull,
		operations: []string{"BatchGetCmdStatus", "RTR-ListFiles"}},
	{definition: "domain.QueuedSessionJob", property: "deleted_at", reason: notDeletedIsNull,
		operations: []string{"RTR-ListQueuedSessions"}},
	{definition: "domain.QueuedSessionCommand", property: "deleted_at", reason: notDeletedIsNull,
		operations: []string{"RTR-ListQueuedSessions"}},
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
var extraOperations = []extraOperation{
	{id: "GetOnlineStateV1", method: http.MethodGet, path: "/devices/entities/online-state/v1",
		responses: map[int]string{
			http.StatusOK: "state.OnlineStateRespV1", http.StatusBadRequest: "msa.ReplyMetaOnly",
			http.StatusForbidden: "msa.ReplyMetaOnly", http.StatusTooManyRequests: "msa.ReplyMetaOnly",
			http.StatusInternalServerError: "msa.ReplyMetaOnly",
		},
		reason: "clients need the online state to decide whether to queue commands; the reference " +
			"subset lacks the call, so its shapes come from gofalcon v0.20.0 (hosts.GetOnlineStateV1), " +
			"except that a 400 is the usual error envelope without resources, which gofalcon's model " +
			"of it decodes the same way"},
}

// extraDefinitions are the schemas of extraOperations that the reference
// has no definition for, written from gofalcon v0.20.0's models.
var extraDefinitions = map[string]spec.Schema{
	"state.OnlineStateRespV1": *new(spec.Schema).Typed("object", "").
		WithRequired("errors", "meta", "resources").
		SetProperty("errors", *spec.ArrayProperty(spec.RefSchema("#/definitions/msa.APIError"))).
		SetProperty("meta", *spec.RefSchema("#/definitions/msa.MetaInfo")).
		SetProperty("resources", *spec.ArrayProperty(spec.RefSchema("#/definitions/state.OnlineStateResultV1"))),
	"state.OnlineStateResultV1": *new(spec.Schema).Typed("object", "").
		WithRequired("id", "state").
		SetProperty("cid", *spec.StringProperty()).
		SetProperty("id", *spec.StringProperty()).
		SetProperty("last_seen", *spec.DateTimeProperty()).
		SetProperty("state", *spec.StringProperty()),
}

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
	for _, m := range otherMediaTypes {
		keys = append(keys, m.key())
	}
	sort.Strings(keys)
	return keys
}

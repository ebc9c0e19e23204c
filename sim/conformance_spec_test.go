package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-openapi/loads"
	"github.com/go-openapi/spec"
	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/validate"

	"github.com/rtrplay/rtrplay/internal/testenv"
)

// referenceRelPath locates the API reference (Swagger 2.0) inside the
// shared folder beside the repository.
const referenceRelPath = "falcon-api/falcon-rtr-subset.swagger.json"

// sevenZipSignature starts every 7z archive.
var sevenZipSignature = []byte("7z\xbc\xaf\x27\x1c")

// Headers that every response carries, whatever the reference declares for
// it: the trace id and the rate-limit pair.
var requiredHeaders = []string{"X-CS-TRACEID", "X-RateLimit-Limit", "X-RateLimit-Remaining"}

// apiReference is the API reference prepared for validating responses:
// its objects are closed to undeclared properties and its $refs resolved.
type apiReference struct {
	// mu serialises validation, because go-openapi expands a circular
	// $ref in place, inside the shared document, when it reaches one.
	mu         sync.Mutex
	doc        *spec.Swagger
	operations []referenceOperation
}

// referenceOperation is one operation of the reference with the path
// template that requests are matched against.
type referenceOperation struct {
	method   string
	template string
	segments []string
	op       *spec.Operation
}

var sharedReference struct {
	once sync.Once
	ref  *apiReference
	err  error
}

// conformanceReference loads the API reference once for the whole test
// binary. It returns nil and no error when the file is absent, because
// TestSpecConformance reports that, and fails under CI=true.
func conformanceReference() (*apiReference, error) {
	sharedReference.once.Do(func() {
		path := filepath.Join(testenv.RepoRoot(), "..", "shared", referenceRelPath)
		if !fileExists(path) {
			return
		}
		sharedReference.ref, sharedReference.err = loadAPIReference(path)
	})
	return sharedReference.ref, sharedReference.err
}

// loadAPIReference reads the reference at path, applies the exception
// tables and resolves every $ref.
func loadAPIReference(path string) (*apiReference, error) {
	loaded, err := loads.Spec(path)
	if err != nil {
		return nil, fmt.Errorf("load API reference %s: %w", path, err)
	}
	doc := loaded.Spec()
	for name, def := range doc.Definitions {
		closeSchema(&def)
		doc.Definitions[name] = def
	}
	for name, schema := range extraDefinitions {
		closeSchema(&schema)
		doc.Definitions[name] = schema
	}
	if err := applyNullableExceptions(doc); err != nil {
		return nil, err
	}
	if err := spec.ExpandSpec(doc, &spec.ExpandOptions{RelativeBase: path}); err != nil {
		return nil, fmt.Errorf("resolve $refs of %s: %w", path, err)
	}

	ref := &apiReference{doc: doc}
	for template, item := range doc.Paths.Paths {
		for method, op := range pathOperations(item) {
			ref.add(method, template, op)
		}
	}
	for _, extra := range extraOperations {
		ref.add(extra.method, extra.path, extra.operation())
	}
	return ref, nil
}

func (a *apiReference) add(method, template string, op *spec.Operation) {
	a.operations = append(a.operations, referenceOperation{
		method: method, template: template, segments: strings.Split(template, "/"), op: op,
	})
}

// pathOperations returns the operations of one path by HTTP method.
func pathOperations(item spec.PathItem) map[string]*spec.Operation {
	ops := map[string]*spec.Operation{
		http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
		http.MethodPatch: item.Patch, http.MethodDelete: item.Delete,
		http.MethodHead: item.Head, http.MethodOptions: item.Options,
	}
	for method, op := range ops {
		if op == nil {
			delete(ops, method)
		}
	}
	return ops
}

// closeSchema rejects properties that an object schema does not declare,
// so that a misspelt field in the emulator fails validation. Swagger 2.0
// allows any extra property unless a schema sets additionalProperties, and
// no object schema of the reference sets it to false. It also turns the x-nullable extension into the
// validator's Nullable flag, which go-openapi does not read by itself.
func closeSchema(s *spec.Schema) {
	if nullable, ok := s.Extensions.GetBool("x-nullable"); ok && nullable {
		s.Nullable = true
	}
	if len(s.Properties) > 0 && s.AdditionalProperties == nil {
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: false}
	}
	for name, prop := range s.Properties {
		closeSchema(&prop)
		s.Properties[name] = prop
	}
	if s.Items != nil && s.Items.Schema != nil {
		closeSchema(s.Items.Schema)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		closeSchema(s.AdditionalProperties.Schema)
	}
	for i := range s.AllOf {
		closeSchema(&s.AllOf[i])
	}
}

// applyNullableExceptions lets the properties in nullableProperties be
// null.
func applyNullableExceptions(doc *spec.Swagger) error {
	for _, e := range nullableProperties {
		def, ok := doc.Definitions[e.definition]
		if !ok {
			return fmt.Errorf("nullable exception names definition %s, which the reference lacks", e.definition)
		}
		prop, ok := def.Properties[e.property]
		if !ok {
			return fmt.Errorf("nullable exception names %s.%s, which the reference lacks", e.definition, e.property)
		}
		prop.Nullable = true
		def.Properties[e.property] = prop
		doc.Definitions[e.definition] = def
	}
	return nil
}

// find returns the operation whose method and path template match the
// request, or nil.
func (a *apiReference) find(method, path string) *referenceOperation {
	segments := strings.Split(path, "/")
	for i := range a.operations {
		op := &a.operations[i]
		if op.method == method && matchTemplate(op.segments, segments) {
			return op
		}
	}
	return nil
}

// matchTemplate reports whether a request path matches a path template,
// in which a {name} segment stands for any one non-empty segment.
func matchTemplate(template, path []string) bool {
	if len(template) != len(path) {
		return false
	}
	for i, seg := range template {
		isParam := strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
		if isParam && path[i] != "" {
			continue
		}
		if seg != path[i] {
			return false
		}
	}
	return true
}

// checkResult is the outcome of checking one response.
type checkResult struct {
	problems []string
	// exceptions are the keys of the exceptions that allowed parts of the
	// response.
	exceptions []string
	// operation is the id of the operation that the request matched, or
	// "" when none did.
	operation string
}

// check validates one response against the reference.
func (a *apiReference) check(rec responseRecord) checkResult {
	if strings.HasPrefix(rec.path, simPathPrefix) {
		// The emulator's own inspection paths are not part of the API.
		return checkResult{}
	}
	op := a.find(rec.method, rec.path)
	if op == nil {
		problems, key := checkUnmatched(rec)
		return checkResult{problems: problems, exceptions: nonEmpty(key)}
	}
	res := checkResult{operation: op.op.ID}
	want, key, problem := a.expectedResponse(op, rec.status)
	if problem != "" {
		res.problems = []string{problem}
		return res
	}
	res.exceptions = nonEmpty(key)
	res.problems = checkHeaders(rec, want.headers)
	bodyProblems, bodyKeys := a.checkBody(rec, op, want)
	res.problems = append(res.problems, bodyProblems...)
	res.exceptions = append(res.exceptions, bodyKeys...)
	return res
}

func nonEmpty(key string) []string {
	if key == "" {
		return nil
	}
	return []string{key}
}

// expectedResponse is what the reference, or an exception, documents for
// one status of an operation.
type expectedResponse struct {
	schema  *spec.Schema
	headers map[string]spec.Header
}

func (a *apiReference) expectedResponse(op *referenceOperation, status int) (expectedResponse, string, string) {
	if op.op.Responses != nil {
		if resp, ok := op.op.Responses.StatusCodeResponses[status]; ok {
			return expectedResponse{schema: resp.Schema, headers: resp.Headers}, "", ""
		}
	}
	key, e, ok := findStatusException(op.op.ID, status)
	if !ok {
		return expectedResponse{}, "", fmt.Sprintf(
			"status %d is not documented for %s (documented: %s) and no exception allows it",
			status, op.op.ID, strings.Join(documentedStatuses(op.op), ", "))
	}
	var want expectedResponse
	if e.schema != "" {
		def, found := a.doc.Definitions[e.schema]
		if !found {
			return expectedResponse{}, "", "exception " + key + " names definition " + e.schema +
				", which the reference lacks"
		}
		want.schema = &def
	}
	return want, key, ""
}

// documentedStatuses lists the status codes an operation documents.
func documentedStatuses(op *spec.Operation) []string {
	var codes []string
	if op.Responses != nil {
		for code := range op.Responses.StatusCodeResponses {
			codes = append(codes, strconv.Itoa(code))
		}
	}
	sort.Strings(codes)
	return codes
}

// checkUnmatched handles a response to a path that no operation of the
// reference has: allowed only when an exception lists it.
func checkUnmatched(rec responseRecord) ([]string, string) {
	key := rec.method + " " + rec.path + " " + strconv.Itoa(rec.status)
	if _, ok := unmatchedRequests[key]; !ok {
		return []string{"no operation of the API reference matches " + rec.method + " " + rec.path +
			" and no exception allows its status " + strconv.Itoa(rec.status)}, ""
	}
	problems := checkHeaders(rec, nil)
	if !rec.isJSON() {
		problems = append(problems, "Content-Type is "+strconv.Quote(rec.header.Get("Content-Type"))+
			", want application/json for the gateway's error envelope")
	}
	return problems, key
}

// checkHeaders checks the headers every response carries and the ones the
// reference declares for this response.
func checkHeaders(rec responseRecord, declared map[string]spec.Header) []string {
	var problems []string
	for _, name := range requiredHeaders {
		if rec.header.Get(name) == "" {
			problems = append(problems, "header "+name+" is missing")
		}
	}
	if rec.status == http.StatusTooManyRequests {
		problems = append(problems, checkRetryAfter(rec.header.Get("X-RateLimit-RetryAfter"))...)
	}
	names := make([]string, 0, len(declared))
	for name := range declared {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value := rec.header.Get(name)
		if value == "" {
			continue // a declared header may be absent; requiredHeaders are checked above
		}
		h := declared[name]
		if problem := checkHeaderValue(name, value, &h); problem != "" {
			problems = append(problems, problem)
		}
	}
	if cl := rec.header.Get("Content-Length"); cl != "" && !rec.truncated {
		if n, err := strconv.ParseInt(cl, 10, 64); err != nil || n != rec.bodyLen {
			problems = append(problems, fmt.Sprintf("Content-Length is %s but the body has %d bytes", cl, rec.bodyLen))
		}
	}
	return problems
}

// checkRetryAfter checks the 429 reset time. The reference describes it as
// milliseconds since the epoch, but gofalcon and PSFalcon parse it as
// seconds, and the emulator sends seconds so that those clients wait the
// right time. A value of 10^11 or more can only be milliseconds.
func checkRetryAfter(value string) []string {
	if value == "" {
		return []string{"header X-RateLimit-RetryAfter is missing from a 429"}
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n <= 0 || n >= 1e11 {
		return []string{"header X-RateLimit-RetryAfter is " + strconv.Quote(value) + ", want epoch seconds"}
	}
	return nil
}

// checkHeaderValue validates a header value against its declared type.
func checkHeaderValue(name, value string, h *spec.Header) string {
	var data any = value
	switch h.Type {
	case "integer":
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return fmt.Sprintf("header %s is %q, want an integer", name, value)
		}
		data = n
	case "number":
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return fmt.Sprintf("header %s is %q, want a number", name, value)
		}
		data = f
	}
	if res := validate.NewHeaderValidator(name, h, strfmt.Default).Validate(data); res != nil && res.HasErrors() {
		return fmt.Sprintf("header %s is %q: %v", name, value, res.AsError())
	}
	return ""
}

// checkBody checks the body against the response's schema, or, for a body
// that is not JSON, its media type. It returns the problems and the keys of
// the exceptions used: nullable properties that are null somewhere in the
// body, or a media type that the operation does not produce.
func (a *apiReference) checkBody(rec responseRecord, op *referenceOperation, want expectedResponse) ([]string, []string) {
	switch {
	case rec.status == http.StatusNoContent || rec.status == http.StatusNotModified:
		if rec.bodyLen != 0 {
			return []string{fmt.Sprintf("a %d response carries a %d-byte body", rec.status, rec.bodyLen)}, nil
		}
		return nil, nil
	case !rec.isJSON():
		return checkOtherBody(rec, op, want)
	case want.schema == nil:
		return []string{"the body is JSON but the reference documents no body for this status"}, nil
	case rec.truncated:
		return []string{fmt.Sprintf("the JSON body has %d bytes, more than the %d that the recorder keeps; "+
			"make the test's response smaller", rec.bodyLen, maxRecordedJSON)}, nil
	}
	data, problem := decodeJSONBody(rec.body)
	if problem != "" {
		return []string{problem}, nil
	}

	a.mu.Lock()
	res := validate.NewSchemaValidator(want.schema, a.doc, "", strfmt.Default).Validate(data)
	a.mu.Unlock()
	var problems []string
	for _, err := range res.Errors {
		problems = append(problems, "body: "+err.Error())
	}
	var used []string
	for _, e := range nullableProperties {
		applies := len(e.operations) == 0 || slices.Contains(e.operations, op.op.ID)
		if applies && hasNullProperty(data, e.property) {
			used = append(used, e.key())
		}
	}
	return problems, used
}

// decodeJSONBody decodes one JSON value, keeping numbers exact, or returns
// what is wrong with the body.
func decodeJSONBody(body []byte) (any, string) {
	var data any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return nil, "the body is not valid JSON: " + err.Error()
	}
	if dec.More() {
		return nil, "the body has data after its JSON value"
	}
	return data, ""
}

// hasNullProperty reports whether any object inside data has the property
// name set to null.
func hasNullProperty(data any, name string) bool {
	switch v := data.(type) {
	case map[string]any:
		for key, value := range v {
			if (key == name && value == nil) || hasNullProperty(value, name) {
				return true
			}
		}
	case []any:
		for _, item := range v {
			if hasNullProperty(item, name) {
				return true
			}
		}
	}
	return false
}

// checkOtherBody checks a body that is not JSON. Its media type must be
// one that the operation produces for raw bytes, or one that an exception
// allows, and a 7z archive must start with the 7z signature.
func checkOtherBody(rec responseRecord, op *referenceOperation, want expectedResponse) ([]string, []string) {
	got := mediaType(rec.header.Get("Content-Type"))
	if e, ok := findMediaTypeException(op.op.ID, rec.status, got); ok {
		return nil, []string{e.key()}
	}
	if !slices.Contains(op.op.Produces, got) {
		return []string{fmt.Sprintf("Content-Type is %q; the reference allows %v here and no exception "+
			"allows it", got, op.op.Produces)}, nil
	}
	if !isBinarySchema(want.schema) {
		return []string{fmt.Sprintf("the body is %s but the reference documents a JSON body for status %d",
			got, rec.status)}, nil
	}
	if got == "application/x-7z-compressed" && !bytes.HasPrefix(rec.body, sevenZipSignature) {
		return []string{"the body is labelled a 7z archive but lacks the 7z signature"}, nil
	}
	return nil, nil
}

// isBinarySchema reports whether a response schema documents raw bytes:
// a binary string, or the array of integers that the reference uses for
// put-file contents.
func isBinarySchema(s *spec.Schema) bool {
	if s == nil {
		return false
	}
	if s.Type.Contains("string") && s.Format == "binary" {
		return true
	}
	return s.Type.Contains("array") && s.Items != nil && s.Items.Schema != nil &&
		s.Items.Schema.Type.Contains("integer")
}

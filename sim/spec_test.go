package sim

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rtrplay/rtrplay/internal/testenv"
)

// TestSpecConformance loads the API reference that every test's responses
// are checked against (see trackServer), checks the exception tables
// against it, and checks that the validator rejects responses that break
// the reference. Under CI=true a missing reference fails this test.
func TestSpecConformance(t *testing.T) {
	path := testenv.SharedFile(t, referenceRelPath)
	ref, err := loadAPIReference(path)
	if err != nil {
		t.Fatalf("load API reference: %v", err)
	}
	t.Run("exceptions", func(t *testing.T) { checkExceptionTables(t, ref) })
	t.Run("validator", func(t *testing.T) { checkValidatorRejects(t, ref) })
}

// checkExceptionTables fails for an exception that the reference has made
// unnecessary or that names something the reference lacks.
func checkExceptionTables(t *testing.T, ref *apiReference) {
	t.Helper()
	byID := map[string]*referenceOperation{}
	for i := range ref.operations {
		byID[ref.operations[i].op.ID] = &ref.operations[i]
	}
	for id, statuses := range undocumentedStatus {
		for status, e := range statuses {
			if e.reason == "" {
				t.Errorf("exception %s %d has no reason", id, status)
			}
			if _, ok := ref.doc.Definitions[e.schema]; e.schema != "" && !ok {
				t.Errorf("exception %s %d names definition %s, which the reference lacks", id, status, e.schema)
			}
			if id == "*" {
				continue
			}
			op, ok := byID[id]
			if !ok {
				t.Errorf("exception names operation %s, which the reference lacks", id)
				continue
			}
			if _, documented := op.op.Responses.StatusCodeResponses[status]; documented {
				t.Errorf("exception %s %d is no longer needed: the reference documents that status", id, status)
			}
		}
	}
	for key, reason := range unmatchedRequests {
		fields := strings.Fields(key)
		if len(fields) != 3 || reason == "" {
			t.Errorf("unmatched request %q needs the form \"METHOD PATH STATUS\" and a reason", key)
			continue
		}
		if ref.find(fields[0], fields[1]) != nil {
			t.Errorf("unmatched request %q is no longer needed: an operation matches it", key)
		}
	}
	for _, n := range nullableProperties {
		prop := ref.doc.Definitions[n.definition].Properties[n.property]
		if v, ok := prop.Extensions.GetBool("x-nullable"); ok && v {
			t.Errorf("nullable exception %s.%s is no longer needed: the reference allows null", n.definition, n.property)
		}
		if n.reason == "" {
			t.Errorf("nullable exception %s.%s has no reason", n.definition, n.property)
		}
	}
	for _, n := range nullableProperties {
		for _, id := range n.operations {
			if _, ok := byID[id]; !ok {
				t.Errorf("nullable exception %s names operation %s, which the reference lacks", n.key(), id)
			}
		}
	}
	for _, m := range otherMediaTypes {
		if _, ok := byID[m.operation]; (!ok && m.operation != "*") || m.reason == "" {
			t.Errorf("media type exception %s needs an operation of the reference and a reason", m.key())
		}
	}
	for _, extra := range extraOperations {
		for _, op := range ref.operations {
			if op.template == extra.path && op.method == extra.method && op.op.ID != extra.id {
				t.Errorf("extra operation %s %s is no longer needed: the reference has it as %s",
					extra.method, extra.path, op.op.ID)
			}
		}
		if extra.reason == "" {
			t.Errorf("extra operation %s has no reason", extra.id)
		}
	}
}

// checkValidatorRejects feeds the validator one good response and broken
// variants of it, so that a validator that accepts everything fails here.
func checkValidatorRejects(t *testing.T, ref *apiReference) {
	t.Helper()
	const aid = "0123456789abcdef0123456789abcdef"
	goodInit := `{"meta":{"query_time":0.01,"powered_by":"empower-api","trace_id":"t"},` +
		`"batch_id":"b","resources":{"` + aid + `":{"aid":"` + aid + `","session_id":"s",` +
		`"complete":true,"offline_queued":false,"stdout":"C:\\","stderr":"","query_time":0.1,"errors":[]}},` +
		`"errors":[]}`
	jsonHeader := func(extra ...string) http.Header {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("X-CS-TRACEID", "t")
		h.Set("X-RateLimit-Limit", "6000")
		h.Set("X-RateLimit-Remaining", "5999")
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i+1] == "" {
				h.Del(extra[i])
				continue
			}
			h.Set(extra[i], extra[i+1])
		}
		return h
	}
	initRecord := func(status int, body string, header http.Header) responseRecord {
		return responseRecord{
			method: http.MethodPost, path: pathBatchInit, status: status,
			header: header, body: []byte(body), bodyLen: int64(len(body)),
		}
	}
	file := func(status int, contentType string, body string) responseRecord {
		return responseRecord{
			method: http.MethodGet, path: pathExtractedFile, status: status,
			header: jsonHeader("Content-Type", contentType), body: []byte(body), bodyLen: int64(len(body)),
		}
	}
	tests := []struct {
		name string
		rec  responseRecord
		want string // part of a problem; "" for none
	}{
		{name: "valid batch init", rec: initRecord(201, goodInit, jsonHeader())},
		{name: "missing required field", want: "batch_id",
			rec: initRecord(201, strings.Replace(goodInit, `"batch_id":"b",`, "", 1), jsonHeader())},
		{name: "undeclared field", want: "offline_queue",
			rec: initRecord(201, strings.Replace(goodInit, `"complete":true`, `"complete":true,"offline_queue":true`, 1), jsonHeader())},
		{name: "wrong type", want: "complete",
			rec: initRecord(201, strings.Replace(goodInit, `"complete":true`, `"complete":"true"`, 1), jsonHeader())},
		{name: "null array", want: "errors",
			rec: initRecord(201, strings.Replace(goodInit, `"errors":[]}}`, `"errors":null}}`, 1), jsonHeader())},
		{name: "undocumented status", want: "status 418",
			rec: initRecord(http.StatusTeapot, goodInit, jsonHeader())},
		{name: "missing rate-limit header", want: "X-RateLimit-Remaining",
			rec: initRecord(201, goodInit, jsonHeader("X-RateLimit-Remaining", ""))},
		{name: "non-integer header", want: "X-RateLimit-Limit",
			rec: initRecord(201, goodInit, jsonHeader("X-RateLimit-Limit", "many"))},
		{name: "retry-after in milliseconds", want: "X-RateLimit-RetryAfter",
			rec: initRecord(429, `{"meta":{"query_time":0,"trace_id":"t"},"errors":[]}`,
				jsonHeader("X-RateLimit-RetryAfter", "1700000000000"))},
		{name: "wrong content length", want: "Content-Length",
			rec: initRecord(201, goodInit, jsonHeader("Content-Length", "3"))},
		{name: "not JSON", want: "not valid JSON", rec: initRecord(201, "{", jsonHeader())},
		{name: "unknown path", want: "no operation",
			rec: responseRecord{method: http.MethodGet, path: "/nowhere/v1", status: 404, header: jsonHeader()}},
		{name: "wrong method", want: "no operation",
			rec: responseRecord{method: http.MethodGet, path: pathBatchInit, status: 200, header: jsonHeader()}},
		{name: "valid 7z archive", rec: file(200, "application/x-7z-compressed", string(sevenZipSignature)+"rest")},
		{name: "7z without signature", want: "signature", rec: file(200, "application/x-7z-compressed", "PK\x03\x04")},
		{name: "archive as octet-stream", want: "Content-Type", rec: file(200, "application/octet-stream", "x")},
		{name: "archive as JSON", want: "body", rec: file(200, "application/json", `{"a":1}`)},
		{name: "body on 204", want: "204 response carries",
			rec: responseRecord{method: http.MethodDelete, path: pathSessions, status: 204, header: jsonHeader(),
				bodyLen: 2, body: []byte("{}")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := ref.check(tt.rec).problems
			joined := strings.Join(problems, "\n")
			switch {
			case tt.want == "" && len(problems) > 0:
				t.Errorf("check found problems in a valid response:\n%s", joined)
			case tt.want != "" && !strings.Contains(joined, tt.want):
				t.Errorf("check problems = %q, want one that mentions %q", joined, tt.want)
			}
		})
	}
}

// TestMatchTemplate checks path template matching, which the reference
// does not exercise because none of its paths has a parameter.
func TestMatchTemplate(t *testing.T) {
	tests := []struct {
		template, path string
		want           bool
	}{
		{template: "/a/b/v1", path: "/a/b/v1", want: true},
		{template: "/a/{id}/v1", path: "/a/xyz/v1", want: true},
		{template: "/a/{id}/v1", path: "/a//v1", want: false},
		{template: "/a/b/v1", path: "/a/b/v1/", want: false},
		{template: "/a/b/v1", path: "/a/c/v1", want: false},
	}
	for _, tt := range tests {
		got := matchTemplate(strings.Split(tt.template, "/"), strings.Split(tt.path, "/"))
		if got != tt.want {
			t.Errorf("matchTemplate(%s, %s) = %v, want %v", tt.template, tt.path, got, tt.want)
		}
	}
}

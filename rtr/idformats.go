package rtr

import (
	"fmt"
	"regexp"
	"strings"
)

// Id forms that Falcon checks, so that a malformed id fails here with its
// value instead of as a 400 or a per-host 500 from the API.
var (
	// uuidPattern matches session ids, batch ids and cloud request ids.
	uuidPattern = regexp.MustCompile(
		`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// objectIDPattern matches the ids of put-files, custom scripts and
	// Falcon scripts: two runs of 32 hex digits joined by an underscore.
	objectIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{32}_[0-9a-fA-F]{32}$`)
)

// idForm is one kind of id with its pattern and its description, with an
// article, for error messages.
type idForm struct {
	pattern *regexp.Regexp
	what    string
}

var (
	sessionIDForm = idForm{uuidPattern, "a session id (a UUID)"}
	requestIDForm = idForm{uuidPattern, "a cloud request id (a UUID)"}
	objectIDForm  = idForm{objectIDPattern, "an object id (32 hex digits, an underscore, 32 hex digits)"}
	hostIDForm    = idForm{aidPattern, "a host id (32 hex digits)"}
)

// check returns an error naming id when it does not have the form.
func (f idForm) check(field, id string) error {
	if !f.pattern.MatchString(id) {
		return fmt.Errorf("%s %q is not %s", field, id, f.what)
	}
	return nil
}

// checkAll checks every id of a list and rejects repeats, naming the first
// bad id and its position. An empty list is an error, because every call
// that takes a list needs at least one id.
func (f idForm) checkAll(field string, ids []string) error {
	if len(ids) == 0 {
		return fmt.Errorf("no %s given", field)
	}
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		if !f.pattern.MatchString(id) {
			return fmt.Errorf("%s[%d]: %q is not %s", field, i, id, f.what)
		}
		key := strings.ToLower(id)
		if first, dup := seen[key]; dup {
			return fmt.Errorf("%s[%d]: %s repeats %s[%d]; list each id once", field, i, id, field, first)
		}
		seen[key] = i
	}
	return nil
}

// checkFileID checks the id of a file in a session's file list: a decimal
// number for the v1 list, and for v2 a string that the delete call takes
// whole. Because the call deletes one file, the id may not contain a comma
// or white space.
func checkFileID(id string, v1 bool) error {
	switch {
	case id == "":
		return fmt.Errorf("empty file id")
	case v1 && strings.Trim(id, "0123456789") != "":
		return fmt.Errorf("file id %q is not a v1 file id (a decimal number)", id)
	case strings.ContainsAny(id, ", \t\r\n") || len(id) > 256:
		return fmt.Errorf("file id %q is not one file id: it contains a comma or white space, "+
			"or is longer than 256 bytes", id)
	}
	return nil
}

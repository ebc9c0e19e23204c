package sim

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// falconScript is empowerapi.FalconScript: a script that CrowdStrike
// writes and every customer may run with the falconscript command.
type falconScript struct {
	ID                   string   `json:"id"`
	Name                 string   `json:"name"`
	Description          string   `json:"description"`
	Platform             string   `json:"platform"`
	Categories           []string `json:"categories"`
	UseCase              string   `json:"use_case"`
	AccessRoles          []string `json:"access_roles"`
	IsDisruptive         bool     `json:"is_disruptive"`
	ModifiesSystem       bool     `json:"modifies_system"`
	Revision             int      `json:"revision"`
	CreatedBy            string   `json:"created_by"`
	CreatedTimestamp     string   `json:"created_timestamp"`
	ModifiedBy           string   `json:"modified_by"`
	ModifiedTimestamp    string   `json:"modified_timestamp"`
	WorkflowEnabled      bool     `json:"workflow_enabled"`
	WorkflowInputSchema  string   `json:"workflow_input_schema"`
	WorkflowOutputSchema string   `json:"workflow_output_schema"`
	WorkflowTags         []string `json:"workflow_tags"`
}

// falconScripts is the emulator's catalogue of Falcon scripts. The names
// and texts are the emulator's own, not CrowdStrike's; they give the query
// and entity calls realistic records to return. Their ids are derived from
// their names, so they are the same in every emulator.
var falconScripts = []falconScript{
	newFalconScript("GetProcessTree", "windows", "Process",
		"Lists running processes with their parent process ids and command lines as JSON.",
		"2024-03-11T09:00:00Z", "2025-06-02T14:30:00Z"),
	newFalconScript("ListScheduledTasks", "windows", "Persistence",
		"Lists scheduled tasks with their actions, triggers and run-as accounts as JSON.",
		"2024-03-11T09:00:00Z", "2024-11-19T10:15:00Z"),
	newFalconScript("GetShellHistory", "linux", "User activity",
		"Collects the shell history files of every local account as JSON.",
		"2024-05-27T08:00:00Z", "2025-01-08T16:45:00Z"),
	newFalconScript("ListLaunchItems", "mac", "Persistence",
		"Lists launch agents and launch daemons with their program paths as JSON.",
		"2024-05-27T08:00:00Z", "2025-02-20T12:00:00Z"),
}

func newFalconScript(name, platform, category, description, created, modified string) falconScript {
	sum := sha256.Sum256([]byte("falcon-script:" + name))
	id := hex.EncodeToString(sum[:])
	return falconScript{
		ID: id[:32] + "_" + id[32:], Name: name, Description: description, Platform: platform,
		Categories: []string{category}, UseCase: "Triage",
		// The live API's values of access_roles are not documented.
		AccessRoles: []string{"active_responder", "admin"},
		Revision:    1, CreatedBy: "CrowdStrike", CreatedTimestamp: created,
		ModifiedBy: "CrowdStrike", ModifiedTimestamp: modified, WorkflowTags: []string{},
	}
}

// falconScriptFields gives a Falcon script's values to filters.
var falconScriptFields = map[string]func(falconScript) []string{
	"id":                 func(f falconScript) []string { return []string{f.ID} },
	"name":               func(f falconScript) []string { return []string{f.Name} },
	"description":        func(f falconScript) []string { return []string{f.Description} },
	"platform":           func(f falconScript) []string { return []string{f.Platform} },
	"categories":         func(f falconScript) []string { return f.Categories },
	"use_case":           func(f falconScript) []string { return []string{f.UseCase} },
	"created_timestamp":  func(f falconScript) []string { return []string{f.CreatedTimestamp} },
	"modified_timestamp": func(f falconScript) []string { return []string{f.ModifiedTimestamp} },
}

// Paging of the Falcon script query: the reference caps limit at 100.
const maxFalconScriptLimit = 100

// handleFalconScriptQuery serves GET queries/falcon-scripts: the ids that
// match filter, sorted by created_timestamp, modified_timestamp or name.
func (s *Server) handleFalconScriptQuery(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var expr fqlExpr
	if filter := q.Get("filter"); filter != "" {
		names := make([]string, 0, len(falconScriptFields))
		for name := range falconScriptFields {
			names = append(names, name)
		}
		var err error
		if expr, err = parseFQLFields(filter, names); err != nil {
			s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
			return
		}
	}
	sortBy, desc, err := parseFalconScriptSort(q.Get("sort"))
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	offset, err := intParam(q.Get("offset"), "offset", 0, 0, 1<<31-1)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}
	limit, err := intParam(q.Get("limit"), "limit", maxFalconScriptLimit, 1, maxFalconScriptLimit)
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
		return
	}

	var matched []falconScript
	for _, f := range falconScripts {
		if expr == nil || expr.match(func(field string) []string { return falconScriptFields[field](f) }) {
			matched = append(matched, f)
		}
	}
	slices.SortStableFunc(matched, func(a, b falconScript) int {
		c := cmp.Compare(falconScriptFields[sortBy](a)[0], falconScriptFields[sortBy](b)[0])
		if desc {
			return -c
		}
		return c
	})
	ids := []string{}
	for i := offset; i < len(matched) && len(ids) < limit; i++ {
		ids = append(ids, matched[i].ID)
	}
	m := meta(r, poweredByRTR)
	m.Pagination = &paging{Offset: offset, Limit: limit, Total: len(matched)}
	s.writeJSON(w, http.StatusOK, listReply{Meta: m, Resources: ids, Errors: noErrors()})
}

// parseFalconScriptSort reads the sort parameter, one of the fields the
// reference's enum lists, with an optional |asc or |desc (or .asc, .desc).
func parseFalconScriptSort(spec string) (string, bool, error) {
	if spec == "" {
		return "name", false, nil
	}
	field, dir := spec, "asc"
	if i := strings.LastIndexAny(spec, ".|"); i >= 0 {
		field, dir = spec[:i], spec[i+1:]
	}
	switch {
	case field != "created_timestamp" && field != "modified_timestamp" && field != "name",
		dir != "asc" && dir != "desc":
		return "", false, fmt.Errorf("invalid sort %q: use created_timestamp, modified_timestamp or name, "+
			"with |asc or |desc", spec)
	}
	return field, dir == "desc", nil
}

// handleFalconScriptGet serves GET entities/falcon-scripts by ids; unknown
// ids get 404 with an error each, next to the records that were found.
func (s *Server) handleFalconScriptGet(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query()["ids"]
	if len(ids) == 0 {
		s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "ids is required: repeat ids=<id> for each script")
		return
	}
	found := []falconScript{}
	errs := noErrors()
	for _, id := range dedupe(ids) {
		i := slices.IndexFunc(falconScripts, func(f falconScript) bool { return f.ID == id })
		if i < 0 {
			errs = append(errs, apiError{Code: http.StatusNotFound, Message: "could not find Falcon script " + id})
			continue
		}
		found = append(found, falconScripts[i])
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusNotFound
	}
	s.writeJSON(w, status, listReply{Meta: meta(r, poweredByRTR), Resources: found, Errors: errs})
}

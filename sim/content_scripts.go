package sim

import (
	"fmt"
	"net/http"
	"time"

	"github.com/rtrplay/rtrplay/sim/fleet"
)

// applyScriptFields sets a script's text, permission_type and platforms
// from a create (create true) or update request. The text comes from the
// file part or the content field, never both. On create, permission_type
// is required and platform defaults to windows; on update, a missing
// field, or permission_type "none" (the reference's default), keeps the
// current value.
func (o *libObject) applyScriptFields(form *contentForm, create bool) error {
	content, hasContent := form.value("content")
	switch {
	case form.hasFile && hasContent:
		return fmt.Errorf("send the script as the file part or as content, not both")
	case form.hasFile:
		o.setContent(form.file)
	case hasContent:
		o.setContent([]byte(content))
	case create:
		return fmt.Errorf("the script is missing: send it as the file part or as the content field")
	}

	perm, _ := form.value("permission_type")
	switch p, ok := fleet.ParseScriptPermission(perm); {
	case ok:
		o.permission = p
	case create || (perm != "" && perm != "none"):
		return fmt.Errorf("invalid permission_type %q: use private, group or public", perm)
	}

	platforms := form.fields["platform"]
	if len(platforms) == 0 {
		if create {
			o.platforms = []fleet.Platform{fleet.Windows}
		}
		return nil
	}
	parsed := make([]fleet.Platform, 0, len(platforms))
	for _, name := range dedupe(platforms) {
		p := fleet.Platform(name)
		if p != fleet.Windows && p != fleet.Linux && p != fleet.Mac {
			return fmt.Errorf("invalid platform %q: use windows, mac or linux, one value per platform field", name)
		}
		parsed = append(parsed, p)
	}
	o.platforms = parsed
	return nil
}

// handleUpdateScript serves PATCH scripts v1 and v2: 202 with meta.writes,
// and in v2 the updated record. The reference lists 200 for v1 too, but
// gofalcon accepts only 202, so both versions respond with 202.
func (c *contentStore) handleUpdateScript(v2 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		form, err := readContentForm(r)
		if err != nil {
			c.s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
			return
		}
		id, _ := form.value("id")
		if id == "" {
			c.s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "id is required: name the script to update")
			return
		}
		c.mu.Lock()
		updated, err := c.updateScript(c.libraryOf(r), id, form, time.Now())
		c.mu.Unlock()
		if err != nil {
			// The reference lists no 404 for this call, so an unknown id
			// is a bad request like any other.
			c.s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
			return
		}
		if v2 {
			c.s.replyWrite(w, r, http.StatusAccepted, 1, []libEntityV2{updated.entityV2()})
			return
		}
		c.s.replyWrite(w, r, http.StatusAccepted, 1, nil)
	}
}

// updateScript applies an update to a copy of the script and stores the
// copy only when every field is valid, so a rejected update changes
// nothing. The caller holds c.mu.
func (c *contentStore) updateScript(lib *library, id string, form *contentForm, now time.Time) (*libObject, error) {
	current := lib.get(kindScript, id)
	if current == nil {
		return nil, fmt.Errorf("could not find script %s", id)
	}
	next := *current
	if err := next.applyScriptFields(form, false); err != nil {
		return nil, err
	}
	if d, ok := form.value("description"); ok && d != "" {
		next.description = d
	}
	if comment, ok := form.value("comments_for_audit_log"); ok {
		if err := checkComment(comment); err != nil {
			return nil, err
		}
		next.comments = comment
	}
	if name, ok := form.value("name"); ok && name != "" {
		if err := checkName(name); err != nil {
			return nil, err
		}
		if other := lib.byName(kindScript, name); other != nil && other.id != id {
			return nil, fmt.Errorf("a script named %q already exists; choose another name", name)
		}
		next.name = name
	}
	next.modified = now
	next.modifiedBy, next.modifiedByUUID = c.author()
	lib.objects[id] = &next
	return &next, nil
}

package sim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Paths of the RTR admin library calls.
const (
	pathPutFilesV1      = "/real-time-response/entities/put-files/v1"
	pathPutFilesV2      = "/real-time-response/entities/put-files/v2"
	pathPutFileQuery    = "/real-time-response/queries/put-files/v1"
	pathPutFileContents = "/real-time-response/entities/put-file-contents/v1"
	pathScriptsV1       = "/real-time-response/entities/scripts/v1"
	pathScriptsV2       = "/real-time-response/entities/scripts/v2"
	pathScriptQuery     = "/real-time-response/queries/scripts/v1"
	pathFalconScripts   = "/real-time-response/entities/falcon-scripts/v1"
	pathFalconQuery     = "/real-time-response/queries/falcon-scripts/v1"
)

// libSortFields are the fields that put-file and script queries sort by.
var libSortFields = []string{"name", "created_timestamp", "modified_timestamp", "size", "file_type",
	"created_by", "modified_by"}

// registerContent adds the library routes through api, the route helper of
// routes, and gives the fleet access to the library.
func (s *Server) registerContent(api func(pattern string, h http.HandlerFunc)) {
	c := newContentStore(s)
	s.fleet.SetContentStore(c)

	api("POST "+pathPutFilesV1, c.handleCreate(kindPutFile, false))
	api("POST "+pathPutFilesV2, c.handleCreate(kindPutFile, true))
	api("GET "+pathPutFilesV1, c.handleGet(kindPutFile, false))
	api("GET "+pathPutFilesV2, c.handleGet(kindPutFile, true))
	api("DELETE "+pathPutFilesV1, c.handleDelete(kindPutFile))
	api("GET "+pathPutFileQuery, c.handleQuery(kindPutFile))
	api("GET "+pathPutFileContents, c.handlePutFileContents)

	api("POST "+pathScriptsV1, c.handleCreate(kindScript, false))
	api("POST "+pathScriptsV2, c.handleCreate(kindScript, true))
	api("PATCH "+pathScriptsV1, c.handleUpdateScript(false))
	api("PATCH "+pathScriptsV2, c.handleUpdateScript(true))
	api("GET "+pathScriptsV1, c.handleGet(kindScript, false))
	api("GET "+pathScriptsV2, c.handleGet(kindScript, true))
	api("DELETE "+pathScriptsV1, c.handleDelete(kindScript))
	api("GET "+pathScriptQuery, c.handleQuery(kindScript))

	api("GET "+pathFalconQuery, s.handleFalconScriptQuery)
	api("GET "+pathFalconScripts, s.handleFalconScriptGet)

	api("GET "+pathFilesV1, s.handleListFiles(false))
	api("GET "+pathFilesV2, s.handleListFiles(true))
	api("DELETE "+pathFilesV1, s.handleDeleteFile)
	api("DELETE "+pathFilesV2, s.handleDeleteFile)
}

// libraryOf returns the library of the request's CID. The caller holds
// c.mu.
func (c *contentStore) libraryOf(r *http.Request) *library {
	return c.library(c.s.scopeCID(r.Context()))
}

// author returns the created_by and created_by_uuid of objects that the
// request writes: the API client, under the user_id and user_uuid that its
// sessions carry.
func (c *contentStore) author() (string, string) {
	user := c.s.apiUserID()
	return user, userUUID(user)
}

// handleCreate serves POST put-files and scripts, v1 and v2: 200 with
// meta.writes, and in v2 the new record.
func (c *contentStore) handleCreate(kind contentKind, v2 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		form, err := readContentForm(r)
		if err != nil {
			c.s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
			return
		}
		o, err := newLibObject(kind, form, time.Now())
		if err != nil {
			c.s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
			return
		}
		o.createdBy, o.createdByUUID = c.author()
		o.modifiedBy, o.modifiedByUUID = o.createdBy, o.createdByUUID

		c.mu.Lock()
		lib := c.libraryOf(r)
		taken := lib.byName(kind, o.name) != nil
		if !taken {
			lib.objects[o.id] = o
		}
		c.mu.Unlock()
		if taken {
			// NOTE: the live API's response to a duplicate name is not
			// documented, and 400 is the reading hardest on a client.
			c.s.writeError(w, r, http.StatusBadRequest, poweredByRTR,
				fmt.Sprintf("a %s named %q already exists; delete it or choose another name", kind, o.name))
			return
		}
		c.s.log.Debug("library object created", "kind", kind.String(), "id", o.id, "name", o.name)
		if v2 {
			c.s.replyWrite(w, r, http.StatusOK, 1, []libEntityV2{o.entityV2()})
			return
		}
		c.s.replyWrite(w, r, http.StatusOK, 1, nil)
	}
}

// newLibObject builds a put-file or script from a create request.
func newLibObject(kind contentKind, form *contentForm, now time.Time) (*libObject, error) {
	o := &libObject{id: newObjectID(), kind: kind, created: now, modified: now}
	o.description, _ = form.value("description")
	if o.description == "" {
		return nil, fmt.Errorf("description is required")
	}
	o.comments, _ = form.value("comments_for_audit_log")
	if err := checkComment(o.comments); err != nil {
		return nil, err
	}
	o.name, _ = form.value("name")
	if o.name == "" {
		o.name = form.fileName
	}
	if kind == kindPutFile {
		if !form.hasFile {
			return nil, fmt.Errorf("file is required: send the put-file as the multipart field \"file\"")
		}
		o.setContent(form.file)
	} else if err := o.applyScriptFields(form, true); err != nil {
		return nil, err
	}
	if o.name == "" {
		return nil, fmt.Errorf("name is required when the file part has no file name")
	}
	return o, checkName(o.name)
}

// handleGet serves GET put-files and scripts by ids, v1 and v2. Every id
// must be known: unknown ids get 404 with an error each, next to the
// records that were found.
func (c *contentStore) handleGet(kind contentKind, v2 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ids := r.URL.Query()["ids"]
		if len(ids) == 0 {
			c.s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "ids is required: repeat ids=<id> for each object")
			return
		}
		var v1s []libEntityV1
		var v2s []libEntityV2
		errs := noErrors()
		c.mu.Lock()
		lib := c.libraryOf(r)
		for _, id := range dedupe(ids) {
			o := lib.get(kind, id)
			switch {
			case o == nil:
				errs = append(errs, apiError{Code: http.StatusNotFound, Message: fmt.Sprintf("could not find %s %s", kind, id)})
			case v2:
				v2s = append(v2s, o.entityV2())
			default:
				v1s = append(v1s, o.entityV1())
			}
		}
		c.mu.Unlock()

		status := http.StatusOK
		if len(errs) > 0 {
			status = http.StatusNotFound
		}
		var resources any = nonNil(v1s)
		if v2 {
			resources = nonNil(v2s)
		}
		c.s.writeJSON(w, status, listReply{Meta: meta(r, poweredByRTR), Resources: resources, Errors: errs})
	}
}

// handleDelete serves DELETE put-files and scripts: one id per call, 200
// with meta.writes.
func (c *contentStore) handleDelete(kind contentKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := singleID(r)
		if err != nil {
			c.s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
			return
		}
		c.mu.Lock()
		lib := c.libraryOf(r)
		found := lib.get(kind, id) != nil
		if found {
			delete(lib.objects, id)
		}
		c.mu.Unlock()
		if !found {
			c.s.writeError(w, r, http.StatusNotFound, poweredByRTR, fmt.Sprintf("could not find %s %s", kind, id))
			return
		}
		c.s.replyWrite(w, r, http.StatusOK, 1, nil)
	}
}

// singleID returns the one id of a delete call. The API deletes one object
// per call, so a list of ids is rejected rather than half done.
func singleID(r *http.Request) (string, error) {
	ids := r.URL.Query()["ids"]
	switch {
	case len(ids) == 0 || ids[0] == "":
		return "", fmt.Errorf("ids is required: name the one object to delete")
	case len(ids) > 1 || strings.Contains(ids[0], ","):
		return "", fmt.Errorf("only one id can be deleted per call; send one request for each id")
	}
	return ids[0], nil
}

// handleQuery serves GET queries/put-files and queries/scripts: the ids
// that match filter, sorted and paged.
func (c *contentStore) handleQuery(kind contentKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseLibQuery(r.URL.Query(), libSortFields, maxContentLimit)
		if err != nil {
			c.s.writeError(w, r, http.StatusBadRequest, poweredByRTR, err.Error())
			return
		}
		c.mu.Lock()
		ids, total := lq.run(c.libraryOf(r).list(kind))
		c.mu.Unlock()
		m := meta(r, poweredByRTR)
		m.Pagination = &paging{Offset: lq.offset, Limit: lq.limit, Total: total}
		c.s.writeJSON(w, http.StatusOK, listReply{Meta: m, Resources: ids, Errors: noErrors()})
	}
}

// handlePutFileContents serves GET put-file-contents: the put-file's
// bytes. The reference documents a JSON array of integers and also lists
// application/octet-stream. gofalcon accepts application/json first and
// decodes the array, so a request that accepts JSON before octet-stream
// gets the array and any other gets the raw bytes.
// NOTE: which form the live API sends is unverified.
func (c *contentStore) handlePutFileContents(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id == "" {
		c.s.writeError(w, r, http.StatusBadRequest, poweredByRTR, "id is required: name the put-file")
		return
	}

	c.mu.Lock()
	o := c.libraryOf(r).get(kindPutFile, id)
	var content []byte
	if o != nil {
		content = o.content
	}
	c.mu.Unlock()

	if o == nil {
		c.s.writeError(w, r, http.StatusNotFound, poweredByRTR, "could not find put-file "+id)
		return
	}
	if !prefersJSON(r.Header.Values("Accept")) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		w.WriteHeader(http.StatusOK)
		if _, err := w.Write(content); err != nil {
			c.s.log.Debug("write put-file contents", "id", id, "error", err)
		}
		return
	}

	values := make([]int, len(content))
	for i, b := range content {
		values[i] = int(b)
	}
	c.s.writeJSON(w, http.StatusOK, values)
}

// prefersJSON reports whether application/json comes before
// application/octet-stream in the Accept header values; a header that
// names neither prefers the raw bytes.
func prefersJSON(accept []string) bool {
	for _, v := range accept {
		for _, part := range strings.Split(v, ",") {
			mediaType, _, _ := strings.Cut(strings.TrimSpace(part), ";")
			switch strings.ToLower(strings.TrimSpace(mediaType)) {
			case "application/json":
				return true
			case "application/octet-stream":
				return false
			}
		}
	}
	return false
}

package sim

import (
	"net/http"
	"time"
)

// Wire shapes of the RTR admin library calls.

// libEntityV1 is empowerapi.RemoteCommandPutFileV1, the record of a
// put-file or script in the v1 entity calls.
type libEntityV1 struct {
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	Description         string   `json:"description"`
	CommentsForAuditLog string   `json:"comments_for_audit_log"`
	Content             string   `json:"content,omitempty"`
	CreatedBy           string   `json:"created_by"`
	CreatedByUUID       string   `json:"created_by_uuid"`
	CreatedTimestamp    string   `json:"created_timestamp"`
	ModifiedBy          string   `json:"modified_by"`
	ModifiedByUUID      string   `json:"modified_by_uuid"`
	ModifiedTimestamp   string   `json:"modified_timestamp"`
	FileType            string   `json:"file_type"`
	PermissionType      string   `json:"permission_type,omitempty"`
	Platform            []string `json:"platform,omitempty"`
	RunAttemptCount     int      `json:"run_attempt_count"`
	RunSuccessCount     int      `json:"run_success_count"`
	SHA256              string   `json:"sha256"`
	Size                int64    `json:"size"`
	WriteAccess         bool     `json:"write_access"`
}

// libEntityV2 is empowerapi.RemoteCommandPutFileV2: the v1 record and the
// workflow fields, which the emulator does not model.
type libEntityV2 struct {
	libEntityV1
	ShareWithWorkflow    bool `json:"share_with_workflow"`
	WorkflowIsDisruptive bool `json:"workflow_is_disruptive"`
}

// entityV1 renders o. Script records carry their text. Put-file records
// leave content out, because put-file-contents serves the bytes; whether
// the live API's put-file records carry content is not documented.
func (o *libObject) entityV1() libEntityV1 {
	e := libEntityV1{
		ID: o.id, Name: o.name, Description: o.description, CommentsForAuditLog: o.comments,
		CreatedBy: o.createdBy, CreatedByUUID: o.createdByUUID, CreatedTimestamp: stamp(o.created),
		ModifiedBy: o.modifiedBy, ModifiedByUUID: o.modifiedByUUID, ModifiedTimestamp: stamp(o.modified),
		FileType: fileTypePutFile, RunAttemptCount: o.runs, RunSuccessCount: o.runs,
		SHA256: o.sha256, Size: int64(len(o.content)), WriteAccess: true,
	}
	if o.kind == kindScript {
		e.FileType = fileTypeScript
		e.Content = string(o.content)
		e.PermissionType = string(o.permission)
		e.Platform = make([]string, 0, len(o.platforms))
		for _, p := range o.platforms {
			e.Platform = append(e.Platform, string(p))
		}
	}
	return e
}

func (o *libObject) entityV2() libEntityV2 {
	return libEntityV2{libEntityV1: o.entityV1()}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// writesInfo is msa.Resources, meta.writes of create, update and delete
// responses.
type writesInfo struct {
	ResourcesAffected int `json:"resources_affected"`
}

// writesMeta is msa.MetaInfo with its writes block.
type writesMeta struct {
	metaInfo
	Writes writesInfo `json:"writes"`
}

// writesReply is msa.ReplyMetaOnly of a write, and with resources the
// v2 create and update responses (empowerapi.MsaPFResponseV2).
type writesReply struct {
	Meta      writesMeta `json:"meta"`
	Resources any        `json:"resources,omitempty"`
	Errors    []apiError `json:"errors"`
}

// replyWrite sends the response to a write that changed affected objects.
// resources is nil for the v1 calls, which return only meta.
func (s *Server) replyWrite(w http.ResponseWriter, r *http.Request, status, affected int, resources any) {
	s.writeJSON(w, status, writesReply{
		Meta:      writesMeta{metaInfo: meta(r, poweredByEmpower), Writes: writesInfo{ResourcesAffected: affected}},
		Resources: resources,
		Errors:    noErrors(),
	})
}

// poweredByEmpower is meta.powered_by of the put-file and script writes in
// captured responses.
const poweredByEmpower = "empower"

package rtr

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

const pathSessionFilesV1 = "/real-time-response/entities/file/v1"

// SessionFilesV1 lists the files that gets uploaded in one session, as the
// v1 file list shows them: only finished uploads, with numeric ids.
// SessionFiles (v2) also lists uploads in progress.
func (c *Client) SessionFilesV1(ctx context.Context, sessionID string) ([]File, error) {
	if err := sessionIDForm.check("session id", sessionID); err != nil {
		return nil, fmt.Errorf("session files: %w", err)
	}
	r := &request{
		method: http.MethodGet, path: pathSessionFilesV1,
		query: url.Values{"session_id": {sessionID}},
		ok:    []int{http.StatusOK}, repeatable: true,
	}
	var out struct {
		envelope
		Resources []wireFile `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, fmt.Errorf("session files of %s: %w", sessionID, err)
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	files := make([]File, 0, len(out.Resources))
	for _, f := range out.Resources {
		files = append(files, File{
			ID: f.ID, CloudRequestID: f.CloudRequestID, SessionID: f.SessionID,
			Name: f.Name, SHA256: f.SHA256, Size: f.Size,
			CreatedAt: time.Time(f.CreatedAt), UpdatedAt: time.Time(f.UpdatedAt),
		})
	}
	return files, nil
}

// DeleteSessionFile removes one uploaded file from a session through the
// v2 call, after which it can no longer be downloaded. fileID is the ID of
// a SessionFile. The call deletes one file; a file that is not there gets
// an *APIError with status 404. The request is repeated after a
// connection failure, so a delete that took effect before the connection
// dropped also ends in that 404.
func (c *Client) DeleteSessionFile(ctx context.Context, sessionID, fileID string) error {
	return c.deleteSessionFile(ctx, pathSessionFilesV2, sessionID, fileID, false)
}

// DeleteSessionFileV1 is DeleteSessionFile through the v1 call, which
// takes the numeric ID of a File from SessionFilesV1.
func (c *Client) DeleteSessionFileV1(ctx context.Context, sessionID string, fileID int64) error {
	return c.deleteSessionFile(ctx, pathSessionFilesV1, sessionID, fmt.Sprint(fileID), true)
}

func (c *Client) deleteSessionFile(ctx context.Context, path, sessionID, fileID string, v1 bool) error {
	if err := sessionIDForm.check("session id", sessionID); err != nil {
		return fmt.Errorf("delete session file: %w", err)
	}
	if err := checkFileID(fileID, v1); err != nil {
		return fmt.Errorf("delete session file: %w", err)
	}
	r := &request{
		method: http.MethodDelete, path: path,
		query: url.Values{"session_id": {sessionID}, "ids": {fileID}},
		ok:    []int{http.StatusNoContent, http.StatusOK}, repeatable: true,
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return fmt.Errorf("delete file %s of session %s: %w", fileID, sessionID, err)
	}
	drain(resp.Body)
	return nil
}

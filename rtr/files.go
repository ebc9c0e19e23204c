package rtr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

const (
	pathBatchGet     = "/real-time-response/combined/batch-get-command/v1"
	pathFileContents = "/real-time-response/entities/extracted-file-contents/v1"
	// downloadIdleTimeout is how long a download may go without receiving
	// a byte before it is abandoned. The whole download has no deadline,
	// because files can be gigabytes.
	downloadIdleTimeout = 2 * time.Minute
)

// BatchGetRequest is a request for the hosts of a batch to upload one file
// to Falcon.
type BatchGetRequest struct {
	// BatchID is the batch_id that BatchInit returned.
	BatchID string
	// FilePath is the file's path on the hosts, unquoted. BatchGet wraps a
	// path that contains white space in double quotes, because Falcon
	// reads file_path like a command argument.
	FilePath string
	// OptionalHosts restricts the get to these AIDs of the batch. Nil means
	// every host; an empty non-nil list is rejected.
	OptionalHosts []string
	// Timeout and HostTimeout are as in BatchCommandRequest.
	Timeout     time.Duration
	HostTimeout time.Duration
}

// BatchGet starts a file upload from the batch's hosts. It returns the
// request id to poll with BatchGetStatus and each host's result, whose
// TaskID matches the CloudRequestID of the host's File once uploaded.
// After a failure that may have left the get running, it is not sent
// again and the error wraps ErrOutcomeUnknown.
func (c *Client) BatchGet(ctx context.Context, req BatchGetRequest) (string, map[string]HostResult, error) {
	if req.BatchID == "" {
		return "", nil, errors.New("batch get: empty batch id")
	}
	filePath, err := quoteFilePath(req.FilePath)
	if err != nil {
		return "", nil, fmt.Errorf("batch get: %w", err)
	}
	if err := checkOptionalHosts(req.OptionalHosts); err != nil {
		return "", nil, fmt.Errorf("batch get %s: %w", req.FilePath, err)
	}
	query, err := timeoutQuery(req.Timeout, req.HostTimeout)
	if err != nil {
		return "", nil, fmt.Errorf("batch get %s: %w", req.FilePath, err)
	}

	body := struct {
		BatchID       string   `json:"batch_id"`
		FilePath      string   `json:"file_path"`
		OptionalHosts []string `json:"optional_hosts,omitempty"`
	}{req.BatchID, filePath, req.OptionalHosts}
	r := &request{
		method: http.MethodPost, path: pathBatchGet, query: query, body: body,
		ok: []int{http.StatusCreated}, serverTimeout: req.Timeout,
	}
	var reqID string
	hosts, err := c.combinedHosts(ctx, r, &reqID)
	if err != nil {
		return "", nil, err
	}
	if reqID == "" {
		return "", hosts, fmt.Errorf("%s %s: the response has no batch_get_cmd_req_id", r.method, r.path)
	}
	return reqID, hosts, nil
}

// quoteFilePath checks path and quotes it when it contains white space.
// NOTE: the API reference does not say how Falcon parses file_path. This
// reads it as a command argument, which must be quoted when it contains
// spaces; whether Falcon needs the quotes is unverified.
func quoteFilePath(path string) (string, error) {
	if strings.TrimSpace(path) == "" {
		return "", errors.New("empty file path")
	}
	if strings.ContainsAny(path, "\"\x00\r\n") {
		return "", fmt.Errorf("file path %q contains a double quote, NUL or line break, "+
			"which an RTR argument cannot carry", path)
	}
	if strings.ContainsAny(path, " \t") {
		return `"` + path + `"`, nil
	}
	return path, nil
}

// File is a file that a host uploaded to Falcon after a get.
type File struct {
	// ID is Falcon's numeric id of the file record (id).
	ID int64
	// CloudRequestID is the get's cloud_request_id, equal to the TaskID
	// of the host's result from BatchGet.
	CloudRequestID string
	// SessionID is the RTR session that ran the get (session_id).
	// DownloadFile takes it together with SHA256.
	SessionID string
	// Name is the path on the host, as the host reports it (on Windows a
	// device path such as \Device\HarddiskVolume2\Windows\notepad.exe).
	Name string
	// SHA256 is the hex SHA-256 of the file itself, not of the archive
	// that DownloadFile returns.
	SHA256    string
	Size      int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

type wireFile struct {
	ID             int64   `json:"id"`
	CloudRequestID string  `json:"cloud_request_id"`
	SessionID      string  `json:"session_id"`
	Name           string  `json:"name"`
	SHA256         string  `json:"sha256"`
	Size           int64   `json:"size"`
	CreatedAt      apiTime `json:"created_at"`
	UpdatedAt      apiTime `json:"updated_at"`
}

// BatchGetStatus returns the files uploaded so far for a batch get,
// keyed by AID. Hosts whose upload has not finished are absent, so
// callers poll until every expected host appears or their deadline
// passes.
func (c *Client) BatchGetStatus(ctx context.Context, reqID string) (map[string]File, error) {
	if reqID == "" {
		return nil, errors.New("batch get status: empty request id")
	}
	r := &request{
		method: http.MethodGet, path: pathBatchGet,
		query: url.Values{"batch_get_cmd_req_id": {reqID}},
		ok:    []int{http.StatusOK}, repeatable: true,
	}
	var out struct {
		envelope
		Resources map[string]wireFile `json:"resources"`
	}
	resp, err := c.call(ctx, r, &out)
	if err != nil {
		return nil, err
	}
	c.warnTopLevelErrors(r, resp, out.envelope)
	files := make(map[string]File, len(out.Resources))
	for aid, f := range out.Resources {
		files[aid] = File{
			ID: f.ID, CloudRequestID: f.CloudRequestID, SessionID: f.SessionID,
			Name: f.Name, SHA256: f.SHA256, Size: f.Size,
			CreatedAt: time.Time(f.CreatedAt), UpdatedAt: time.Time(f.UpdatedAt),
		}
	}
	return files, nil
}

var sha256Pattern = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// DownloadFile streams the archive of an uploaded file to dst and returns
// the number of bytes written. Falcon serves it as a 7-Zip archive
// encrypted with the password "infected" (see ExtractArchive); filename,
// which may be empty, names the archive and its member. Memory use is
// constant whatever the size. A body shorter than its Content-Length is
// an error. The bytes already written to dst are then incomplete, so the
// caller discards them and may call DownloadFile again.
func (c *Client) DownloadFile(ctx context.Context, sessionID, sha256, filename string, dst io.Writer) (int64, error) {
	if sessionID == "" {
		return 0, errors.New("download file: empty session id")
	}
	if !sha256Pattern.MatchString(sha256) {
		return 0, fmt.Errorf("download file: invalid sha256 %q: want 64 hex digits", sha256)
	}
	query := url.Values{"session_id": {sessionID}, "sha256": {sha256}}
	if filename != "" {
		query.Set("filename", filename)
	}
	r := &request{
		method: http.MethodGet, path: pathFileContents, query: query,
		ok: []int{http.StatusOK}, repeatable: true, idleTimeout: downloadIdleTimeout,
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()

	n, err := io.Copy(dst, resp.Body)
	if err != nil {
		return n, fmt.Errorf("download file %s: failed after %d of %s bytes: %w",
			sha256, n, contentLength(resp), err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("download file %s: got %d bytes, Content-Length is %d: %w",
			sha256, n, resp.ContentLength, io.ErrUnexpectedEOF)
	}
	return n, nil
}

func contentLength(resp *http.Response) string {
	if resp.ContentLength < 0 {
		return "unknown"
	}
	return fmt.Sprint(resp.ContentLength)
}

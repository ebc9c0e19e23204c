package rtr

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

const (
	pathPutFilesV1      = "/real-time-response/entities/put-files/v1"
	pathPutFilesV2      = "/real-time-response/entities/put-files/v2"
	pathPutFileQuery    = "/real-time-response/queries/put-files/v1"
	pathPutFileContents = "/real-time-response/entities/put-file-contents/v1"
)

// PutFileRequest uploads a put-file to the RTR admin library.
type PutFileRequest struct {
	// Name is the put-file's name, which put and put-and-run take. It is
	// sent as the name field and as the file part's file name.
	Name string
	// Description is required by Falcon.
	Description string
	// CommentsForAuditLog is stored in the audit log, at most 4096
	// characters. It is always sent, empty included.
	CommentsForAuditLog string
	// Content is read from offset 0 to Size for each attempt, so that the
	// file is never held in memory. An *os.File or a *bytes.Reader fits.
	Content io.ReaderAt
	// Size is the number of bytes of Content to send.
	Size int64
}

func (req PutFileRequest) form() (*multipartForm, error) {
	if err := checkLibraryText(&req.Name, &req.Description, &req.CommentsForAuditLog); err != nil {
		return nil, err
	}
	if err := checkContent(req.Content, req.Size); err != nil {
		return nil, err
	}
	form := newMultipartForm()
	form.add("name", req.Name)
	form.add("description", req.Description)
	form.add("comments_for_audit_log", req.CommentsForAuditLog)
	form.file = &formFile{field: "file", fileName: req.Name, content: req.Content, size: req.Size}
	return form, nil
}

// CreatePutFile uploads a put-file through the v2 call and returns its
// record. A name that is taken gets an *APIError. The upload is not sent
// again after a failure that leaves its outcome unknown (the error wraps
// ErrOutcomeUnknown), and QueryPutFileIDs with the filter name:'<name>'
// shows whether the put-file was created.
func (c *Client) CreatePutFile(ctx context.Context, req PutFileRequest) (LibraryFile, error) {
	f, err := c.createPutFile(ctx, pathPutFilesV2, req, true)
	if err != nil {
		return LibraryFile{}, err
	}
	return *f, nil
}

// CreatePutFileV1 uploads a put-file through the v1 call, which returns
// no record.
func (c *Client) CreatePutFileV1(ctx context.Context, req PutFileRequest) error {
	_, err := c.createPutFile(ctx, pathPutFilesV1, req, false)
	return err
}

func (c *Client) createPutFile(ctx context.Context, path string, req PutFileRequest, v2 bool) (*LibraryFile, error) {
	form, err := req.form()
	if err != nil {
		return nil, fmt.Errorf("create put-file %q: %w", req.Name, err)
	}
	r := &request{method: http.MethodPost, path: path, ok: []int{http.StatusOK, http.StatusCreated}}
	f, err := c.libraryWrite(ctx, r, form, v2)
	if err != nil {
		return nil, fmt.Errorf("create put-file %q: %w", req.Name, err)
	}
	return f, nil
}

// GetPutFiles returns the records of the put-files ids through the v2
// call. Unknown ids are absent from the result.
func (c *Client) GetPutFiles(ctx context.Context, ids []string) ([]LibraryFile, error) {
	files, err := c.getLibraryFiles(ctx, pathPutFilesV2, ids)
	if err != nil {
		return nil, fmt.Errorf("get put-files: %w", err)
	}
	return files, nil
}

// GetPutFilesV1 is GetPutFiles through the v1 call, whose records lack
// the workflow fields.
func (c *Client) GetPutFilesV1(ctx context.Context, ids []string) ([]LibraryFile, error) {
	files, err := c.getLibraryFiles(ctx, pathPutFilesV1, ids)
	if err != nil {
		return nil, fmt.Errorf("get put-files (v1): %w", err)
	}
	return files, nil
}

// DeletePutFile deletes the put-file id. An id that names no put-file
// gets an *APIError with status 404.
func (c *Client) DeletePutFile(ctx context.Context, id string) error {
	if err := c.deleteLibraryFile(ctx, pathPutFilesV1, id); err != nil {
		return fmt.Errorf("delete put-file: %w", err)
	}
	return nil
}

// QueryPutFileIDs returns one page of the ids of the put-files that match
// q.Filter, such as name:'tool.exe'. q.Limit may be at most
// Limits.LibraryQueryPage; AllPages reads every page.
func (c *Client) QueryPutFileIDs(ctx context.Context, q ListQuery) ([]string, Page, error) {
	ids, page, err := c.queryLibraryIDs(ctx, pathPutFileQuery, q, c.limits.LibraryQueryPage, nil)
	if err != nil {
		return nil, Page{}, fmt.Errorf("query put-files with filter %q: %w", q.Filter, err)
	}
	return ids, page, nil
}

// PutFileContents streams the bytes of the put-file id to dst, with
// constant memory, and returns their length and hex SHA-256, which the
// caller compares with the record's SHA256. It requests the raw bytes,
// and also decodes the JSON array of byte values that the reference
// documents for this call.
func (c *Client) PutFileContents(ctx context.Context, id string, dst io.Writer) (int64, string, error) {
	if err := objectIDForm.check("id", id); err != nil {
		return 0, "", fmt.Errorf("put-file contents: %w", err)
	}
	r := &request{
		method: http.MethodGet, path: pathPutFileContents, query: url.Values{"id": {id}},
		ok: []int{http.StatusOK}, repeatable: true, idleTimeout: downloadIdleTimeout,
		accept: "application/octet-stream, application/json;q=0.5",
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return 0, "", fmt.Errorf("put-file contents of %s: %w", id, err)
	}
	defer resp.Body.Close()

	hash := sha256.New()
	out := bufio.NewWriter(io.MultiWriter(dst, hash))
	var n int64
	if isJSON(resp.Header.Get("Content-Type")) {
		n, err = copyByteArray(out, resp.Body)
	} else {
		n, err = io.Copy(out, resp.Body)
		if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
			err = fmt.Errorf("got %d bytes, Content-Length is %d: %w", n, resp.ContentLength, io.ErrUnexpectedEOF)
		}
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return n, "", fmt.Errorf("put-file contents of %s: %w", id, err)
	}
	return n, hex.EncodeToString(hash.Sum(nil)), nil
}

// copyByteArray decodes a JSON array of byte values (0 to 255) from src
// into dst, one value at a time.
func copyByteArray(dst io.ByteWriter, src io.Reader) (int64, error) {
	dec := json.NewDecoder(bufio.NewReader(src))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return 0, fmt.Errorf("the JSON body is not an array of byte values (first token %v): %w", tok, err)
	}
	var n int64
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return n, fmt.Errorf("decode byte %d: %w", n, err)
		}
		num, ok := tok.(json.Number)
		v, convErr := num.Int64()
		if !ok || convErr != nil || v < 0 || v > 255 {
			return n, fmt.Errorf("byte %d is %v, not a number from 0 to 255", n, tok)
		}
		if err := dst.WriteByte(byte(v)); err != nil {
			return n, err
		}
		n++
	}
	if _, err := dec.Token(); err != nil {
		return n, fmt.Errorf("decode the end of the byte array: %w", err)
	}
	return n, nil
}

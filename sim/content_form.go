package sim

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"unicode/utf8"
)

// Limits on the multipart fields of the put-file and script calls.
const (
	// maxNameChars is the longest name the API accepts, in characters.
	maxNameChars = 32766
	// maxCommentChars is the longest comments_for_audit_log.
	maxCommentChars = 4096
	// maxContentBytes bounds an uploaded put-file or script, which the
	// emulator keeps in memory. The live API's size limit is not
	// documented.
	maxContentBytes = 64 << 20
	// maxFieldBytes bounds every text field but content.
	maxFieldBytes = 4 * maxNameChars
	// maxFormExtra bounds what the whole body may hold beyond the file,
	// so that many small fields cannot use more memory than one file.
	maxFormExtra = 4 << 20
)

// contentForm is the multipart body of a put-file or script write.
type contentForm struct {
	fields map[string][]string
	// file is the "file" part's content and fileName its file name.
	// hasFile distinguishes an empty file from a missing one.
	file     []byte
	fileName string
	hasFile  bool
	// maxContent bounds the file part and the content field.
	maxContent int64
}

// value returns the last value of a text field and whether it was sent.
func (f *contentForm) value(name string) (string, bool) {
	vs := f.fields[name]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

var errNotMultipart = errors.New("the request body must be multipart/form-data")

// readContentForm reads a multipart/form-data body part by part, keeping
// the file in memory up to maxContentBytes.
func readContentForm(r *http.Request) (*contentForm, error) {
	return readContentFormLimit(r, maxContentBytes)
}

// readContentFormLimit is readContentForm with the file and content size
// limit given.
func readContentFormLimit(r *http.Request, maxContent int64) (*contentForm, error) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		return nil, errNotMultipart
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxContent+maxFormExtra)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNotMultipart, err)
	}
	form := &contentForm{fields: map[string][]string{}, maxContent: maxContent}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return form, nil
		}
		if err != nil {
			return nil, fmt.Errorf("invalid multipart body: %w", err)
		}
		if err := form.readPart(part.FormName(), part.FileName(), part); err != nil {
			return nil, err
		}
	}
}

func (f *contentForm) readPart(name, fileName string, body io.Reader) error {
	limit := int64(maxFieldBytes)
	if name == "file" || name == "content" {
		limit = f.maxContent
	}
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return fmt.Errorf("read multipart field %q: %w", name, err)
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("multipart field %q is larger than %d bytes", name, limit)
	}
	if name == "file" {
		f.file, f.fileName, f.hasFile = data, fileName, true
		return nil
	}
	f.fields[name] = append(f.fields[name], string(data))
	return nil
}

// checkName checks a name field against the API's limit.
func checkName(name string) error {
	if n := utf8.RuneCountInString(name); n > maxNameChars {
		return fmt.Errorf("name is %d characters long; the limit is %d", n, maxNameChars)
	}
	return nil
}

// checkComment checks comments_for_audit_log against the API's limit.
func checkComment(comment string) error {
	if n := utf8.RuneCountInString(comment); n > maxCommentChars {
		return fmt.Errorf("comments_for_audit_log is %d characters long; the limit is %d", n, maxCommentChars)
	}
	return nil
}

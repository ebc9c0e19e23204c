package rtr

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"time"
)

// minUploadRate is the slowest upload, in bytes per second, that the HTTP
// deadline of a file upload allows for. At this rate a 650 MB put-file,
// the size in a reported timeout, takes about 40 minutes.
const minUploadRate = 256 << 10

// uploadTime returns the time that n bytes take at minUploadRate.
func uploadTime(n int64) time.Duration {
	return time.Duration(n/minUploadRate+1) * time.Second
}

// setUpload makes u the body of req.
func setUpload(req *http.Request, u *uploadBody) {
	req.Body = u.open()
	req.GetBody = func() (io.ReadCloser, error) { return u.open(), nil }
	req.ContentLength = u.length
	req.Header.Set("Content-Type", u.contentType)
}

// multipartForm is a multipart/form-data body with text fields and at most
// one file part, which comes last. It is written again for each attempt,
// reading the file through an io.ReaderAt, so memory use does not depend
// on the file's size.
type multipartForm struct {
	boundary string
	fields   [][2]string // name, value
	file     *formFile
}

// formFile is the file part of a multipartForm.
type formFile struct {
	field, fileName string
	content         io.ReaderAt
	size            int64
}

func newMultipartForm() *multipartForm {
	return &multipartForm{boundary: multipart.NewWriter(io.Discard).Boundary()}
}

// add appends a text field. An empty value is sent as an empty field, not
// left out.
func (f *multipartForm) add(name, value string) {
	f.fields = append(f.fields, [2]string{name, value})
}

// write writes the form to w, with the file's content when withContent is
// set and without it when measuring the form's overhead.
func (f *multipartForm) write(w io.Writer, withContent bool) error {
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(f.boundary); err != nil {
		return err
	}
	for _, field := range f.fields {
		if err := mw.WriteField(field[0], field[1]); err != nil {
			return err
		}
	}
	if f.file != nil {
		part, err := mw.CreateFormFile(f.file.field, f.file.fileName)
		if err != nil {
			return err
		}
		if withContent {
			n, err := io.Copy(part, io.NewSectionReader(f.file.content, 0, f.file.size))
			if err != nil {
				return fmt.Errorf("read file %q for upload: %w", f.file.fileName, err)
			}
			if n != f.file.size {
				return fmt.Errorf("read file %q for upload: got %d bytes, want %d: %w",
					f.file.fileName, n, f.file.size, io.ErrUnexpectedEOF)
			}
		}
	}
	return mw.Close()
}

// body returns the form as a request body of known length.
func (f *multipartForm) body() (*uploadBody, error) {
	var overhead countingWriter
	if err := f.write(&overhead, false); err != nil {
		return nil, fmt.Errorf("build multipart body: %w", err)
	}
	length := overhead.n
	if f.file != nil {
		length += f.file.size
	}
	return &uploadBody{
		contentType: "multipart/form-data; boundary=" + f.boundary,
		length:      length,
		open: func() io.ReadCloser {
			pr, pw := io.Pipe()
			// The transport closes the reader when the request ends, which
			// stops this goroutine at its next write.
			go func() { pw.CloseWithError(f.write(pw, true)) }()
			return pr
		},
	}, nil
}

// countingWriter counts the bytes written to it and discards them.
type countingWriter struct{ n int64 }

// Write counts p.
func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// Package regular reads files that must be regular files: key files, .env
// files, manifests, bundles. It opens them without blocking, so that a FIFO
// (or a device) put where a file is expected is refused at once instead of
// making the reader wait for a writer forever, and checks what it opened.
package regular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular reports a path that is not a regular file: a folder, a FIFO,
// a device, a socket.
var ErrNotRegular = errors.New("not a regular file")

// TooLargeError reports a file over the size limit of a ReadFile.
type TooLargeError struct {
	Size, Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("file is %d bytes, over the limit of %d", e.Size, e.Limit)
}

// ReadFile reads the regular file at path, of at most limit bytes, into one
// buffer sized from its length. It opens it without blocking and checks the
// open file: anything but a regular file is ErrNotRegular, a file over limit
// a *TooLargeError. Errors from the file system are *fs.PathError, as os
// returns them; a missing file matches fs.ErrNotExist. It returns the file's
// information too, for callers that check its mode.
func ReadFile(path string, limit int64) ([]byte, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|ONonblock, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return Read(f, limit)
}

// Read reads f, just opened with ONonblock, as ReadFile does.
func Read(f *os.File, limit int64) ([]byte, fs.FileInfo, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fi, ErrNotRegular
	}
	if fi.Size() > limit {
		return nil, fi, &TooLargeError{Size: fi.Size(), Limit: limit}
	}
	// One allocation when the file is as long as its stat says; room for
	// one more byte shows whether it grew since.
	var buf bytes.Buffer
	buf.Grow(int(fi.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, fi, err
	}
	if int64(buf.Len()) > limit {
		return nil, fi, &TooLargeError{Size: int64(buf.Len()), Limit: limit}
	}
	return buf.Bytes(), fi, nil
}

//go:build unix

package regular

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("fake-content"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, []byte(strings.Repeat("x", 101)), 0o600); err != nil {
		t.Fatal(err)
	}
	data, fi, err := ReadFile(file, 100)
	if err != nil || string(data) != "fake-content" || fi.Size() != 12 {
		t.Fatalf("ReadFile of a regular file = %d bytes, %v", len(data), err)
	}
	// A FIFO without a writer: refused at once, never waited on.
	if _, _, err := ReadFile(fifo, 100); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile of a FIFO = %v, want ErrNotRegular", err)
	}
	if _, _, err := ReadFile(dir, 100); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile of a folder = %v, want ErrNotRegular", err)
	}
	var tl *TooLargeError
	if _, _, err := ReadFile(big, 100); !errors.As(err, &tl) || tl.Size != 101 {
		t.Errorf("ReadFile of a file over the limit = %v", err)
	}
	if _, _, err := ReadFile(filepath.Join(dir, "absent"), 100); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file = %v, want fs.ErrNotExist", err)
	}
}

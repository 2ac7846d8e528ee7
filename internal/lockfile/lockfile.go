// Package lockfile is the writers' lock of a store folder: an exclusive
// flock(2) on a lock file, taken with a context so that a writer waiting
// for another can give up.
//
// flock(2) locks belong to an open file description, not to a process, so
// the lock excludes other goroutines of this process (each opens the file
// anew) as well as other processes. A process that dies releases its locks.
// It is built on Unix systems (golang.org/x/sys/unix provides flock on all
// of them, Solaris and illumos included); elsewhere Lock returns an error.
package lockfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
)

// ErrUnsupported reports a system without flock(2), such as Windows.
var ErrUnsupported = errors.New("file locks are not supported on " + runtime.GOOS)

// Lock takes the exclusive lock on the file name in root, creating it with
// mode 0600 if needed, and waits for it until ctx is done. The returned func
// releases it. A name that is not a regular file of its own (a symbolic
// link, a FIFO, a folder) is refused: a lock on a link's target would
// exclude nobody.
func Lock(ctx context.Context, root *os.Root, name string) (unlock func(), err error) {
	if !supported {
		return nil, ErrUnsupported
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE|oNonblock, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if err := checkRegular(root, name, f); err != nil {
		f.Close()
		return nil, err
	}
	if err := wait(ctx, f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		release(f)
		f.Close()
	}, nil
}

// checkRegular refuses a lock file f that is not the regular file at name.
func checkRegular(root *os.Root, name string, f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("lock file: %w", err)
	}
	li, err := root.Lstat(name)
	if err != nil {
		return fmt.Errorf("lock file: %w", err)
	}
	if li.Mode()&fs.ModeSymlink != 0 || !li.Mode().IsRegular() || !os.SameFile(li, fi) {
		return fmt.Errorf("lock file %s is not a regular file (mode %v); refusing it: remove it", name, li.Mode())
	}
	return nil
}

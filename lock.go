//go:build unix

package secret

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// lockName is the lock file in a store folder. Writers hold an exclusive
// flock(2) on it; readers never take it, since a bundle file is only ever
// replaced whole, by rename.
const lockName = ".lock"

// lock takes the store's exclusive writer lock, waiting for it until ctx is
// done. The lock serialises writers in this process and in others. The
// returned func releases it.
func lock(ctx context.Context, root *os.Root) (unlock func(), err error) {
	f, err := root.OpenFile(lockName, os.O_RDWR|os.O_CREATE|oNonblock, 0o600)
	if err != nil {
		return nil, fmt.Errorf("envseal: store lock: %w", err)
	}
	if err := checkLockFile(root, f); err != nil {
		f.Close()
		return nil, err
	}
	// A blocking flock cannot be cancelled, so poll, backing off to 10ms.
	for wait := 100 * time.Microsecond; ; wait = min(2*wait, 10*time.Millisecond) {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("envseal: store lock: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("envseal: waiting for the store lock: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// checkLockFile refuses a lock file f that is not the regular file at
// lockName: os.Root follows a symbolic link inside the root, and a lock taken
// on a link's target, such as a bundle that the next write replaces, would
// exclude nobody.
func checkLockFile(root *os.Root, f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("envseal: store lock: %w", err)
	}
	li, err := root.Lstat(lockName)
	if err != nil {
		return fmt.Errorf("envseal: store lock: %w", err)
	}
	if li.Mode()&fs.ModeSymlink != 0 || !li.Mode().IsRegular() || !os.SameFile(li, fi) {
		return fmt.Errorf("envseal: store lock: %s in the store folder is not a regular file (mode %v); refusing it: remove it", lockName, li.Mode())
	}
	return nil
}

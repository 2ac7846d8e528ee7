//go:build unix

package secret

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockName is the lock file in a store folder. Writers hold an exclusive
// flock(2) on it; readers never take it, since a bundle file is only ever
// replaced whole, by rename.
const lockName = ".lock"

// oNonblock is O_NONBLOCK, for opening files that must be regular without
// blocking if they turn out to be a FIFO. (It lives here, with the other
// Unix-only code, because some non-Unix ports lack it.)
const oNonblock = syscall.O_NONBLOCK

// lock takes the store's exclusive writer lock, waiting for it until ctx is
// done. The lock serialises writers in this process and in others. The
// returned func releases it.
func lock(ctx context.Context, root *os.Root) (unlock func(), err error) {
	f, err := root.OpenFile(lockName, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("envseal: store lock: %w", err)
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

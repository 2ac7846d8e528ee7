//go:build unix

package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// oNonblock opens the lock file without blocking should it be a FIFO.
// supported reports whether Lock works here.
const supported = true

const oNonblock = unix.O_NONBLOCK

// wait takes the lock on f. A blocking flock cannot be cancelled, so it
// polls, backing off from 100µs to 10ms.
func wait(ctx context.Context, f *os.File) error {
	for delay := 100 * time.Microsecond; ; delay = min(2*delay, 10*time.Millisecond) {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("lock file: %w", err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("waiting for the lock: %w", ctx.Err())
		case <-t.C:
		}
	}
}

func release(f *os.File) { unix.Flock(int(f.Fd()), unix.LOCK_UN) }

//go:build unix

package lockfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func openRoot(t *testing.T) *os.Root {
	t.Helper()
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// TestExcludesGoroutines: 20 goroutines increment a counter in a file under
// the lock; none is lost, as none would be without it.
func TestExcludesGoroutines(t *testing.T) {
	t.Parallel()
	root := openRoot(t)
	counter := filepath.Join(root.Name(), "counter")
	if err := os.WriteFile(counter, []byte{0}, 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				unlock, err := Lock(context.Background(), root, ".lock")
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := os.ReadFile(counter)
				time.Sleep(10 * time.Microsecond) // widen the window a missing lock would leave
				os.WriteFile(counter, []byte{b[0] + 1}, 0o600)
				unlock()
			}
		}()
	}
	wg.Wait()
	b, err := os.ReadFile(counter)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 200 {
		t.Fatalf("counter = %d after 200 locked increments", b[0])
	}
}

// TestWaitEndsWithContext: a writer waiting for a held lock gives up when its
// context ends, saying so.
func TestWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	root := openRoot(t)
	unlock, err := Lock(context.Background(), root, ".lock")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = Lock(ctx, root, ".lock")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock on a held lock = %v, want DeadlineExceeded", err)
	}
	if got, want := err.Error(), "waiting for the lock: context deadline exceeded"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

// TestRefusesNonRegular: a lock file that is not a regular file of its own is
// refused at once, never waited on (a FIFO would block an open).
func TestRefusesNonRegular(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		make func(dir string) error
	}{
		{"symlink inside", func(dir string) error {
			os.WriteFile(filepath.Join(dir, "app.sealed"), nil, 0o600)
			return os.Symlink("app.sealed", filepath.Join(dir, ".lock"))
		}},
		{"symlink outside", func(dir string) error { return os.Symlink("/etc/hostname", filepath.Join(dir, ".lock")) }},
		{"fifo", func(dir string) error { return unix.Mkfifo(filepath.Join(dir, ".lock"), 0o600) }},
		{"folder", func(dir string) error { return os.Mkdir(filepath.Join(dir, ".lock"), 0o700) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := openRoot(t)
			if err := tc.make(root.Name()); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			unlock, err := Lock(ctx, root, ".lock")
			if err == nil {
				unlock()
				t.Fatal("locked a lock file that is not a regular file")
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("waited instead of refusing")
			}
		})
	}
}

//go:build unix

package secret_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/envseal/secret"
)

// TestFIFOsNeverBlock: a FIFO without a writer where a .env file or a
// manifest is expected is refused at once; before, opening it for reading
// waited for a writer past any deadline.
func TestFIFOsNeverBlock(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 2)
	go func() {
		_, err := secret.Resolve(ctx, secret.FromDotenv(fifo))
		done <- err
	}()
	go func() {
		_, err := secret.LoadManifest(fifo)
		done <- err
	}()
	for range 2 {
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("a FIFO was read as a file")
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("waited on the FIFO until the deadline: %v", err)
			}
			if got, want := err.Error(), fifo+" is not a regular file"; !strings.Contains(got, want) {
				t.Errorf("error %q does not say %q", got, want)
			}
		case <-ctx.Done():
			t.Fatal("blocked on a FIFO without a writer")
		}
	}
}

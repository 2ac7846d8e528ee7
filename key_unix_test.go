//go:build unix

package secret

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestKeyFileNotRegularRefused: a key file that is a folder, a device or a
// FIFO is refused at once with an error naming it. A FIFO used to block
// LoadKey forever in open(2) waiting for a writer that never comes.
func TestKeyFileNotRegularRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.key")
	require.NoError(t, unix.Mkfifo(fifo, 0o600))
	for _, tc := range []struct{ name, path string }{
		{"folder", dir},
		{"device", os.DevNull},
		{"fifo", fifo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan error, 1)
			go func() {
				_, _, err := findKey(fakeEnv(map[string]string{envKeyFile: tc.path}), configDirOf(dir))
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				// Unblock the reader so that the test ends.
				if f, oerr := os.OpenFile(tc.path, os.O_WRONLY, 0); oerr == nil {
					f.Close()
				}
				<-done
				t.Fatalf("LoadKey blocked on a %s key file", tc.name)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.path)
			assert.Contains(t, err.Error(), "not a regular file")
		})
	}
}

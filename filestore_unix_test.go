//go:build unix

package secret

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestPermissionsUnderUmask000 checks modes set at creation, whatever the
// umask. Not parallel: the umask is process-wide.
func TestPermissionsUnderUmask000(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "config", "envseal", "store")
	s, err := OpenFileStore(dir, mustKey(t, testKeyText))
	require.NoError(t, err)
	require.NoError(t, s.Set(ctx, "app", map[string]string{"A": "fake"}))
	require.NoError(t, s.Update(ctx, "app", increment))
	for p, want := range map[string]os.FileMode{
		dir:                                 0o700 | fs.ModeDir,
		filepath.Dir(dir):                   0o700 | fs.ModeDir,
		filepath.Join(dir, "app"+sealedExt): 0o600,
		filepath.Join(dir, lockName):        0o600,
	} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, want, fi.Mode(), p)
	}
}

// TestGetNeverBlocksOnFIFO swaps a FIFO and a sealed file in and out of a
// bundle's place while reading it: every Get must return, with the bundle or
// an error. Opening the FIFO after checking the path used to block forever.
func TestGetNeverBlocksOnFIFO(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	require.NoError(t, s.Set(ctx, "app", map[string]string{"A": "fake"}))
	path := filepath.Join(s.Dir(), "app"+sealedExt)
	sealed, err := os.ReadFile(path)
	require.NoError(t, err)
	fifo, file := filepath.Join(s.Dir(), "fifo"), filepath.Join(s.Dir(), "file")
	stop := make(chan struct{})
	swapped := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				swapped <- nil
				return
			default:
			}
			err := unix.Mkfifo(fifo, 0o600)
			if err == nil {
				err = os.Rename(fifo, path)
			}
			if err == nil {
				err = os.WriteFile(file, sealed, 0o600)
			}
			if err == nil {
				err = os.Rename(file, path)
			}
			if err != nil {
				swapped <- err
				return
			}
		}
	}()
	done := make(chan int, 1)
	go func() {
		opened := 0
		for range 10000 {
			if _, err := s.Get(ctx, "app"); err == nil {
				opened++
			}
		}
		done <- opened
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		close(stop)
		require.NoError(t, <-swapped)
		// The stuck reader waits on a FIFO that is no longer in the folder;
		// it is left behind.
		t.Fatal("Get blocked on a FIFO in place of a bundle")
	}
	close(stop)
	require.NoError(t, <-swapped)
}

// TestLockFileMustBeRegular: a writer refuses a .lock that is not a regular
// file of its own. A .lock linked to a bundle used to be accepted, and then
// locked the bundle's inode, which every write replaces, so the next writer
// locked another inode and both ran at once.
func TestLockFileMustBeRegular(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		plant func(dir string) error
	}{
		{"symlink to a bundle", func(dir string) error { return os.Symlink("app"+sealedExt, filepath.Join(dir, lockName)) }},
		{"symlink out of the folder", func(dir string) error {
			return os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), filepath.Join(dir, lockName))
		}},
		{"fifo", func(dir string) error { return unix.Mkfifo(filepath.Join(dir, lockName), 0o600) }},
		{"folder", func(dir string) error { return os.Mkdir(filepath.Join(dir, lockName), 0o700) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestStore(t)
			require.NoError(t, s.Set(ctx, "app", map[string]string{"COUNT": "1"}))
			require.NoError(t, os.Remove(filepath.Join(s.Dir(), lockName)))
			require.NoError(t, tc.plant(s.Dir()))
			err := s.Update(ctx, "app", increment)
			require.Error(t, err)
			assert.Contains(t, err.Error(), lockName)
			got, err := s.Get(ctx, "app")
			require.NoError(t, err)
			assert.Equal(t, "1", got["COUNT"], "a write went ahead without the lock")
		})
	}
}

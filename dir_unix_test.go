//go:build unix

package secret_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/envseal/secret"
)

// kubeletVolume writes a secret volume the way the kubelet's AtomicWriter
// (k8s.io/kubernetes pkg/volume/util/atomic_writer.go) does:
//
//	<dir>/..2026_11_22_17_40_00.123456789/KEY   the files (folder 0755)
//	<dir>/..data -> ..2026_11_22_17_40_00.123456789
//	<dir>/KEY    -> ..data/KEY                  one relative link per key
//
// An update writes a new timestamped folder, adds the links of new keys,
// points a new ..data_tmp link at the new folder and renames it over ..data
// (the atomic swap), then removes the links of dropped keys and the old
// folder.
type kubeletVolume struct {
	dir     string
	version int
}

// write projects payload into the volume, as AtomicWriter.Write does. It
// returns errors rather than failing t, so that a goroutine may call it.
func (v *kubeletVolume) write(payload map[string]string) error {
	oldTs, err := os.Readlink(filepath.Join(v.dir, "..data"))
	if errors.Is(err, fs.ErrNotExist) {
		oldTs = ""
	} else if err != nil {
		return err
	}
	var oldKeys []string
	if oldTs != "" {
		entries, err := os.ReadDir(filepath.Join(v.dir, oldTs))
		if err != nil {
			return err
		}
		for _, e := range entries {
			oldKeys = append(oldKeys, e.Name())
		}
	}

	// (5) a new timestamped folder, 0755; (6) the payload in it, mode 0644
	// (the volume's defaultMode).
	v.version++
	tsName := fmt.Sprintf("..2026_11_22_17_40_%02d.%09d", v.version%60, 123456789+v.version)
	tsDir := filepath.Join(v.dir, tsName)
	if err := os.Mkdir(tsDir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(tsDir, 0o755); err != nil {
		return err
	}
	for k, val := range payload {
		path := filepath.Join(tsDir, k)
		if err := os.WriteFile(path, []byte(val), 0o600); err != nil {
			return err
		}
		if err := os.Chmod(path, 0o644); err != nil {
			return err
		}
	}
	// (7) user-visible links for keys that have none yet.
	for k := range payload {
		link := filepath.Join(v.dir, k)
		if _, err := os.Readlink(link); errors.Is(err, fs.ErrNotExist) {
			if err := os.Symlink(filepath.Join("..data", k), link); err != nil {
				return err
			}
		}
	}
	// (8) ..data_tmp -> new folder; (9) renamed over ..data.
	tmp := filepath.Join(v.dir, "..data_tmp")
	if err := os.Symlink(tsName, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(v.dir, "..data")); err != nil {
		return err
	}
	// (10) links of dropped keys; (11) the old folder.
	for _, k := range oldKeys {
		if _, ok := payload[k]; !ok {
			if err := os.Remove(filepath.Join(v.dir, k)); err != nil {
				return err
			}
		}
	}
	if oldTs != "" {
		return os.RemoveAll(filepath.Join(v.dir, oldTs))
	}
	return nil
}

func TestFromDirKubernetes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vol := &kubeletVolume{dir: dir}
	require.NoError(t, vol.write(map[string]string{
		"DB_PASSWORD": "fake-db-password-v1",
		"API_TOKEN":   "fake-api-token-v1\n",
		"OLD_KEY":     "fake-old",
	}))

	// The layout is the kubelet's.
	target, err := os.Readlink(filepath.Join(dir, "..data"))
	require.NoError(t, err)
	assert.Equal(t, "..2026_11_22_17_40_01.123456790", target)
	link, err := os.Readlink(filepath.Join(dir, "DB_PASSWORD"))
	require.NoError(t, err)
	assert.Equal(t, "..data/DB_PASSWORD", link)

	src := secret.FromDir(dir)
	got, err := src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"DB_PASSWORD": "fake-db-password-v1",
		"API_TOKEN":   "fake-api-token-v1",
		"OLD_KEY":     "fake-old",
	}, got)

	// An update swaps ..data: a changed value, a dropped key, a new key.
	require.NoError(t, vol.write(map[string]string{
		"DB_PASSWORD": "fake-db-password-v2",
		"API_TOKEN":   "fake-api-token-v1\n",
		"NEW_KEY":     "fake-new",
	}))
	_, err = os.Lstat(filepath.Join(dir, "..2026_11_22_17_40_01.123456790"))
	require.ErrorIs(t, err, fs.ErrNotExist, "the old version is gone")
	got, err = src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"DB_PASSWORD": "fake-db-password-v2",
		"API_TOKEN":   "fake-api-token-v1",
		"NEW_KEY":     "fake-new",
	}, got)
}

// TestFromDirKubernetesSwapWhileLoading loads while the kubelet swaps ..data
// again and again. Every successful Load must be one version, never a mix;
// a Load may only fail by saying the folder kept changing.
func TestFromDirKubernetesSwapWhileLoading(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vol := &kubeletVolume{dir: dir}
	keys := []string{"A", "B", "C", "D", "E", "F", "G", "H"}
	payload := func(n int) map[string]string {
		m := map[string]string{}
		for _, k := range keys {
			m[k] = fmt.Sprintf("fake-v%d", n)
		}
		return m
	}
	require.NoError(t, vol.write(payload(0)))

	const updates = 150
	done := make(chan struct{})
	var writeErr error
	go func() {
		defer close(done)
		for n := 1; n <= updates && writeErr == nil; n++ {
			writeErr = vol.write(payload(n))
		}
	}()

	src := secret.FromDir(dir)
	var loads, changed int
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		got, err := src.Load(context.Background())
		loads++
		if err != nil {
			require.Contains(t, err.Error(), "changed while it was read", "the only error allowed")
			changed++
			continue
		}
		require.Len(t, got, len(keys))
		first := got["A"]
		for _, k := range keys {
			require.True(t, got[k] == first, "a Load mixed two versions")
		}
	}
	require.NoError(t, writeErr)
	t.Logf("%d loads during %d updates, %d refused as changing", loads, updates, changed)

	got, err := src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, payload(updates), got)
}

func TestFromDirLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, outside string)
		want  map[string]string // nil: an error
		msg   string
	}{
		{"relative link inside", func(t *testing.T, dir, outside string) {
			writeFiles(t, dir, map[string]string{".real": "fake-real\n"}, 0o444)
			require.NoError(t, os.Symlink(".real", filepath.Join(dir, "ALIAS")))
		}, map[string]string{"ALIAS": "fake-real"}, ""},
		{"link to a valid sibling", func(t *testing.T, dir, outside string) {
			writeFiles(t, dir, map[string]string{"REAL": "fake-real"}, 0o444)
			require.NoError(t, os.Symlink("REAL", filepath.Join(dir, "ALIAS")))
		}, map[string]string{"ALIAS": "fake-real", "REAL": "fake-real"}, ""},
		{"link through a subfolder and back", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, ".d"), 0o755))
			writeFiles(t, dir, map[string]string{".f": "fake-f"}, 0o444)
			require.NoError(t, os.Symlink(".d/../.f", filepath.Join(dir, "KEY")))
		}, map[string]string{"KEY": "fake-f"}, ""},
		{"absolute link outside", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.Symlink(filepath.Join(outside, "TARGET"), filepath.Join(dir, "KEY")))
		}, nil, "key KEY: link is absolute: links must be relative and stay inside the folder"},
		{"absolute link to /etc/passwd", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "KEY")))
		}, nil, "key KEY: link is absolute: links must be relative and stay inside the folder"},
		{"absolute link inside", func(t *testing.T, dir, outside string) {
			writeFiles(t, dir, map[string]string{"REAL": canary}, 0o444)
			require.NoError(t, os.Symlink(filepath.Join(dir, "REAL"), filepath.Join(dir, "KEY")))
		}, nil, "key KEY: link is absolute: links must be relative and stay inside the folder"},
		{"relative link up and out", func(t *testing.T, dir, outside string) {
			rel, err := filepath.Rel(dir, filepath.Join(outside, "TARGET"))
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(rel, ".."))
			require.NoError(t, os.Symlink(rel, filepath.Join(dir, "KEY")))
		}, nil, "key KEY: link leaves the folder"},
		{"link to the parent folder", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.Symlink("..", filepath.Join(dir, "KEY")))
		}, nil, "key KEY: link leaves the folder"},
		{"..data pointing outside", func(t *testing.T, dir, outside string) {
			rel, err := filepath.Rel(dir, outside)
			require.NoError(t, err)
			require.NoError(t, os.Symlink(rel, filepath.Join(dir, "..data")))
			require.NoError(t, os.Symlink("..data/TARGET", filepath.Join(dir, "KEY")))
		}, nil, "key KEY: link leaves the folder"},
		{"..data absolute", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.Symlink(outside, filepath.Join(dir, "..data")))
			require.NoError(t, os.Symlink("..data/TARGET", filepath.Join(dir, "KEY")))
		}, nil, "key KEY: link leaves the folder"},
		{"dangling link", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.Symlink("..data/KEY", filepath.Join(dir, "KEY")))
		}, nil, "key KEY: link target does not exist"},
		{"link loop", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.Symlink("B", filepath.Join(dir, "A")))
			require.NoError(t, os.Symlink("A", filepath.Join(dir, "B")))
		}, nil, "key A: stat: too many levels of symbolic links\nkey B: stat: too many levels of symbolic links"},
		{"link to a hidden folder", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, ".d"), 0o755))
			require.NoError(t, os.Symlink(".d", filepath.Join(dir, "KEY")))
		}, nil, `key KEY: is a folder: secrets are files directly in the folder (folders starting with "." are skipped)`},
		{"FIFO", func(t *testing.T, dir, outside string) {
			require.NoError(t, unix.Mkfifo(filepath.Join(dir, "PIPE"), 0o600))
		}, nil, "key PIPE: not a regular file"},
		{"link to a FIFO", func(t *testing.T, dir, outside string) {
			require.NoError(t, unix.Mkfifo(filepath.Join(dir, ".pipe"), 0o600))
			require.NoError(t, os.Symlink(".pipe", filepath.Join(dir, "KEY")))
		}, nil, "key KEY: not a regular file"},
		{"link to a big file", func(t *testing.T, dir, outside string) {
			writeFiles(t, dir, map[string]string{".big": strings.Repeat(canary, 1<<20/len(canary)+1)}, 0o444)
			require.NoError(t, os.Symlink(".big", filepath.Join(dir, "KEY")))
		}, nil, "key KEY: file is over the limit of 1048576 bytes"},
		{"invalid name of a link", func(t *testing.T, dir, outside string) {
			require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "tls.key")))
		}, nil, `key "tls"… (7 bytes): file name is not a valid key: want [A-Za-z_][A-Za-z0-9_]*`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			dir := filepath.Join(base, "secrets")
			outside := filepath.Join(base, "outside")
			require.NoError(t, os.Mkdir(dir, 0o755))
			require.NoError(t, os.Mkdir(outside, 0o755))
			writeFiles(t, outside, map[string]string{"TARGET": canary}, 0o444)
			tt.setup(t, dir, outside)

			got, err := loadDir(t, dir)
			if tt.want != nil {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			require.Error(t, err)
			assert.Nil(t, got, "no partial result")
			assert.Equal(t, entryErrors(dir, tt.msg), err.Error())
			assertNoCanary(t, err)
		})
	}
}

// TestFromDirFolderIsALink reads a folder reached through a link, as
// /var/openfaas/secrets may be: the folder's own path may be a link.
func TestFromDirFolderIsALink(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	real := filepath.Join(base, "real")
	require.NoError(t, os.Mkdir(real, 0o755))
	writeFiles(t, real, map[string]string{"A": "fake-a"}, 0o444)
	link := filepath.Join(base, "secrets")
	require.NoError(t, os.Symlink(real, link))
	got, err := loadDir(t, link)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "fake-a"}, got)
}

// TestFromDirUnreadable checks that a file the process may not read is an
// error naming the entry. Root reads any file whatever its mode, so as root
// the check runs in a child process that drops to the nobody user.
func TestFromDirUnreadable(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	// t.TempDir makes its folders 0700: open them to the nobody user.
	require.NoError(t, os.Chmod(filepath.Dir(base), 0o755))
	require.NoError(t, os.Chmod(base, 0o755))
	dir := filepath.Join(base, "secrets")
	require.NoError(t, os.Mkdir(dir, 0o755))
	writeFiles(t, dir, map[string]string{"READABLE": "fake-ok", "LOCKED": canary}, 0o444)
	require.NoError(t, os.Chmod(filepath.Join(dir, "LOCKED"), 0o000))

	want := entryErrors(dir, "key LOCKED: open: permission denied")
	if os.Geteuid() != 0 {
		got, err := loadDir(t, dir)
		require.ErrorIs(t, err, fs.ErrPermission)
		assert.Nil(t, got)
		assert.Equal(t, want, err.Error())
		assertNoCanary(t, err)
		return
	}

	// As root: run this test binary as nobody (65534), with only the child
	// test below. The binary is copied where nobody may run it.
	exe, err := os.Executable()
	require.NoError(t, err)
	bin := filepath.Join(base, "secret.test")
	copyFile(t, exe, bin, 0o755)
	cmd := exec.Command(bin, "-test.run=^TestFromDirUnreadableChild$", "-test.count=1")
	cmd.Env = []string{"ENVSEAL_TEST_UNREADABLE_DIR=" + dir}
	cmd.Dir = base
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the child test failed")
	// The child prints the error text between markers.
	text := string(out)
	_, after, ok := strings.Cut(text, "ERR<")
	require.True(t, ok, "the child printed no error")
	msg, _, ok := strings.Cut(after, ">ERR")
	require.True(t, ok)
	assert.Equal(t, want, msg)
	assert.NotContains(t, text, "CANARY")
}

// TestFromDirUnreadableChild is the child half of TestFromDirUnreadable: it
// does nothing unless that test started it.
func TestFromDirUnreadableChild(t *testing.T) {
	dir := os.Getenv("ENVSEAL_TEST_UNREADABLE_DIR")
	if dir == "" {
		return // not started by TestFromDirUnreadable
	}
	require.NotEqual(t, 0, os.Geteuid(), "the child must not run as root")
	got, err := secret.FromDir(dir).Load(context.Background())
	require.ErrorIs(t, err, fs.ErrPermission)
	require.Nil(t, got)
	fmt.Printf("ERR<%s>ERR\n", err.Error())
}

func copyFile(t *testing.T, from, to string, perm fs.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, perm)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}

// TestFromDirConcurrentKubernetes loads one volume from many goroutines.
func TestFromDirConcurrentKubernetes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vol := &kubeletVolume{dir: dir}
	require.NoError(t, vol.write(map[string]string{"A": "fake-a", "B": "fake-b"}))
	src := secret.FromDir(dir)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = src.Load(context.Background())
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
}

// TestFromDirMapNamesKubernetes reads a Kubernetes volume of a TLS secret
// (kubernetes.io/tls: tls.crt, tls.key) and a dashed key, mapped.
func TestFromDirMapNamesKubernetes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vol := &kubeletVolume{dir: dir}
	require.NoError(t, vol.write(map[string]string{
		"tls.crt": "-----BEGIN FAKE CERTIFICATE-----\n",
		"tls.key": "-----BEGIN FAKE KEY-----\n",
		"api-key": "fake-api-key",
	}))
	got, err := secret.FromDirOptions(dir, secret.DirOptions{MapNames: true}).Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"TLS_CRT": "-----BEGIN FAKE CERTIFICATE-----",
		"TLS_KEY": "-----BEGIN FAKE KEY-----",
		"API_KEY": "fake-api-key",
	}, got)
	_, err = secret.FromDir(dir).Load(context.Background())
	require.Error(t, err, "without MapNames the names are refused")
}

package secret

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret/internal/rules"
	"github.com/envseal/secret/internal/seal"
)

// Environment of the helper processes that TestUpdateLosesNothing starts.
const (
	helperDirEnv   = "ENVSEAL_TEST_HELPER_STORE"
	helperCountEnv = "ENVSEAL_TEST_HELPER_UPDATES"
	// helperHoldEnv makes the helper take the writer lock, say "locked" on
	// stdout and wait to be killed, for TestCrashedWriterReleasesLock.
	helperHoldEnv = "ENVSEAL_TEST_HELPER_HOLD"
)

// TestMain runs the Update helper when the test binary is re-executed by
// TestUpdateLosesNothing, the Runner helpers when re-executed by the Runner
// tests, and the tests otherwise.
func TestMain(m *testing.M) {
	if code, ok := runnerHelperMain(os.Args); ok {
		os.Exit(code)
	}
	if dir := os.Getenv(helperHoldEnv); dir != "" {
		k, err := ParseKey(testKeyText)
		if err == nil {
			var s *FileStore
			if s, err = OpenFileStore(dir, k); err == nil {
				err = s.Update(context.Background(), "counter", func(map[string]string) error {
					fmt.Println("locked")
					select {} // until killed
				})
			}
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if dir := os.Getenv(helperDirEnv); dir != "" {
		n, _ := strconv.Atoi(os.Getenv(helperCountEnv))
		if err := runUpdates(dir, n); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runUpdates increments COUNT in bundle "counter" n times.
func runUpdates(dir string, n int) error {
	k, err := ParseKey(testKeyText)
	if err != nil {
		return err
	}
	s, err := OpenFileStore(dir, k)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := s.Update(context.Background(), "counter", increment); err != nil {
			return err
		}
	}
	return nil
}

func increment(env map[string]string) error {
	n, _ := strconv.Atoi(env["COUNT"])
	env["COUNT"] = strconv.Itoa(n + 1)
	return nil
}

func newTestStore(t *testing.T) *FileStore {
	t.Helper()
	s, err := OpenFileStore(filepath.Join(t.TempDir(), "store"), mustKey(t, testKeyText))
	require.NoError(t, err)
	return s
}

// TestListSkipsOtherFiles: List names the bundle files only, not lock,
// temporary and other files, nor folders.
func TestListSkipsOtherFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	testBundles := map[string]map[string]string{
		"basic": {"API_KEY": "fake-api-key"}, "empty": {}, "unicode-multiline": {"PEM": "fake\nline 2\r\n"},
	}
	for name, env := range testBundles {
		require.NoError(t, s.Set(ctx, name, env))
	}
	require.NoError(t, s.Set(ctx, "nil-bundle", nil))
	// Files that are not bundles are ignored by List.
	for _, f := range []string{"README", "x.sealed.bak", "Upper.sealed", ".hidden.sealed", ".basic.0123.tmp"} {
		require.NoError(t, os.WriteFile(filepath.Join(s.Dir(), f), nil, 0o600))
	}
	require.NoError(t, os.Mkdir(filepath.Join(s.Dir(), "dir.sealed"), 0o700))
	names, err := s.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"basic", "empty", "nil-bundle", "unicode-multiline"}, names)
	for name, env := range testBundles {
		got, err := s.Get(ctx, name)
		require.NoError(t, err)
		assert.True(t, maps.Equal(env, got), "bundle %s changed", name)
	}
	got, err := s.Get(ctx, "nil-bundle")
	require.NoError(t, err)
	assert.NotNil(t, got)
	assert.Empty(t, got)

	// Set replaces.
	require.NoError(t, s.Set(ctx, "basic", map[string]string{"ONLY": "fake"}))
	got, err = s.Get(ctx, "basic")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"ONLY": "fake"}, got)

	require.NoError(t, s.Delete(ctx, "basic"))
	_, err = s.Get(ctx, "basic")
	assert.ErrorIs(t, err, ErrNotFound)
	err = s.Delete(ctx, "basic")
	assert.ErrorIs(t, err, ErrNotFound)
	names, err = s.List(ctx)
	require.NoError(t, err)
	assert.NotContains(t, names, "basic")
}

func TestBundleNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	// With the folder gone, only a check made before any file-system call
	// can report the name.
	require.NoError(t, os.RemoveAll(s.Dir()))
	bad := map[string]string{
		"empty":         "",
		"upper":         "OpenAI",
		"leading dash":  "-a",
		"leading under": "_a",
		"slash":         "a/b",
		"dot dot":       "..",
		"dot":           ".",
		"lock":          ".lock",
		"space":         "a b",
		"NUL":           "a\x00b",
		"unicode":       "café",
		"65 bytes":      strings.Repeat("a", 65),
		"absolute":      "/etc/passwd",
		"backslash":     `a\b`,
	}
	for name, in := range bad {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			errs := []error{
				func() error { _, err := s.Get(ctx, in); return err }(),
				s.Set(ctx, in, nil),
				s.Update(ctx, in, func(map[string]string) error { return nil }),
				s.Delete(ctx, in),
			}
			for _, err := range errs {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "invalid bundle name")
				assert.NotContains(t, err.Error(), "no such file")
				assert.Less(t, len(err.Error()), 150, "name not cut short")
			}
		})
	}
	err := checkName(strings.Repeat("x", 1000))
	assert.Contains(t, err.Error(), "(1000 bytes)")
}

func TestSetRejectsWhatResolveWould(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	require.NoError(t, s.Set(ctx, "app", map[string]string{"OK": "fake-old"}))
	cases := map[string]map[string]string{
		"invalid key":   {"1BAD": "fake", "GOOD": "fake"},
		"empty key":     {"": "fake"},
		"NUL in value":  {"K": "fake\x00value"},
		"value too big": {"K": strings.Repeat("f", rules.MaxValueLen+1)},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := s.Set(ctx, "app", env)
			require.Error(t, err)
			assert.Contains(t, err.Error(), `bundle "app"`)
			assert.NotContains(t, err.Error(), "fake")
			err = s.Update(ctx, "app", func(m map[string]string) error {
				for k, v := range env {
					m[k] = v
				}
				return nil
			})
			require.Error(t, err)
			got, err := s.Get(ctx, "app")
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"OK": "fake-old"}, got, "a rejected write changed the bundle")
		})
	}
}

// TestFileStoreOnDiskAttacks plays an intruder with write access to the
// store folder.
func TestFileStoreOnDiskAttacks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	require.NoError(t, s.Set(ctx, "prod", map[string]string{"DB": "fake-prod"}))
	require.NoError(t, s.Set(ctx, "dev", map[string]string{"DB": "fake-dev"}))
	path := func(n string) string { return filepath.Join(s.Dir(), n+sealedExt) }
	prod, err := os.ReadFile(path("prod"))
	require.NoError(t, err)
	dev, err := os.ReadFile(path("dev"))
	require.NoError(t, err)

	// Swap the two files.
	require.NoError(t, os.WriteFile(path("prod"), dev, 0o600))
	require.NoError(t, os.WriteFile(path("dev"), prod, 0o600))
	for _, n := range []string{"prod", "dev"} {
		_, err := s.Get(ctx, n)
		require.ErrorIs(t, err, ErrAuthFailed, n)
		assert.Equal(t, (&BundleError{Bundle: n, Err: ErrAuthFailed}).Error(), err.Error())
		// Update must not overwrite what it cannot open.
		require.ErrorIs(t, s.Update(ctx, n, increment), ErrAuthFailed)
	}
	// Copy under a new name.
	require.NoError(t, os.WriteFile(path("copy"), prod, 0o600))
	_, err = s.Get(ctx, "copy")
	require.ErrorIs(t, err, ErrAuthFailed)

	// Tamper with a byte of the ciphertext.
	b := append([]byte(nil), prod...)
	b[len(b)-1] ^= 0x80
	require.NoError(t, os.WriteFile(path("prod"), b, 0o600))
	_, err = s.Get(ctx, "prod")
	require.ErrorIs(t, err, ErrAuthFailed)

	// Oversized file.
	require.NoError(t, os.WriteFile(path("big"), make([]byte, seal.MaxSize+1), 0o600))
	_, err = s.Get(ctx, "big")
	require.ErrorIs(t, err, ErrAuthFailed)

	// A symbolic link in place of a bundle, to a valid bundle inside the
	// folder and to a file outside, is refused.
	require.NoError(t, os.WriteFile(path("real"), prod, 0o600))
	require.NoError(t, os.Symlink("real"+sealedExt, path("linked")))
	outside := filepath.Join(t.TempDir(), "outside")
	require.NoError(t, os.WriteFile(outside, prod, 0o600))
	require.NoError(t, os.Symlink(outside, path("escape")))
	for _, n := range []string{"linked", "escape"} {
		_, err := s.Get(ctx, n)
		require.Error(t, err, n)
		assert.Contains(t, err.Error(), "symbolic link")
		require.Error(t, s.Update(ctx, n, increment))
	}
	names, err := s.List(ctx)
	require.NoError(t, err)
	assert.NotContains(t, names, "linked")
	// Set replaces the link itself, never its target.
	require.NoError(t, s.Set(ctx, "escape", map[string]string{"X": "fake"}))
	still, err := os.ReadFile(outside)
	require.NoError(t, err)
	assert.Equal(t, prod, still, "Set wrote through a symbolic link")
	fi, err := os.Lstat(path("escape"))
	require.NoError(t, err)
	assert.True(t, fi.Mode().IsRegular())

	// A folder in place of a bundle.
	require.NoError(t, os.Mkdir(path("dir"), 0o700))
	_, err = s.Get(ctx, "dir")
	assert.ErrorContains(t, err, "not a regular file")
}

// TestGetDuringWrites: a reader racing with writers replacing the bundle
// sees the old bundle or the new one, never an error.
func TestGetDuringWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	require.NoError(t, s.Set(ctx, "app", map[string]string{"N": "0"}))
	stop := make(chan struct{})
	wrote := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				wrote <- nil
				return
			default:
			}
			if err := s.Update(ctx, "app", increment); err != nil {
				wrote <- err
				return
			}
		}
	}()
	var err error
	for range 2000 {
		if _, err = s.Get(ctx, "app"); err != nil {
			break
		}
	}
	close(stop)
	require.NoError(t, <-wrote)
	assert.NoError(t, err)
}

func TestOpenFileStoreRefuses(t *testing.T) {
	t.Parallel()
	k := mustKey(t, testKeyText)
	loose := t.TempDir()
	require.NoError(t, os.Chmod(loose, 0o755))
	_, err := OpenFileStore(loose, k)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "chmod 700 "+loose)

	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = OpenFileStore(file, k)
	assert.Error(t, err)

	_, err = OpenFileStore(t.TempDir(), Key{})
	assert.ErrorContains(t, err, "zero Key")
	_, err = OpenFileStore("", k)
	assert.Error(t, err)
}

// TestUpdateLosesNothing runs Update on one bundle from 40 goroutines and 3
// other processes at once.
func TestUpdateLosesNothing(t *testing.T) {
	t.Parallel()
	const (
		goroutines   = 40
		perGoroutine = 5
		processes    = 3
		perProcess   = 20
	)
	s := newTestStore(t)
	ctx := context.Background()
	var cmds []*exec.Cmd
	for i := 0; i < processes; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperDirEnv+"="+s.Dir(), helperCountEnv+"="+strconv.Itoa(perProcess))
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for i := 0; i < goroutines; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < perGoroutine; j++ {
				if err := s.Update(ctx, "counter", increment); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Wait())
	}
	got, err := s.Get(ctx, "counter")
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(goroutines*perGoroutine+processes*perProcess), got["COUNT"])
	assertNoTempFiles(t, s.Dir())
}

// TestCrashedWriterReleasesLock: a writer process killed while it holds the
// lock (SIGKILL: no deferred unlock runs) blocks other writers only until it
// dies; the kernel drops its flock, and its write never happened.
func TestCrashedWriterReleasesLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	require.NoError(t, s.Set(ctx, "counter", map[string]string{"COUNT": "1"}))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperHoldEnv+"="+s.Dir())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "locked\n", line)

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = s.Update(short, "counter", increment)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the lock is held by the helper")

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.NoError(t, s.Update(ctx, "counter", increment))
	got, err := s.Get(ctx, "counter")
	require.NoError(t, err)
	assert.Equal(t, "2", got["COUNT"])
	assertNoTempFiles(t, s.Dir())
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasSuffix(e.Name(), ".tmp"), "temp file left: %s", e.Name())
	}
}

func TestFailureBeforeRenameKeepsOldBundle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	require.NoError(t, s.Set(ctx, "app", map[string]string{"A": "fake-old"}))
	before, err := os.ReadFile(filepath.Join(s.Dir(), "app"+sealedExt))
	require.NoError(t, err)

	errInjected := errors.New("injected failure")
	s.beforeRename = func(string) error { return errInjected }
	require.ErrorIs(t, s.Set(ctx, "app", map[string]string{"A": "fake-new"}), errInjected)
	require.ErrorIs(t, s.Update(ctx, "app", increment), errInjected)
	require.ErrorIs(t, s.Set(ctx, "fresh", nil), errInjected)
	s.beforeRename = nil

	after, err := os.ReadFile(filepath.Join(s.Dir(), "app"+sealedExt))
	require.NoError(t, err)
	assert.Equal(t, before, after, "the old bundle changed")
	got, err := s.Get(ctx, "app")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "fake-old"}, got)
	_, err = s.Get(ctx, "fresh")
	assert.ErrorIs(t, err, ErrNotFound)
	assertNoTempFiles(t, s.Dir())
}

func TestRotate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	oldKey, newKey := mustKey(t, testKeyText), mustKey(t, otherKeyText)
	names := []string{"a", "b", "c", "d"}
	for _, n := range names {
		require.NoError(t, s.Set(ctx, n, map[string]string{"NAME": "fake-" + n}))
	}

	// Interrupted after two bundles: each file is whole, the store keeps the
	// old key, and a second Rotate finishes.
	errCrash := errors.New("injected crash")
	done := 0
	s.beforeRename = func(string) error {
		if done == 2 {
			return errCrash
		}
		done++
		return nil
	}
	require.ErrorIs(t, s.Rotate(ctx, newKey), errCrash)
	s.beforeRename = nil
	assertNoTempFiles(t, s.Dir())
	underNew := 0
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(s.Dir(), n+sealedExt))
		require.NoError(t, err)
		if _, err := openSealed(newKey, n, data, ""); err == nil {
			underNew++
		} else {
			_, err := openSealed(oldKey, n, data, "")
			require.NoError(t, err, "bundle %s opens under neither key", n)
		}
	}
	assert.Equal(t, 2, underNew)

	require.NoError(t, s.Rotate(ctx, newKey))
	for _, n := range names {
		got, err := s.Get(ctx, n)
		require.NoError(t, err)
		assert.Equal(t, "fake-"+n, got["NAME"])
	}
	fresh, err := OpenFileStore(s.Dir(), newKey)
	require.NoError(t, err)
	stale, err := OpenFileStore(s.Dir(), oldKey)
	require.NoError(t, err)
	for _, n := range names {
		got, err := fresh.Get(ctx, n)
		require.NoError(t, err)
		assert.Equal(t, "fake-"+n, got["NAME"])
		_, err = stale.Get(ctx, n)
		assert.ErrorIs(t, err, ErrAuthFailed)
	}
	assert.ErrorContains(t, s.Rotate(ctx, Key{}), "zero Key")

	// A bundle that opens under neither key stops Rotate.
	require.NoError(t, os.WriteFile(filepath.Join(s.Dir(), "junk"+sealedExt), []byte("not sealed"), 0o600))
	require.ErrorIs(t, s.Rotate(ctx, oldKey), ErrAuthFailed)
}

// TestGetDuringRotate: a reader of the same FileStore never sees a bundle
// fail to authenticate because Rotate is re-sealing the store under it, in
// the middle of the rotation or at its ends.
func TestGetDuringRotate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	names := []string{"a", "b", "c", "d"}
	newStore := func(t *testing.T) *FileStore {
		s := newTestStore(t)
		for _, n := range names {
			require.NoError(t, s.Set(ctx, n, map[string]string{"NAME": "fake-" + n}))
		}
		return s
	}

	t.Run("mid-rotation", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		// Just before each rename, every bundle, rotated already or not,
		// must open.
		var errs []error
		s.beforeRename = func(string) error {
			for _, n := range names {
				if _, err := s.Get(ctx, n); err != nil {
					errs = append(errs, err)
				}
			}
			return nil
		}
		require.NoError(t, s.Rotate(ctx, mustKey(t, otherKeyText)))
		assert.Empty(t, errs)
	})

	t.Run("concurrent", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		stop := make(chan struct{})
		failed := make(chan error, 1)
		go func() {
			defer close(failed)
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, n := range names {
					if _, err := s.Get(ctx, n); err != nil {
						failed <- err
						return
					}
				}
			}
		}()
		for range 10 {
			k, err := GenerateKey()
			require.NoError(t, err)
			require.NoError(t, s.Rotate(ctx, k))
		}
		close(stop)
		assert.NoError(t, <-failed)
	})
}

// TestDefaultStore checks DefaultStore and FromName with a nil
// Resolver.Store. Not parallel: it uses t.Setenv.
func TestDefaultStore(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("HOME", cfg)
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv(envKeyFile, "")
	t.Setenv(envStore, "")
	t.Setenv(envKey, "")
	ctx := context.Background()

	_, err := Resolve(ctx, FromName("app"))
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "envseal key generate")
	st, err := defaultStore()
	require.Error(t, err)
	assert.True(t, st == nil, "defaultStore returned a typed nil inside the Store interface")

	t.Setenv(envKey, testKeyText)
	s, err := DefaultStore()
	require.NoError(t, err)
	ucd, err := os.UserConfigDir()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(ucd, "envseal", "store"), s.Dir())
	require.NoError(t, s.Set(ctx, "app", map[string]string{"TOKEN": "fake-token"}))

	env, err := Resolve(ctx, FromName("app"))
	require.NoError(t, err)
	v, _ := env.Get("TOKEN")
	assert.Equal(t, "fake-token", v)
	m, err := FromName("app").Load(ctx)
	require.NoError(t, err)
	assert.Equal(t, "fake-token", m["TOKEN"])

	other := filepath.Join(cfg, "elsewhere")
	t.Setenv(envStore, other)
	s, err = DefaultStore()
	require.NoError(t, err)
	assert.Equal(t, other, s.Dir())
	_, err = Resolve(ctx, FromName("app"))
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestOpenDefaultStoreInjected(t *testing.T) {
	t.Parallel()
	cfg := t.TempDir()
	s, err := openDefaultStore(fakeEnv(map[string]string{envKey: testKeyText}), configDirOf(cfg))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cfg, "envseal", "store"), s.Dir())

	_, err = openDefaultStore(fakeEnv(nil), configDirOf(cfg))
	require.ErrorIs(t, err, ErrNotFound)

	st := filepath.Join(cfg, "st")
	s, err = openDefaultStore(fakeEnv(map[string]string{envKey: testKeyText, envStore: st}), configDirOf(cfg))
	require.NoError(t, err)
	assert.Equal(t, st, s.Dir())
}

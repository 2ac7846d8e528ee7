package secret

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEnvironmentsOnDisk: the default environment's bundles stay where they
// were before environments existed; another's live in environments/NAME, and
// a sealed file copied from one environment to another does not open.
func TestEnvironmentsOnDisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	def := newTestStore(t)
	prod, err := def.InEnvironment("prod")
	require.NoError(t, err)
	dev, err := def.InEnvironment("dev")
	require.NoError(t, err)
	require.NoError(t, def.Set(ctx, "app", map[string]string{"DB": "fake-default"}))
	require.NoError(t, prod.Set(ctx, "app", map[string]string{"DB": "fake-prod"}))
	assert.FileExists(t, filepath.Join(def.Dir(), "app.sealed"))
	assert.FileExists(t, filepath.Join(def.Dir(), "environments", "prod", "app.sealed"))
	fi, err := os.Stat(filepath.Join(def.Dir(), "environments", "prod"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())

	// Environments are listed; reading one that has no folder yet is empty.
	envs, err := def.Environments(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"default", "prod"}, envs)
	names, err := dev.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, names)
	_, err = dev.Get(ctx, "app")
	require.ErrorIs(t, err, ErrNotFound)
	assert.EqualError(t, err, `bundle "dev/app" not found`)

	// Ciphertext copied across environments does not open: the environment
	// is authenticated with the name.
	data, err := os.ReadFile(filepath.Join(def.Dir(), "environments", "prod", "app.sealed"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(def.Dir(), "environments", "dev"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(def.Dir(), "environments", "dev", "app.sealed"), data, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(def.Dir(), "app.sealed"), data, 0o600))
	for _, st := range []*FileStore{dev, def} {
		_, err := st.Get(ctx, "app")
		require.ErrorIs(t, err, ErrAuthFailed, st.Environment())
	}

	for _, bad := range []string{"Prod", "a/b", "-x", "..", strings.Repeat("e", 65), "KEY=fake-value"} {
		_, err := def.InEnvironment(bad)
		require.Error(t, err, "environment %q", bad)
		assert.NotContains(t, err.Error(), "fake-value")
		_, err = OpenFileStoreOptions(def.Dir(), mustKey(t, testKeyText), StoreOptions{Environment: bad})
		require.Error(t, err)
	}
}

// TestStrayTempFilesRemoved: a writer killed between creating its temporary
// file and renaming it leaves the file; the next writer removes it, and
// nothing else.
func TestStrayTempFilesRemoved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t)
	stray := []string{".app.0123456789abcdef.tmp", ".other.fedcba9876543210.tmp"}
	kept := []string{".notes.tmp", "app.tmp", ".app.xyz.tmp", "README"}
	for _, f := range append(append([]string(nil), stray...), kept...) {
		require.NoError(t, os.WriteFile(filepath.Join(s.Dir(), f), []byte("fake"), 0o600))
	}
	require.NoError(t, s.Set(ctx, "app", map[string]string{"K": "fake"}))
	for _, f := range stray {
		assert.NoFileExists(t, filepath.Join(s.Dir(), f))
	}
	for _, f := range kept {
		assert.FileExists(t, filepath.Join(s.Dir(), f))
	}
}

// TestWriteInsideUpdateFailsFast: a callback of Update that writes to the
// same store would wait for the lock Update holds; it fails at once instead,
// while other goroutines' writes still wait their turn.
func TestWriteInsideUpdateFailsFast(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := newTestStore(t)
	prod, err := s.InEnvironment("prod")
	require.NoError(t, err)
	var inner []error
	other := make(chan error, 1)
	err = s.Update(ctx, "app", func(env map[string]string) error {
		inner = append(inner,
			s.Set(ctx, "app", map[string]string{"K": "fake"}),
			s.Delete(ctx, "other"),
			prod.Set(ctx, "app", map[string]string{"K": "fake"}),
			s.Rotate(ctx, mustKey(t, otherKeyText)),
			s.Update(ctx, "other", func(map[string]string) error { return nil }),
		)
		// Another goroutine's write waits for this Update, then goes on.
		go func() { other <- s.Set(ctx, "other", map[string]string{"K": "fake"}) }()
		env["K"] = "fake-outer"
		return nil
	})
	require.NoError(t, err)
	for i, err := range inner {
		assert.ErrorIs(t, err, errWriteInUpdate, "write %d", i)
		assert.False(t, errors.Is(err, context.DeadlineExceeded), "write %d waited", i)
	}
	require.NoError(t, <-other)
	got, err := s.Get(ctx, "app")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"K": "fake-outer"}, got)
}

func TestDefaultStoreEnvironmentAndURL(t *testing.T) {
	t.Parallel()
	cfg := t.TempDir()
	st := filepath.Join(cfg, "st")
	s, err := openDefaultStore(fakeEnv(map[string]string{envKey: testKeyText, envStore: st, envEnvironment: "prod"}), configDirOf(cfg))
	require.NoError(t, err)
	assert.Equal(t, "prod", s.Environment())
	assert.Equal(t, envKey, s.opts.KeySource)

	for value, want := range map[string]string{
		"etcd://10.0.0.1:2379/envseal":       "ENVSEAL_STORE names an etcd store",
		"ETCD://h:2379/p":                    "ENVSEAL_STORE names an etcd store",
		"vault://secret/data":                "ENVSEAL_STORE starts with vault://, a kind of store envseal does not know",
		"etcd://user:fake-password@h:2379/p": "ENVSEAL_STORE names an etcd store",
	} {
		_, err := openDefaultStore(fakeEnv(map[string]string{envKey: testKeyText, envStore: value}), configDirOf(cfg))
		require.Error(t, err, value)
		assert.Contains(t, err.Error(), want)
		assert.NotContains(t, err.Error(), "fake-password", "the URL is not echoed")
		assert.NoDirExists(t, filepath.Join(cfg, "etcd:"), "no folder named after the URL")
	}
	_, err = openDefaultStore(fakeEnv(map[string]string{envKey: testKeyText, envStore: st, envEnvironment: "Bad/Env"}), configDirOf(cfg))
	assert.ErrorContains(t, err, "invalid environment name")

	for s, want := range map[string]string{"etcd://h": "etcd", "a+b.c-d://x": "a+b.c-d", `C:\store`: "", "/srv/store": "", "1x://y": "", "://x": "", "rel/etcd://x": ""} {
		got, ok := urlScheme(s)
		assert.Equal(t, want, got, s)
		assert.Equal(t, want != "", ok, s)
	}
}

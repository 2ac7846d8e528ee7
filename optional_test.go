package secret_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
	"github.com/envseal/secret/secrettest"
)

func TestOptional(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	present := write("present.env", "A=fake-a\nB=fake-b\n")
	other := write("other.env", "B=fake-b2\n")
	missing := filepath.Join(dir, "missing.env")
	broken := write("broken.env", "A=fake-a\nnot a line\n")
	notDir := filepath.Join(present, "x.env") // a path under a file
	secrets := filepath.Join(dir, "secrets")
	require.NoError(t, os.Mkdir(secrets, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(secrets, "TOKEN"), []byte("fake-token\n"), 0o600))
	dangling := filepath.Join(dir, "dangling")
	require.NoError(t, os.Mkdir(dangling, 0o700))
	require.NoError(t, os.Symlink("nowhere", filepath.Join(dangling, "TOKEN")))
	store := memStore{"app": {"APP": "fake-app"}}

	tests := []struct {
		name    string
		sources []secret.Source
		want    map[string]string // key -> origin
		wantErr string
	}{
		{"missing .env gives nothing", []secret.Source{secret.Optional(secret.FromDotenv(missing))}, map[string]string{}, ""},
		{"present .env loads", []secret.Source{secret.Optional(secret.FromDotenv(present))},
			map[string]string{"A": "dotenv:" + present, "B": "dotenv:" + present}, ""},
		{"missing among several files is skipped, each file its own source",
			[]secret.Source{secret.Optional(secret.FromDotenv(present, missing, other))},
			map[string]string{"A": "dotenv:" + present, "B": "dotenv:" + other}, ""},
		{"syntax error still fails", []secret.Source{secret.Optional(secret.FromDotenv(broken))}, nil, "broken.env:2"},
		{"folder in place of the file still fails", []secret.Source{secret.Optional(secret.FromDotenv(dir))}, nil, "not a regular file"},
		{"path under a file still fails", []secret.Source{secret.Optional(secret.FromDotenv(notDir))}, nil, "not a directory"},
		{"missing folder gives nothing", []secret.Source{secret.Optional(secret.FromDir(filepath.Join(dir, "none")))}, map[string]string{}, ""},
		{"present folder loads", []secret.Source{secret.Optional(secret.FromDir(secrets))}, map[string]string{"TOKEN": "dir:" + secrets}, ""},
		{"dangling link in a folder still fails", []secret.Source{secret.Optional(secret.FromDir(dangling))}, nil, "link target does not exist"},
		{"missing bundle gives nothing", []secret.Source{secret.Optional(secret.FromName("nope"))}, map[string]string{}, ""},
		{"present bundle loads", []secret.Source{secret.Optional(secret.FromName("app"))}, map[string]string{"APP": "name:app"}, ""},
		{"another source's not found is nothing", []secret.Source{secret.Optional(failSource{"custom", fmt.Errorf("gone: %w", secret.ErrNotFound)})}, map[string]string{}, ""},
		{"fs.ErrNotExist alone is not ErrNotFound", []secret.Source{secret.Optional(failSource{"custom", fs.ErrNotExist})}, nil, "custom: file does not exist"},
		{"another source's other error still fails", []secret.Source{secret.Optional(failSource{"custom", errors.New("broken")})}, nil, "custom: broken"},
		{"optional twice is optional", []secret.Source{secret.Optional(secret.Optional(secret.FromDotenv(missing)))}, map[string]string{}, ""},
		{"later sources still override", []secret.Source{
			secret.FromMap(map[string]string{"A": "fake-map"}),
			secret.Optional(secret.FromDotenv(present)),
			secret.Optional(secret.FromDotenv(missing)),
		}, map[string]string{"A": "dotenv:" + present, "B": "dotenv:" + present}, ""},
		{"nil is reported", []secret.Source{secret.Optional(nil)}, nil, "source 1 of 1 is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := secret.Resolver{Store: store}
			env, err := r.Resolve(context.Background(), tt.sources...)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, env)
				assert.NotContains(t, err.Error(), "fake-")
				return
			}
			require.NoError(t, err)
			got := map[string]string{}
			for _, k := range env.Keys() {
				got[k] = env.Origin(k)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestOptionalStoreFailureIsAnError checks that a bundle that does not
// open is an error, even optional: only a missing bundle is nothing.
func TestOptionalStoreFailureIsAnError(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	k1, err := secret.GenerateKey()
	require.NoError(t, err)
	k2, err := secret.GenerateKey()
	require.NoError(t, err)
	st1, err := secret.OpenFileStore(dir, k1)
	require.NoError(t, err)
	require.NoError(t, st1.Set(context.Background(), "app", map[string]string{"K": "fake-k"}))
	st2, err := secret.OpenFileStore(dir, k2)
	require.NoError(t, err)
	r := secret.Resolver{Store: st2}
	_, err = r.Resolve(context.Background(), secret.Optional(secret.FromName("app")))
	require.ErrorIs(t, err, secret.ErrAuthFailed)
	_, err = r.Resolve(context.Background(), secret.Optional(secret.FromName("Not Valid")))
	require.ErrorContains(t, err, "invalid bundle name")
	env, err := r.Resolve(context.Background(), secret.Optional(secret.FromName("other")))
	require.NoError(t, err)
	assert.Equal(t, 0, env.Len())
}

// TestOptionalEnviron skips unset variables one by one. It sets process
// environment variables, so it does not run in parallel.
func TestOptionalEnviron(t *testing.T) {
	t.Setenv("ENVSEAL_TEST_OPTIONAL_SET", "fake-set")
	t.Setenv("ENVSEAL_TEST_OPTIONAL_EMPTY", "")
	src := secret.Optional(secret.FromEnviron("ENVSEAL_TEST_OPTIONAL_SET", "ENVSEAL_TEST_OPTIONAL_UNSET", "ENVSEAL_TEST_OPTIONAL_EMPTY"))
	m, err := src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"ENVSEAL_TEST_OPTIONAL_SET": "fake-set", "ENVSEAL_TEST_OPTIONAL_EMPTY": ""}, m)
	assert.Equal(t, "environ", src.Name())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.Load(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

// TestOptionalLoadDirect loads optional sources without a Resolver, as a
// caller composing sources may.
func TestOptionalLoadDirect(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := filepath.Join(dir, "a.env")
	require.NoError(t, os.WriteFile(a, []byte("A=fake-a\n"), 0o600))
	src := secret.Optional(secret.FromDotenv(filepath.Join(dir, "none.env"), a))
	m, err := src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "fake-a"}, m)

	m, err = secret.Optional(secret.FromDotenv(filepath.Join(dir, "none.env"))).Load(context.Background())
	require.NoError(t, err)
	assert.NotNil(t, m)
	assert.Empty(t, m)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = secret.Optional(secret.FromDotenv(a)).Load(ctx)
	assert.ErrorIs(t, err, context.Canceled, "a cancelled context is not a missing file")
}

func TestOptionalPrintsItsName(t *testing.T) {
	t.Parallel()
	src := secret.Optional(secret.FromDotenv("dev.env"))
	assert.Equal(t, "dotenv:dev.env", src.Name())
	for _, s := range []string{fmt.Sprint(src), fmt.Sprintf("%v %s %q %+v", src, src, src, src)} {
		assert.Contains(t, s, "dotenv:dev.env")
	}
	assert.Equal(t, `secret.Optional("dotenv:dev.env")`, fmt.Sprintf("%#v", src))
	j, err := json.Marshal(src)
	require.NoError(t, err)
	assert.Equal(t, `"dotenv:dev.env"`, string(j))
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("source", "src", src)
	assert.Contains(t, b.String(), "src=dotenv:dev.env")
}

func TestOptionalConformance(t *testing.T) {
	t.Parallel()
	secrettest.TestSource(t, secrettest.SourceHarness{
		New: func(t *testing.T, entries map[string]string) secret.Source {
			return secret.Optional(secret.FromMap(entries))
		},
		Broken: func(t *testing.T, canary string) secret.Source {
			path := filepath.Join(t.TempDir(), ".env")
			require.NoError(t, os.WriteFile(path, []byte("OK=1\nA=\""+canary+"\nB="+canary+"\n"), 0o600))
			return secret.Optional(secret.FromDotenv(path))
		},
	})
}

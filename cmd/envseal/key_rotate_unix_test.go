//go:build unix

package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// keyFileSandbox is a sandbox whose key is in a key file, not ENVSEAL_KEY.
func keyFileSandbox(t *testing.T) (*sandbox, string) {
	s := newSandbox(t)
	keyFile := filepath.Join(s.home, "keys", "store.key")
	require.NoError(t, os.MkdirAll(filepath.Dir(keyFile), 0o700))
	require.NoError(t, os.WriteFile(keyFile, []byte(s.key+"\n"), 0o600))
	s.extra = append(s.extra, "ENVSEAL_KEY_FILE="+keyFile)
	s.key = "" // the binary reads the file
	return s, keyFile
}

func TestKeyShow(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	k, err := secret.ParseKey(s.key)
	require.NoError(t, err)
	r := s.ok("", "key", "show")
	assert.Equal(t, "key id  "+k.ID()+"\nsource  ENVSEAL_KEY\n", r.stdout)
	assert.NotContains(t, r.stdout+r.stderr, strings.TrimPrefix(s.key, "envseal-key-1-")[:12])
	r = s.ok("", "key", "show", "--json")
	assert.JSONEq(t, `{"id":"`+k.ID()+`","source":"ENVSEAL_KEY"}`, r.stdout)
}

// TestKeyRotate: the new key is saved before any bundle is re-sealed; an
// interrupted rotation leaves every bundle under the old key or the new
// one, a reader with the old key is told which key id it needs, and running
// key rotate again finishes it.
func TestKeyRotate(t *testing.T) {
	t.Parallel()
	s, keyFile := keyFileSandbox(t)
	oldText, err := os.ReadFile(keyFile)
	require.NoError(t, err)
	oldKey, err := secret.ParseKey(string(oldText))
	require.NoError(t, err)
	st, err := secret.OpenFileStore(s.store, oldKey)
	require.NoError(t, err)
	ctx := context.Background()
	for _, n := range []string{"a", "b", "zz"} {
		require.NoError(t, st.Set(ctx, n, map[string]string{"K": "fake-" + n}))
	}
	prod, err := st.InEnvironment("prod")
	require.NoError(t, err)
	require.NoError(t, prod.Set(ctx, "p", map[string]string{"K": "fake-p"}))
	// A bundle that opens under no key makes the rotation stop partway,
	// after "a" and "b", as a crash would.
	junk := filepath.Join(s.store, "m-junk.sealed")
	require.NoError(t, os.WriteFile(junk, []byte("not sealed"), 0o600))

	r := s.runBinary("", "key", "rotate")
	require.Equal(t, exitFailure, r.code, r.stderr)
	assert.Contains(t, r.stderr, "run 'envseal key rotate' again to finish")
	next, err := os.ReadFile(keyFile + ".next")
	require.NoError(t, err, "the new key was not saved before re-sealing")
	newKey, err := secret.ParseKey(string(next))
	require.NoError(t, err)
	assert.Equal(t, string(oldText), string(mustRead(t, keyFile)), "the key file changed before the rotation finished")

	// A reader with the old key: a precise error naming the key it needs.
	_, err = st.Get(ctx, "a")
	var wk *secret.WrongKeyError
	require.True(t, errors.As(err, &wk), "%v", err)
	assert.Equal(t, newKey.ID(), wk.Sealed)
	r = s.runBinary("", "secrets", "get", "a")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, newKey.ID())
	assert.Contains(t, r.stderr, keyFile)
	// Every bundle is whole under one of the keys.
	fresh, err := secret.OpenFileStore(s.store, newKey)
	require.NoError(t, err)
	for _, n := range []string{"a", "b", "zz"} {
		_, e1 := st.Get(ctx, n)
		_, e2 := fresh.Get(ctx, n)
		assert.True(t, e1 == nil || e2 == nil, "bundle %s opens under neither key", n)
	}

	// Resume: the same command, once the junk is gone.
	require.NoError(t, os.Remove(junk))
	r = s.okBinary("", "key", "rotate")
	assert.Contains(t, r.stderr, "resuming the rotation to key id "+newKey.ID())
	assert.Equal(t, string(next), string(mustRead(t, keyFile)), "the key file is not the new key")
	assert.Equal(t, string(oldText), string(mustRead(t, keyFile+".old")))
	assert.NoFileExists(t, keyFile+".next")
	for _, n := range []string{"a", "b", "zz"} {
		got, err := fresh.Get(ctx, n)
		require.NoError(t, err)
		assert.Equal(t, "fake-"+n, got["K"])
	}
	prodFresh, err := fresh.InEnvironment("prod")
	require.NoError(t, err)
	got, err := prodFresh.Get(ctx, "p")
	require.NoError(t, err, "the prod environment was not rotated")
	assert.Equal(t, "fake-p", got["K"])
	r = s.okBinary("", "secrets", "get", "a", "--reveal")
	assert.Contains(t, r.stdout, "fake-a")
}

func TestKeyRotateFromEnvironmentVariable(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "K=fake-value")
	r := s.run("", "key", "rotate")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--next-key-file")
	next := filepath.Join(s.home, "new.key")
	r = s.ok("", "key", "rotate", "--next-key-file", next)
	k, err := secret.ParseKey(string(mustRead(t, next)))
	require.NoError(t, err)
	assert.Contains(t, r.stderr, "put the key in "+next+" in ENVSEAL_KEY")
	s.key = k.Encode()
	assert.Contains(t, s.ok("", "secrets", "get", "app", "--reveal").stdout, "fake-value")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// TestWriteUnderAnotherKeyRefused: a mistyped or stale key does not split
// the store: a write under it is refused, unless --allow-key-change.
func TestWriteUnderAnotherKeyRefused(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "K=fake-value")
	old := s.key
	other, err := secret.GenerateKey()
	require.NoError(t, err)
	s.key = other.Encode()
	r := s.run("", "secrets", "set", "new", "K=fake-new")
	assert.Equal(t, exitFailure, r.code)
	oldKey, _ := secret.ParseKey(old)
	assert.Contains(t, r.stderr, "sealed under key id "+oldKey.ID())
	assert.Contains(t, r.stderr, "(from ENVSEAL_KEY) has key id "+other.ID())
	s.ok("", "secrets", "set", "--allow-key-change", "new", "K=fake-new")
	s.key = old
	assert.Contains(t, s.ok("", "secrets", "get", "app", "--reveal").stdout, "fake-value")
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

func TestKeyGenerateDefaultPath(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.key = "" // the default key file is what LoadKey reads then
	path := filepath.Join(s.home, "config", "envseal", "key")

	r := s.ok("", "key", "generate")
	assert.Empty(t, r.stdout, "the key is not printed")
	assert.Contains(t, r.stderr, path)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())
	first, err := os.ReadFile(path)
	require.NoError(t, err)
	_, err = secret.ParseKey(strings.TrimSpace(string(first)))
	require.NoError(t, err, "the file holds a key in its text form")

	// The key works: a bundle can be set and read back.
	s.ok("", "secrets", "set", "app", "A=fake-value-one")
	assert.Equal(t, "fake-value-one\n", s.ok("", "secrets", "get", "--reveal", "app", "A").stdout)

	// A second generate refuses to overwrite it.
	r = s.run("", "key", "generate")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "--force")
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, string(first) == string(again), "the key file is unchanged")

	// --force replaces it.
	s.ok("", "key", "generate", "--force")
	forced, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.False(t, string(first) == string(forced), "the key file is new")
	fi, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

func TestKeyGenerateOut(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)

	r := s.ok("", "key", "generate", "--out", "-")
	_, err := secret.ParseKey(strings.TrimSpace(r.stdout))
	require.NoError(t, err, "--out - prints a key")
	_, err = os.Stat(filepath.Join(s.home, "config", "envseal", "key"))
	assert.ErrorIs(t, err, os.ErrNotExist, "--out - writes no file")

	out := filepath.Join(s.home, "keys", "ci.key")
	r = s.ok("", "key", "generate", "--out", out)
	assert.Empty(t, r.stdout)
	fi, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// ENVSEAL_KEY_FILE names the default path, and LoadKey reads it.
	s.key = ""
	kf := filepath.Join(s.home, "other", "key")
	s.extra = []string{"ENVSEAL_KEY_FILE=" + kf}
	s.ok("", "key", "generate")
	_, err = os.Stat(kf)
	require.NoError(t, err)
	s.ok("", "secrets", "set", "app", "A=fake-value-two")
}

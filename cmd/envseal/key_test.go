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

// readKeyFile returns the key in the file at path, which must be readable by
// its owner alone.
func readKeyFile(t *testing.T, path string) secret.Key {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	k, err := secret.ParseKey(strings.TrimSpace(string(data)))
	require.NoError(t, err, "the file holds a key in its text form")
	return k
}

// TestKeyGenerate writes the key file that ENVSEAL_KEY_FILE names, as key
// generate does by default; the user config dir is tested on the binary.
func TestKeyGenerate(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	path := filepath.Join(s.home, "keys", "default.key")
	s.extra = []string{"ENVSEAL_KEY_FILE=" + path}

	r := s.ok("", "key", "generate")
	assert.Empty(t, r.stdout, "the key is not printed")
	assert.Contains(t, r.stderr, "envseal: wrote a new key to "+path)
	assert.Contains(t, r.stderr, "envseal: note: ENVSEAL_KEY is set and takes precedence over this file")
	first := readKeyFile(t, path)
	di, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	// A second generate refuses to overwrite it.
	r = s.run("", "key", "generate")
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: "+path+" already exists; overwriting it would lose every bundle sealed with it: use --force if you mean it, or --out another file\n", r.stderr)
	assert.True(t, readKeyFile(t, path) == first, "the key file is unchanged")

	// --force replaces it.
	s.ok("", "key", "generate", "--force")
	assert.False(t, readKeyFile(t, path) == first, "the key file is new")
}

func TestKeyGenerateOut(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.key = ""

	r := s.ok("", "key", "generate", "--out", "-")
	_, err := secret.ParseKey(strings.TrimSpace(r.stdout))
	require.NoError(t, err, "--out - prints a key")
	assert.Empty(t, r.stderr)

	out := filepath.Join(s.home, "keys", "ci.key")
	r = s.ok("", "key", "generate", "--out", out)
	assert.Empty(t, r.stdout)
	assert.Equal(t, "envseal: wrote a new key to "+out+"; keep a copy somewhere safe: without it the store cannot be opened\n", r.stderr)
	readKeyFile(t, out)
}

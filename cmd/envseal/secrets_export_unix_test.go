//go:build unix

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExportDirRefusals checks that export --format dir writes into no
// folder that others can read, nor into a file.
func TestExportDirRefusals(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "A=fake-dir-refusal")
	open := filepath.Join(s.home, "open")
	require.NoError(t, os.Mkdir(open, 0o755))
	require.NoError(t, os.Chmod(open, 0o755))
	r := s.run("", "secrets", "export", "app", "--format", "dir", "--out", open, "--force")
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: "+open+" is accessible by group or others (mode 0755): run 'chmod 700 "+open+"', or choose another folder\n", r.stderr)
	file := s.write("file", "")
	r = s.run("", "secrets", "export", "app", "--format", "dir", "--out", file)
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: "+file+" is not a folder\n", r.stderr)
	entries, err := os.ReadDir(open)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

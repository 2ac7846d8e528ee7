//go:build unix

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestProjectRun runs COMMAND with the secrets of envseal.yml: the
// project's, a function's on top with -f, the flags' on top of both; and
// not at all when a required secret is missing.
func TestProjectRun(t *testing.T) {
	t.Parallel()
	s := projectSandbox(t)
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"project", nil, "API_TOKEN=fake-shared-token\nLOG_LEVEL=fake-env-level\nQUEUE_URL unset\n"},
		{"function api", []string{"-f", "api"}, "API_TOKEN=fake-api-token\nLOG_LEVEL=fake-env-level\nQUEUE_URL unset\n"},
		{"a flag on top", []string{"-f", "api", "--env", "LOG_LEVEL=fake-flag-level"}, "API_TOKEN=fake-api-token\nLOG_LEVEL=fake-flag-level\nQUEUE_URL unset\n"},
		{"--no-project", []string{"--no-project"}, "API_TOKEN unset\nLOG_LEVEL unset\nQUEUE_URL unset\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"run"}, tt.flags...), "--")
			r := s.ok("", append(args, helper(t, "env", "API_TOKEN", "LOG_LEVEL", "QUEUE_URL")...)...)
			assert.Equal(t, tt.want, r.stdout)
		})
	}

	// worker/inf.yml requires QUEUE_URL, which is unset: COMMAND does not run.
	marker := filepath.Join(s.home, "ran")
	r := s.run("", append([]string{"run", "-f", "worker", "--"}, helper(t, "touch", marker)...)...)
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: secrets do not satisfy the manifest:\n  missing QUEUE_URL: Where jobs come from\n", r.stderr)
	_, err := os.Stat(marker)
	assert.True(t, os.IsNotExist(err), "COMMAND ran")
	noValues(t, r, projectValues...)
}

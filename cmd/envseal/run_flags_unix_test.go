//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRunOwnFlagAfterCommand checks the rule for flags after COMMAND: with
// -- before COMMAND they are COMMAND's; without it, one spelled like a flag
// of run's own is refused, and COMMAND does not run; any other is COMMAND's.
func TestRunOwnFlagAfterCommand(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "A=fake-own-flag-value")
	refused := []struct {
		name string
		args []string // after COMMAND
		flag string
	}{
		{"bool flag", []string{"--redact"}, "--redact"},
		{"bool flag with a value", []string{"--redact=true"}, "--redact"},
		{"source flag", []string{"--secret", "app"}, "--secret"},
		{"source flag, = form", []string{"--env=A=fake-own-flag-canary"}, "--env"},
		{"pass", []string{"x", "--pass", "A"}, "--pass"},
		{"inherited flag", []string{"--store", "elsewhere"}, "--store"},
		{"after COMMAND's own --", []string{"--", "--manifest", "inf.yml"}, "--manifest"},
	}
	for _, tt := range refused {
		t.Run("refused/"+tt.name, func(t *testing.T) {
			t.Parallel()
			marker := filepath.Join(t.TempDir(), "ran")
			argv := append(helper(t, "touch", marker), tt.args...)
			r := s.run("", append([]string{"run", "--secret", "app"}, argv...)...)
			assert.Equal(t, exitUsage, r.code)
			assert.Equal(t, "envseal run: "+tt.flag+" after COMMAND: envseal will not guess whether it is envseal's or COMMAND's; "+
				"put -- before COMMAND to give it to COMMAND, or move it before COMMAND for envseal (see 'envseal run --help')\n", r.stderr)
			assert.Empty(t, r.stdout)
			noValues(t, r, "fake-own-flag-canary", "fake-own-flag-value")
			_, err := os.Stat(marker)
			assert.ErrorIs(t, err, os.ErrNotExist, "COMMAND ran")
		})
	}

	allowed := []struct {
		name string
		argv []string // after run
		want string
	}{
		{"-- before COMMAND", append([]string{"--secret", "app", "--"}, helper(t, "env", "--redact", "--secret")...),
			"--redact unset\n--secret unset\n"},
		{"-- first", append([]string{"--"}, helper(t, "env", "--store=x")...), "--store=x unset\n"},
		{"not a flag of run", append([]string{"--secret", "app"}, helper(t, "env", "--verbose", "-r", "A")...),
			"--verbose unset\n-r unset\nA=fake-own-flag-value\n"},
		{"help is COMMAND's", append([]string{"--secret", "app"}, helper(t, "env", "--help", "-h")...), "--help unset\n-h unset\n"},
		{"a prefix is not the flag", append([]string{"--secret", "app"}, helper(t, "env", "--sec", "--redacted")...),
			"--sec unset\n--redacted unset\n"},
	}
	for _, tt := range allowed {
		t.Run("allowed/"+tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.ok("", append([]string{"run"}, tt.argv...)...)
			assert.Equal(t, tt.want, r.stdout)
		})
	}
}

// TestRunPass passes variables of envseal's environment to COMMAND under
// their names or new ones.
func TestRunPass(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.extra = []string{"CI_TOKEN=fake-run-pass-token", "PLAIN=fake-run-pass-plain"}
	r := s.ok("", append([]string{"run", "--pass", "TOKEN=CI_TOKEN", "--pass", "PLAIN", "--"}, helper(t, "env", "TOKEN", "PLAIN", "CI_TOKEN")...)...)
	// CI_TOKEN is in envseal's environment, so COMMAND has it as well.
	assert.Equal(t, "TOKEN=fake-run-pass-token\nPLAIN=fake-run-pass-plain\nCI_TOKEN=fake-run-pass-token\n", r.stdout)

	r = s.run("", append([]string{"run", "--pass", "TOKEN=CI_TOKN", "--"}, helper(t, "env", "TOKEN")...)...)
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: --pass: not set in envseal's environment: CI_TOKN\n", r.stderr)
	assert.Empty(t, r.stdout, "COMMAND did not run")
	assert.False(t, strings.Contains(r.stderr, "fake-run-pass"))
}

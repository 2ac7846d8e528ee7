package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunEnvironment(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.extra = []string{"ENVSEAL_KEY_FILE=/nonexistent/fake-key-file", "KEEP=fake-kept", "OVER=fake-base"}
	s.ok("", "secrets", "set", "app", "A=fake-from-bundle", "OVER=fake-from-bundle-over")
	r := s.ok("", append([]string{"run", "--secret", "app", "--"}, helper(t, "env", "A", "OVER", "KEEP", "ENVSEAL_KEY", "ENVSEAL_KEY_FILE")...)...)
	assert.Equal(t, "A=fake-from-bundle\nOVER=fake-from-bundle-over\nKEEP=fake-kept\nENVSEAL_KEY unset\nENVSEAL_KEY_FILE unset\n", r.stdout)
	assert.NotContains(t, r.stdout+r.stderr, s.key[4:], "the key is not passed on")
}

// TestRunFlagOrder checks that sources apply in the order of their flags,
// whatever their kinds, the last one winning.
func TestRunFlagOrder(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "X=fake-bundle", "Y=fake-bundle")
	one := s.write("one.env", "X=fake-one\nY=fake-one\n")
	two := s.write("two.env", "X=fake-two\n")
	dir := filepath.Join(s.home, "secrets")
	s.write("secrets/X", "fake-dir\n")
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"dotenv then secret", []string{"--dotenv", one, "--secret", "app"}, "X=fake-bundle\nY=fake-bundle\n"},
		{"secret then dotenv", []string{"--secret", "app", "--dotenv", one}, "X=fake-one\nY=fake-one\n"},
		{"interleaved", []string{"--dotenv", one, "--env", "X=fake-flag", "--dotenv", two}, "X=fake-two\nY=fake-one\n"},
		{"env last", []string{"--dotenv", two, "--dir", dir, "--env", "X=fake-flag"}, "X=fake-flag\nY unset\n"},
		{"dir last", []string{"--env", "X=fake-flag", "--secret", "app", "--dir", dir}, "X=fake-dir\nY=fake-bundle\n"},
		{"equals form", []string{"--secret=app", "--dotenv=" + two}, "X=fake-two\nY=fake-bundle\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"run"}, tt.flags...), "--")
			r := s.ok("", append(args, helper(t, "env", "X", "Y")...)...)
			assert.Equal(t, tt.want, r.stdout)
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		argv []string
		code int
	}{
		{"success", []string{"exit", "0"}, 0},
		{"child's own code", []string{"exit", "7"}, 7},
		{"killed by SIGKILL", []string{"kill-self"}, 128 + 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			r := s.run("", append([]string{"run", "--"}, helper(t, tt.argv...)...)...)
			assert.Equal(t, tt.code, r.code)
			assert.NotContains(t, r.stderr, "goroutine")
		})
	}
	t.Run("not found", func(t *testing.T) {
		t.Parallel()
		s := newSandbox(t)
		r := s.run("", "run", "--", "/nonexistent/fake-command")
		assert.Equal(t, 127, r.code)
		assert.Contains(t, r.stderr, "fake-command")
	})
	t.Run("flags after COMMAND are its own", func(t *testing.T) {
		t.Parallel()
		s := newSandbox(t)
		r := s.ok("", append([]string{"run"}, helper(t, "env", "--secret")...)...)
		assert.Equal(t, "--secret unset\n", r.stdout)
	})
}

func TestRunMissingSecret(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	manifest := s.write("inf.yml", `secrets:
  - key: OPENAI_API_KEY
    description: The OpenAI key, from platform.openai.com
  - key: DB_URL
    description: Where the database lives
  - key: PRESENT
  - key: EXTRA
    optional: true
`)
	marker := filepath.Join(s.home, "ran")
	r := s.run("", append([]string{"run", "--manifest", manifest, "--env", "PRESENT=fake-present", "--"}, helper(t, "touch", marker)...)...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "OPENAI_API_KEY: The OpenAI key, from platform.openai.com")
	assert.Contains(t, r.stderr, "DB_URL: Where the database lives")
	assert.NotContains(t, r.stderr, "EXTRA")
	_, err := os.Stat(marker)
	assert.ErrorIs(t, err, os.ErrNotExist, "COMMAND did not run")
	noValues(t, r, "fake-present")

	// Strict: an undeclared key fails too.
	r = s.run("", append([]string{"run", "--manifest", manifest, "--strict", "--env", "PRESENT=fake-present", "--env", "OPENAI_API_KEY=fake-k",
		"--env", "DB_URL=fake-db-url", "--env", "STRAY=fake-stray", "--"}, helper(t, "touch", marker)...)...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "STRAY")
	_, err = os.Stat(marker)
	assert.ErrorIs(t, err, os.ErrNotExist, "COMMAND did not run")

	// Satisfied: it runs.
	s.ok("", append([]string{"run", "--manifest", manifest, "--env", "PRESENT=fake-present", "--env", "OPENAI_API_KEY=fake-k",
		"--env", "DB_URL=fake-db-url", "--"}, helper(t, "touch", marker)...)...)
	_, err = os.Stat(marker)
	assert.NoError(t, err, "COMMAND ran")
}

// TestRunForwardsSignals sends a signal to envseal and checks that the child,
// which traps it, gets it once and exits on its own terms.
func TestRunForwardsSignals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sig  syscall.Signal
	}{
		{"TERM", syscall.SIGTERM},
		{"INT", syscall.SIGINT}, // no terminal here: forwarded
		{"HUP", syscall.SIGHUP},
		{"USR1", syscall.SIGUSR1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			cmd := s.command("", append([]string{"run", "--"}, helper(t, "trap", tt.name, "42")...)...)
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			require.NoError(t, cmd.Start())
			lines := bufio.NewScanner(stdout)
			require.True(t, lines.Scan(), "the child starts")
			require.Equal(t, "ready", lines.Text())
			require.NoError(t, cmd.Process.Signal(tt.sig))
			var rest []string
			for lines.Scan() {
				rest = append(rest, lines.Text())
			}
			err = cmd.Wait()
			assert.Error(t, err)
			assert.Equal(t, 42, cmd.ProcessState.ExitCode(), "the child's own exit code")
			assert.Equal(t, []string{"got " + tt.name}, rest, "delivered once")
			assert.Empty(t, stderr.String())
		})
	}
}

func TestRunRedact(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	const value = "fake-redact-me-0123456789"
	s.ok("", "secrets", "set", "app", "TOKEN="+value, "SHORT=fake1")
	// The child writes the value in two pieces with a pause between.
	half := len(value) / 2
	start := time.Now()
	r := s.ok("", append([]string{"run", "--secret", "app", "--redact", "--"}, helper(t, "split", "token="+value[:half], value[half:]+" short=fake1")...)...)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "the child paused")
	assert.Equal(t, "token=[REDACTED:TOKEN] short=fake1\n", r.stdout)
	assert.Equal(t, "token=[REDACTED:TOKEN] short=fake1\n", r.stderr)
	noValues(t, r, value)

	// Without --redact the child owns the output.
	r = s.ok("", append([]string{"run", "--secret", "app", "--"}, helper(t, "split", "token="+value[:half], value[half:])...)...)
	assert.True(t, strings.Contains(r.stdout, value), "the value is passed through unchanged")
}

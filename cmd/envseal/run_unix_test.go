//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

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
	s := newSandbox(t)
	notRunnable := s.write("not-executable", "#!/bin/sh\n")
	tests := []struct {
		name   string
		argv   []string
		code   int
		stderr string
	}{
		{"success", helper(t, "exit", "0"), 0, ""},
		{"child's own code", helper(t, "exit", "7"), 7, ""},
		{"killed by SIGKILL", helper(t, "kill-self"), 128 + 9, ""},
		{"not found", []string{"/nonexistent/fake-command"}, 127,
			"envseal: /nonexistent/fake-command: no such file, or its #! interpreter does not exist\n"},
		{"not in PATH", []string{"fake-command-not-in-path"}, 127, "envseal: fake-command-not-in-path: command not found in $PATH\n"},
		{"not runnable", []string{notRunnable}, 126, "envseal: " + notRunnable + ": permission denied\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.run("", append([]string{"run", "--"}, tt.argv...)...)
			assert.Equal(t, tt.code, r.code)
			assert.Equal(t, tt.stderr, r.stderr)
		})
	}
	t.Run("after --, flags are COMMAND's", func(t *testing.T) {
		t.Parallel()
		r := s.ok("", append([]string{"run", "--"}, helper(t, "env", "--secret")...)...)
		assert.Equal(t, "--secret unset\n", r.stdout)
	})
}

// TestBinaryExitCodes checks the exit codes of the envseal process itself.
func TestBinaryExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"success", []string{"secrets", "list"}, exitOK},
		{"failure", []string{"secrets", "get", "nope"}, exitFailure},
		{"usage", []string{"secrets", "get"}, exitUsage},
		{"COMMAND's code", append([]string{"run", "--"}, helper(t, "exit", "7")...), 7},
		{"COMMAND killed", append([]string{"run", "--"}, helper(t, "kill-self")...), 128 + 9},
		{"COMMAND not found", []string{"run", "--", "/nonexistent/fake-command"}, 127},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			r := s.runBinary("", tt.args...)
			assert.Equal(t, tt.code, r.code)
			assert.NotContains(t, r.stderr, "goroutine")
		})
	}
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
	assert.Equal(t, exitFailure, r.code)
	assert.True(t, strings.HasPrefix(r.stderr, "envseal: "), "said by envseal: %q", r.stderr)
	assert.Contains(t, r.stderr, "OPENAI_API_KEY: The OpenAI key, from platform.openai.com")
	assert.Contains(t, r.stderr, "DB_URL: Where the database lives")
	assert.NotContains(t, r.stderr, "EXTRA")
	_, err := os.Stat(marker)
	assert.ErrorIs(t, err, os.ErrNotExist, "COMMAND did not run")
	noValues(t, r, "fake-present")

	// Strict: an undeclared key fails too.
	r = s.run("", append([]string{"run", "--manifest", manifest, "--strict", "--env", "PRESENT=fake-present", "--env", "OPENAI_API_KEY=fake-k",
		"--env", "DB_URL=fake-db-url", "--env", "STRAY=fake-stray", "--"}, helper(t, "touch", marker)...)...)
	assert.Equal(t, exitFailure, r.code)
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

// TestRunRedact runs envseal in this process with pipes for its standard
// streams, to see what comes out of the redactor between two writes of the
// child.
func TestRunRedact(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	const value = "fake-redact-me-0123456789"
	s.ok("", "secrets", "set", "app", "TOKEN="+value, "SHORT=fake1")
	half := len(value) / 2

	// The child writes "token=" and half the value, then waits for a line on
	// its stdin before it writes the other half: the two halves are two
	// writes, the second made only after envseal has passed on the first.
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	stderrR, stderrW := io.Pipe()
	stdout, stderr := watch(stdoutR), watch(stderrR)
	args := append([]string{"run", "--secret", "app", "--redact", "--"}, helper(t, "split", "token="+value[:half], value[half:]+" short=fake1")...)
	code := make(chan int, 1)
	go func() {
		code <- executeIn(s.environment(), args, stdinR, stdoutW, stderrW)
		stdoutW.Close()
		stderrW.Close()
	}()

	// What is not part of a value comes out at once; the half value is held.
	for name, w := range map[string]*watched{"stdout": stdout, "stderr": stderr} {
		assert.Equal(t, "token=", w.until("token="), "%s before the second write", name)
	}
	_, err := stdinW.Write([]byte("go on\n"))
	require.NoError(t, err)
	stdinW.Close()
	outs := map[string]string{"stdout": stdout.all(), "stderr": stderr.all()}
	require.Equal(t, 0, <-code)
	for name, got := range outs {
		assert.True(t, got == "token=[REDACTED:TOKEN] short=fake1\n", "%s is not redacted as expected", name)
		assert.NotContains(t, got, value[:half])
		assert.NotContains(t, got, value[half:])
	}

	// Without --redact the child owns the output.
	r := s.ok("go on\n", append([]string{"run", "--secret", "app", "--"}, helper(t, "split", "token="+value[:half], value[half:])...)...)
	assert.True(t, strings.Contains(r.stdout, value), "the value is passed through unchanged")
}

// watched collects what is written to a pipe.
type watched struct {
	chunks chan []byte // closed at EOF
	got    []byte
}

// watch starts collecting what r reads.
func watch(r io.Reader) *watched {
	w := &watched{chunks: make(chan []byte, 64)}
	go func() {
		defer close(w.chunks)
		for {
			buf := make([]byte, 4096)
			n, err := r.Read(buf)
			if n > 0 {
				w.chunks <- buf[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	return w
}

// until reads until what was read contains s, or EOF, and returns what was
// read so far.
func (w *watched) until(s string) string {
	for !strings.Contains(string(w.got), s) {
		c, ok := <-w.chunks
		if !ok {
			break
		}
		w.got = append(w.got, c...)
	}
	return string(w.got)
}

// all reads to EOF and returns everything read.
func (w *watched) all() string {
	for c := range w.chunks {
		w.got = append(w.got, c...)
	}
	return string(w.got)
}

// A process that COMMAND leaves in the background keeps the redactor's pipe
// open; run --redact must not wait for it.
func TestRunRedactDoesNotWaitForBackgroundOutput(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "TOKEN=fake-background-0123456789")
	r := s.run("", "run", "--secret", "app", "--redact", "--", "sh", "-c", "sleep 20 & echo done $TOKEN")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, "done [REDACTED:TOKEN]\n", r.stdout)
	assert.Equal(t, "envseal: sh exited, but a process it started kept its output open; stopped reading it after 2s\n", r.stderr)
}

// TestRunExec: with --exec, envseal becomes COMMAND: the same process, with
// the secrets and without the key variables; a COMMAND that cannot be run
// exits 127 or 126; --exec with what needs envseal to stay is a usage error.
func TestRunExec(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "TOKEN=fake-exec-token")
	cmd := s.command("", "run", "--exec", "--secret", "app", "--", "sh", "-c", `echo "pid $$ TOKEN=$TOKEN key=${ENVSEAL_KEY:-unset}"`)
	var out bytes.Buffer
	cmd.Stdout = &out
	require.NoError(t, cmd.Run())
	assert.Equal(t, fmt.Sprintf("pid %d TOKEN=fake-exec-token key=unset\n", cmd.Process.Pid), out.String(), "COMMAND is envseal's own process")

	r := s.runBinary("", append([]string{"run", "--exec", "--"}, helper(t, "exit", "7")...)...)
	assert.Equal(t, 7, r.code)
	r = s.runBinary("", "run", "--exec", "--", "/nonexistent/fake-command")
	assert.Equal(t, 127, r.code)
	assert.Equal(t, s.runBinary("", "run", "--", "/nonexistent/fake-command").stderr, r.stderr, "the message of run without --exec")
	r = s.runBinary("", "run", "--exec", "--", "fake-command-not-in-path")
	assert.Equal(t, 127, r.code)
	assert.Equal(t, "envseal: fake-command-not-in-path: command not found in $PATH\n", r.stderr)
	notExec := s.write("notexec", "#!/bin/sh\n")
	r = s.runBinary("", "run", "--exec", "--", notExec)
	assert.Equal(t, 126, r.code)
	for _, flag := range []string{"--redact", "--files-auto", "--watch"} {
		r = s.run("", "run", "--exec", flag, "--env", "A=fake-1", "--", "true")
		assert.Equal(t, 2, r.code, flag)
		assert.Contains(t, r.stderr, "--exec hands the process over to COMMAND", flag)
	}
}

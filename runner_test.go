//go:build unix

package secret_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// bound is how long a test waits for an event before it gives up: it bounds
// a hang, it is not a speed target.
const bound = 60 * time.Second

// helper returns the argv that runs the test binary as the Runner helper
// MODE with args (see runner_helper_test.go).
func helper(t *testing.T, mode string, args ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	return append([]string{exe, "-envseal-runner-helper", mode}, args...)
}

// lines reads what a process writes to a pipe, line by line.
type lines struct {
	ch chan string // closed at EOF
}

// readLines starts reading r.
func readLines(r io.Reader) *lines {
	l := &lines{ch: make(chan string, 64)}
	go func() {
		defer close(l.ch)
		s := bufio.NewScanner(r)
		for s.Scan() {
			l.ch <- s.Text()
		}
	}()
	return l
}

// next returns the next line; it fails the test at EOF.
func (l *lines) next(t *testing.T) string {
	t.Helper()
	select {
	case s, ok := <-l.ch:
		require.True(t, ok, "the process ended its output")
		return s
	case <-time.After(bound):
		t.Fatal("no line after", bound)
		return ""
	}
}

// expect reads the next line and checks it is want.
func (l *lines) expect(t *testing.T, want string) {
	t.Helper()
	require.Equal(t, want, l.next(t))
}

// rest returns the lines up to EOF.
func (l *lines) rest(t *testing.T) []string {
	t.Helper()
	var out []string
	for {
		select {
		case s, ok := <-l.ch:
			if !ok {
				return out
			}
			out = append(out, s)
		case <-time.After(bound):
			t.Fatal("no EOF after", bound)
		}
	}
}

// pipe returns an os.Pipe, closed at the end of the test.
func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// interactive is a Runner's child talked to through pipes: the writer of
// its standard input and the lines of its standard output.
type interactive struct {
	stdin  *os.File
	stdout *lines
	childW []*os.File // the child's ends, which this process holds too
}

// talkTo sets r up to talk to its child through pipes. Call it before Start.
// The child's ends of the pipes stay open in this process until release:
// every child after a Restart, and the Redactors, need them.

func talkTo(t *testing.T, r *secret.Runner) *interactive {
	t.Helper()
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	r.Stdin, r.Stdout = inR, outW
	return &interactive{stdin: inW, stdout: readLines(outR), childW: []*os.File{inR, outW}}
}

// release closes this process's copies of the child's ends of the pipes, so
// that the output ends when the child does.
func (c *interactive) release() {
	for _, f := range c.childW {
		f.Close()
	}
}

// say writes a line to the child's standard input.
func (c *interactive) say(t *testing.T, line string) {
	t.Helper()
	_, err := io.WriteString(c.stdin, line+"\n")
	require.NoError(t, err)
}

func resolve(t *testing.T, m map[string]string) *secret.Env {
	t.Helper()
	env, err := secret.Resolve(context.Background(), secret.FromMap(m))
	require.NoError(t, err)
	return env
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestRunnerEnvironment(t *testing.T) {
	t.Parallel()
	env := resolve(t, map[string]string{"A": "fake-a", "OVER": "fake-over"})
	var out bytes.Buffer
	r := &secret.Runner{
		Args: helper(t, "env", "A", "OVER", "KEEP", "DUP", "ENVSEAL_KEY", "ENVSEAL_KEY_FILE", "ENVSEAL_STORE"),
		Env:  env,
		Environ: []string{
			"ENVSEAL_KEY=fake-store-key", "ENVSEAL_KEY_FILE=/fake/key", "ENVSEAL_STORE=/fake/store",
			"KEEP=fake-kept", "OVER=fake-base", "DUP=fake-first", "DUP=fake-last",
		},
		Stdout: &out,
	}
	require.NoError(t, r.Run(context.Background()))
	assert.Equal(t, "A=fake-a\nOVER=fake-over\nKEEP=fake-kept\nDUP=fake-last\n"+
		"ENVSEAL_KEY unset\nENVSEAL_KEY_FILE unset\nENVSEAL_STORE=/fake/store\n", out.String())
	assert.Equal(t, 0, r.ExitCode())
}

// TestRunnerEnvironmentDefault runs a child with the default base
// environment, this process's, which holds a store key: the child must not
// get it. It sets the process environment, so it cannot run in parallel.
func TestRunnerEnvironmentDefault(t *testing.T) {
	t.Setenv("ENVSEAL_KEY", "fake-store-key")
	t.Setenv("ENVSEAL_KEY_FILE", "/fake/key")
	t.Setenv("FAKE_BASE", "fake-base")
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"key variables dropped", map[string]string{"A": "fake-a"},
			"A=fake-a\nFAKE_BASE=fake-base\nENVSEAL_KEY unset\nENVSEAL_KEY_FILE unset\n"},
		{"unless the Env sets them", map[string]string{"A": "fake-a", "ENVSEAL_KEY": "fake-workload-key"},
			"A=fake-a\nFAKE_BASE=fake-base\nENVSEAL_KEY=fake-workload-key\nENVSEAL_KEY_FILE unset\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			argv := helper(t, "env", "A", "FAKE_BASE", "ENVSEAL_KEY", "ENVSEAL_KEY_FILE")
			r := secret.Command(resolve(t, tt.env), argv[0], argv[1:]...)
			r.Stdout = &out
			require.NoError(t, r.Run(context.Background()))
			assert.Equal(t, tt.want, out.String())
		})
	}
}

func TestRunnerDir(t *testing.T) {
	t.Parallel()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	var out bytes.Buffer
	r := &secret.Runner{Args: helper(t, "pwd"), Dir: dir, Stdout: &out}
	require.NoError(t, r.Run(context.Background()))
	assert.Equal(t, dir+"\n", out.String())
}

func TestRunnerExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notExec := filepath.Join(dir, "not-executable")
	require.NoError(t, os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o600))
	tests := []struct {
		name   string
		args   []string
		dir    string
		code   int
		signal os.Signal
	}{
		{name: "success", args: helper(t, "exit", "0"), code: 0},
		{name: "child's own code", args: helper(t, "exit", "3"), code: 3},
		{name: "killed by SIGKILL", args: helper(t, "kill-self", "KILL"), code: 128 + 9, signal: syscall.SIGKILL},
		{name: "killed by SIGTERM", args: helper(t, "kill-self", "TERM"), code: 128 + 15, signal: syscall.SIGTERM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &secret.Runner{Args: tt.args, Dir: tt.dir}
			err := r.Run(context.Background())
			assert.Equal(t, tt.code, r.ExitCode())
			if tt.code == 0 {
				assert.NoError(t, err)
				return
			}
			var ee *secret.ExitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, tt.code, ee.Code)
			assert.Equal(t, tt.signal, ee.Signal)
			if tt.signal != nil {
				assert.Equal(t, "signal: "+tt.signal.String(), err.Error())
			} else {
				assert.Equal(t, "exit status "+strconv.Itoa(tt.code), err.Error())
			}
		})
	}

	starts := []struct {
		name string
		args []string
		dir  string
		code int
		is   error
		msg  string
	}{
		{"no such file", []string{"/nonexistent/fake-command"}, "", 127, fs.ErrNotExist,
			"/nonexistent/fake-command: no such file, or its #! interpreter does not exist"},
		{"not in PATH", []string{"fake-command-not-in-path"}, "", 127, exec.ErrNotFound,
			"fake-command-not-in-path: command not found in $PATH"},
		{"not executable", []string{notExec}, "", 126, fs.ErrPermission, notExec + ": permission denied"},
		{"a folder", []string{dir}, "", 126, fs.ErrPermission, dir + ": permission denied"},
		{"no such Dir", helper(t, "exit", "0"), filepath.Join(dir, "nope"), 126, fs.ErrNotExist, ""},
		{"Dir is a file", helper(t, "exit", "0"), notExec, 126, syscall.ENOTDIR, ""},
	}
	for _, tt := range starts {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &secret.Runner{Args: tt.args, Dir: tt.dir}
			err := r.Start(context.Background())
			var se *secret.StartError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.code, se.Code)
			assert.Equal(t, tt.args[0], se.Path)
			assert.ErrorIs(t, err, tt.is)
			if tt.msg != "" {
				assert.Equal(t, tt.msg, err.Error())
			} else {
				assert.Contains(t, err.Error(), tt.dir)
			}
			assert.Equal(t, err, r.Wait(), "Wait says it again")
			assert.Equal(t, tt.code, r.ExitCode())
		})
	}
}

func TestRunnerMisuse(t *testing.T) {
	t.Parallel()
	var r secret.Runner
	assert.Error(t, r.Start(context.Background()), "no command")
	assert.Error(t, r.Wait(), "not started")
	assert.Error(t, r.Signal(syscall.SIGTERM), "not started")
	assert.Error(t, r.Restart(nil), "not started")
	assert.Equal(t, -1, r.ExitCode())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r = secret.Runner{Args: helper(t, "exit", "0")}
	assert.ErrorIs(t, r.Start(ctx), context.Canceled, "a done context starts nothing")

	r = secret.Runner{Args: helper(t, "exit", "0")}
	require.NoError(t, r.Run(context.Background()))
	assert.Error(t, r.Start(context.Background()), "a Runner runs once")
	assert.ErrorIs(t, r.Signal(syscall.SIGTERM), os.ErrProcessDone)
	assert.ErrorIs(t, r.Restart(nil), os.ErrProcessDone)
}

// TestRunnerStopsOnCancel cancels the context of a child that traps SIGTERM:
// it gets SIGTERM once and exits on its own terms.
func TestRunnerStopsOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &secret.Runner{Args: helper(t, "trap", "TERM", "42")}
	c := talkTo(t, r)
	require.NoError(t, r.Start(ctx))
	c.release()
	c.stdout.expect(t, "ready")
	cancel()
	c.stdout.expect(t, "got TERM")
	c.say(t, "") // no second SIGTERM can be on its way now
	c.stdout.expect(t, "count 1")
	var ee *secret.ExitError
	require.ErrorAs(t, r.Wait(), &ee)
	assert.Equal(t, 42, ee.Code)
	assert.Nil(t, ee.Signal)
}

// TestRunnerGrace cancels the context of a child that ignores SIGTERM: it
// still runs after SIGTERM, and is killed once the grace period is over.
func TestRunnerGrace(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &secret.Runner{Args: helper(t, "ignore", "TERM"), Grace: 3 * time.Second}
	c := talkTo(t, r)
	require.NoError(t, r.Start(ctx))
	c.release()
	c.stdout.expect(t, "ready")
	cancel()
	c.stdout.expect(t, "got TERM")
	c.say(t, "ping")
	c.stdout.expect(t, "pong") // alive after SIGTERM: not killed at once
	var ee *secret.ExitError
	require.ErrorAs(t, r.Wait(), &ee)
	assert.Equal(t, 128+9, ee.Code)
	assert.Equal(t, syscall.SIGKILL, ee.Signal)
	assert.Equal(t, 128+9, r.ExitCode())
}

// TestRunnerSignal sends a signal to the child through the Runner.
func TestRunnerSignal(t *testing.T) {
	t.Parallel()
	r := &secret.Runner{Args: helper(t, "trap", "USR1", "42")}
	c := talkTo(t, r)
	require.NoError(t, r.Start(context.Background()))
	c.release()
	c.stdout.expect(t, "ready")
	require.NoError(t, r.Signal(syscall.SIGUSR1))
	c.stdout.expect(t, "got USR1")
	c.say(t, "")
	c.stdout.expect(t, "count 1")
	var ee *secret.ExitError
	require.ErrorAs(t, r.Wait(), &ee)
	assert.Equal(t, 42, ee.Code)
	assert.ErrorIs(t, r.Signal(syscall.SIGUSR1), os.ErrProcessDone)
}

func TestRunnerRedact(t *testing.T) {
	t.Parallel()
	const value = "fake-redact-me-0123456789"
	env := resolve(t, map[string]string{"TOKEN": value, "SHORT": "fake1"})
	half := len(value) / 2

	// The child writes "token=" and half the value, then waits for a line on
	// its stdin before it writes the other half: the two halves are two
	// writes, the second made only after the Runner has passed on the first.
	inR, inW := pipe(t)
	outR, outW := pipe(t)
	errR, errW := pipe(t)
	r := &secret.Runner{
		Args:   helper(t, "split", "token="+value[:half], value[half:]+" short=fake1"),
		Env:    env,
		Stdin:  inR,
		Stdout: outW,
		Stderr: errW,
		Redact: true,
	}
	require.NoError(t, r.Start(context.Background()))
	inR.Close()

	// What is not part of a value comes out at once; the half value is held.
	for name, f := range map[string]*os.File{"stdout": outR, "stderr": errR} {
		var got []byte
		buf := make([]byte, 256)
		for !bytes.Contains(got, []byte("token=")) {
			n, err := f.Read(buf)
			require.NoError(t, err, name)
			got = append(got, buf[:n]...)
		}
		assert.Equal(t, "token=", string(got), "%s before the second write", name)
	}
	_, err := inW.Write([]byte("go on\n"))
	require.NoError(t, err)
	require.NoError(t, r.Wait())
	outW.Close() // the Runner wrote through these; the child never had them
	errW.Close()
	for name, f := range map[string]*os.File{"stdout": outR, "stderr": errR} {
		got, err := io.ReadAll(f)
		require.NoError(t, err)
		assert.True(t, string(got) == "[REDACTED:TOKEN] short=fake1\n", "%s is not redacted as expected", name)
		assert.NotContains(t, string(got), value[half:])
	}
}

// TestRunnerRedactOneWriter gives the child one writer for its output and
// error, not safe for concurrent use: the Runner must redact both through
// one Redactor, in order (the race detector watches).
func TestRunnerRedactOneWriter(t *testing.T) {
	t.Parallel()
	env := resolve(t, map[string]string{"TOKEN": "fake-one-writer-0123456789"})
	var out bytes.Buffer
	r := &secret.Runner{
		Args:   []string{"sh", "-c", `echo "out $TOKEN"; echo "err $TOKEN" >&2; echo "out again $TOKEN"`},
		Env:    env,
		Stdout: &out,
		Stderr: &out,
		Redact: true,
	}
	require.NoError(t, r.Run(context.Background()))
	assert.True(t, out.String() == "out [REDACTED:TOKEN]\nerr [REDACTED:TOKEN]\nout again [REDACTED:TOKEN]\n", "not redacted as expected")
}

// A process that the child leaves in the background keeps the redactor's
// pipe open; the Runner must not wait for it.
func TestRunnerRedactDoesNotWaitForBackgroundOutput(t *testing.T) {
	t.Parallel()
	env := resolve(t, map[string]string{"TOKEN": "fake-background-0123456789"})
	var out syncBuffer
	r := &secret.Runner{
		Args:   []string{"sh", "-c", `sleep 60 & echo "bg $!"; echo "done $TOKEN"`},
		Env:    env,
		Stdout: &out,
		Redact: true,
	}
	err := r.Run(context.Background())
	lines := strings.Split(out.String(), "\n")
	if pid, perr := strconv.Atoi(strings.TrimPrefix(lines[0], "bg ")); perr == nil {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	assert.ErrorIs(t, err, exec.ErrWaitDelay)
	assert.Contains(t, err.Error(), "kept its output open")
	assert.Equal(t, 0, r.ExitCode())
	require.Len(t, lines, 3)
	assert.True(t, lines[1] == "done [REDACTED:TOKEN]", "not redacted as expected")
}

// TestRunnerRestart restarts a child with new secrets: the new child sees
// them, the output redacts the new values and still the old ones.
func TestRunnerRestart(t *testing.T) {
	t.Parallel()
	const one, two = "fake-first-value-0123", "fake-second-value-4567"
	env1 := resolve(t, map[string]string{"TOKEN": one})
	env2 := resolve(t, map[string]string{"TOKEN2": two})
	tests := []struct {
		name   string
		redact bool
		want   [][]string // what each child prints
	}{
		{"plain", false, [][]string{
			{"TOKEN=" + one, "TOKEN2=", "echo " + one, "ready"},
			{"TOKEN=", "TOKEN2=" + two, "echo " + one, "ready"},
		}},
		{"redacted", true, [][]string{
			{"TOKEN=[REDACTED:TOKEN]", "TOKEN2=", "echo [REDACTED:TOKEN]", "ready"},
			{"TOKEN=", "TOKEN2=[REDACTED:TOKEN2]", "echo [REDACTED:TOKEN]", "ready"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &secret.Runner{Args: helper(t, "serve", one, "TOKEN", "TOKEN2"), Env: env1, Redact: tt.redact}
			c := talkTo(t, r)
			require.NoError(t, r.Start(context.Background()))
			for _, want := range tt.want[0] {
				c.stdout.expect(t, want)
			}
			require.NoError(t, r.Restart(env2))
			for _, want := range tt.want[1] {
				c.stdout.expect(t, want)
			}
			require.NoError(t, r.Signal(syscall.SIGUSR1)) // serve exits 7
			var ee *secret.ExitError
			require.ErrorAs(t, r.Wait(), &ee)
			assert.Equal(t, 7, ee.Code)
			assert.Equal(t, 7, r.ExitCode())
			c.release()
			assert.Empty(t, c.stdout.rest(t))
			assert.ErrorIs(t, r.Restart(env1), os.ErrProcessDone)
		})
	}
}

// TestRunnerAddRedacted: values added while the child runs are redacted at
// once, and the first ones still are; the child's environment is unchanged.
func TestRunnerAddRedacted(t *testing.T) {
	t.Parallel()
	const one, two = "fake-first-value-0123", "fake-second-value-4567"
	r := &secret.Runner{Args: helper(t, "echo"), Env: resolve(t, map[string]string{"TOKEN": one}), Redact: true}
	c := talkTo(t, r)
	r.AddRedacted(resolve(t, map[string]string{"IGNORED": two})) // before Start: nothing
	require.NoError(t, r.Start(context.Background()))
	c.say(t, "a "+one+" b "+two)
	c.stdout.expect(t, "a [REDACTED:TOKEN] b "+two)
	r.AddRedacted(resolve(t, map[string]string{"TOKEN2": two}))
	c.say(t, "a "+one+" b "+two)
	c.stdout.expect(t, "a [REDACTED:TOKEN] b [REDACTED:TOKEN2]")
	c.stdin.Close()
	require.NoError(t, r.Wait())
	c.release()
	assert.Empty(t, c.stdout.rest(t))
}

// TestRunnerRestartStubbornChild restarts a child that ignores SIGTERM: it is
// killed after the grace period, and the new one starts.
func TestRunnerRestartStubbornChild(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &secret.Runner{Args: helper(t, "ignore", "TERM"), Grace: time.Second}
	c := talkTo(t, r)
	require.NoError(t, r.Start(ctx))
	c.stdout.expect(t, "ready")
	require.NoError(t, r.Restart(nil))
	c.stdout.expect(t, "got TERM")
	c.stdout.expect(t, "ready")
	c.say(t, "ping")
	c.stdout.expect(t, "pong")
	cancel()
	c.stdout.expect(t, "got TERM")
	var ee *secret.ExitError
	require.ErrorAs(t, r.Wait(), &ee)
	assert.Equal(t, syscall.SIGKILL, ee.Signal)
}

// TestRunnerRestartAfterCancel asks for a restart once the context is done:
// the child is being stopped, and is not started again.
func TestRunnerRestartAfterCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &secret.Runner{Args: helper(t, "ignore", "TERM"), Grace: time.Hour}
	c := talkTo(t, r)
	require.NoError(t, r.Start(ctx))
	c.stdout.expect(t, "ready")
	cancel()
	c.stdout.expect(t, "got TERM")
	assert.ErrorIs(t, r.Restart(nil), context.Canceled)
	require.NoError(t, r.Signal(syscall.SIGKILL))
	var ee *secret.ExitError
	require.ErrorAs(t, r.Wait(), &ee)
	assert.Equal(t, syscall.SIGKILL, ee.Signal)
	c.release()
	assert.Empty(t, c.stdout.rest(t), "no second child")
}

// TestRunnerRestartStartFailure removes the program before a restart: the
// Runner is done, with the StartError.
func TestRunnerRestartStartFailure(t *testing.T) {
	t.Parallel()
	script := filepath.Join(t.TempDir(), "worker")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho ready\nexec sleep 600\n"), 0o700))
	r := &secret.Runner{Args: []string{script}}
	c := talkTo(t, r)
	require.NoError(t, r.Start(context.Background()))
	c.stdout.expect(t, "ready")
	require.NoError(t, os.Remove(script))
	err := r.Restart(nil)
	var se *secret.StartError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 127, se.Code)
	assert.Equal(t, err, r.Wait())
	assert.Equal(t, 127, r.ExitCode())
}

// host starts the test binary as a host process that runs argv through a
// Runner (see runnerHost), in a session of its own: it has no controlling
// terminal, whether or not go test runs in one.
type host struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *lines // the child's
	stderr *lines // the host's reports: "forwarded SIG", "kept SIG"
}

func startHost(t *testing.T, argv ...string) *host {
	t.Helper()
	h := &host{cmd: exec.Command(helper(t, "host")[0], append(helper(t, "host")[1:], argv...)...)}
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var err error
	h.stdin, err = h.cmd.StdinPipe()
	require.NoError(t, err)
	out, err := h.cmd.StdoutPipe()
	require.NoError(t, err)
	errs, err := h.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, h.cmd.Start())
	t.Cleanup(func() { h.cmd.Process.Kill() })
	h.stdout, h.stderr = readLines(out), readLines(errs)
	return h
}

// finish reads what is left of the host's output and error, then waits for
// it (Wait closes the pipes) and returns its exit code.
func (h *host) finish(t *testing.T) (code int, stdout, stderr []string) {
	t.Helper()
	stdout, stderr = h.stdout.rest(t), h.stderr.rest(t)
	err := h.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("waiting for the host: %v", err)
	}
	return h.cmd.ProcessState.ExitCode(), stdout, stderr
}

// TestRunnerForwardsSignals sends each signal to a process that runs a child
// through a Runner, without a terminal, and checks that the child, which
// traps it, gets it exactly once and exits on its own terms.
func TestRunnerForwardsSignals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sig  syscall.Signal
	}{
		{"TERM", syscall.SIGTERM},
		{"HUP", syscall.SIGHUP},
		{"USR1", syscall.SIGUSR1},
		{"INT", syscall.SIGINT},   // no terminal: passed on
		{"QUIT", syscall.SIGQUIT}, // likewise
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := startHost(t, helper(t, "trap", tt.name, "42")...)
			h.stdout.expect(t, "ready")
			require.NoError(t, h.cmd.Process.Signal(tt.sig))
			h.stdout.expect(t, "got "+tt.name)
			h.stderr.expect(t, "forwarded "+tt.name)
			_, err := io.WriteString(h.stdin, "\n") // the host has passed it on: no second one can come
			require.NoError(t, err)
			h.stdout.expect(t, "count 1")
			code, stdout, stderr := h.finish(t)
			assert.Equal(t, 42, code, "the child's own exit code")
			assert.Empty(t, stdout)
			assert.Empty(t, stderr)
		})
	}
}

// TestRunnerExitCodeAfterStartFails: once Start has returned a
// *StartError, ExitCode already tells the shell's code; it raced with the
// Runner's goroutine before.
func TestRunnerExitCodeAfterStartFails(t *testing.T) {
	t.Parallel()
	for range 200 {
		r := secret.Command(nil, "/nonexistent/fake-command")
		err := r.Start(context.Background())
		var se *secret.StartError
		if !errors.As(err, &se) {
			t.Fatalf("Start = %v, want a *StartError", err)
		}
		if got := r.ExitCode(); got != 127 {
			t.Fatalf("ExitCode right after Start failed = %d, want 127", got)
		}
	}
}

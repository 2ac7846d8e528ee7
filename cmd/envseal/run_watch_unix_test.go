//go:build unix

package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// watchChild is the workload of the --watch tests: it says which TOKEN it
// got, says "hup" on SIGHUP, and exits 0 on SIGTERM.
const watchChild = `trap 'echo hup' HUP; trap 'echo stop; exit 0' TERM; echo "start $TOKEN"; while :; do sleep 0.02; done`

// watchedRun is an envseal run --watch binary, with its output read line
// by line.
type watchedRun struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string
	mu     sync.Mutex
	stderr bytes.Buffer
}

func (s *sandbox) startWatch(args ...string) *watchedRun {
	s.t.Helper()
	w := &watchedRun{t: s.t, lines: make(chan string, 1000)}
	w.cmd = s.command("", args...)
	stdout, err := w.cmd.StdoutPipe()
	require.NoError(s.t, err)
	w.cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.stderr.Write(p)
	})
	require.NoError(s.t, w.cmd.Start())
	go func() {
		defer close(w.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
	}()
	s.t.Cleanup(func() {
		w.cmd.Process.Kill()
		w.cmd.Wait()
	})
	return w
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// next returns the child's next line, failing after d.
func (w *watchedRun) next(d time.Duration) string {
	w.t.Helper()
	select {
	case l, ok := <-w.lines:
		if !ok {
			w.t.Fatalf("envseal's output ended; stderr: %s", w.errors())
		}
		return l
	case <-time.After(d):
		w.t.Fatalf("no line from the child within %v; stderr: %s", d, w.errors())
		return ""
	}
}

// restarted checks that the child stops and a new one starts with TOKEN
// set to token, each within 2 s: a restart as watchChild prints it.
func (w *watchedRun) restarted(token string) {
	w.t.Helper()
	require.Equal(w.t, "stop", w.next(2*time.Second))
	require.Equal(w.t, "start "+token, w.next(2*time.Second))
}

// quiet fails if the child prints a line within d.
func (w *watchedRun) quiet(d time.Duration) {
	w.t.Helper()
	select {
	case l := <-w.lines:
		w.t.Fatalf("the child printed %q; stderr: %s", l, w.errors())
	case <-time.After(d):
	}
}

func (w *watchedRun) errors() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stderr.String()
}

// stop sends SIGTERM to envseal, which passes it on, and returns envseal's
// exit code and the rest of the child's output.
func (w *watchedRun) stop() (int, []string) {
	w.t.Helper()
	require.NoError(w.t, w.cmd.Process.Signal(syscall.SIGTERM))
	var rest []string
	for l := range w.lines {
		rest = append(rest, l)
	}
	w.cmd.Wait()
	return w.cmd.ProcessState.ExitCode(), rest
}

// TestRunWatchRestarts: a child started by run --watch gets a value set by
// another envseal process within 2 s; a change that does not validate keeps
// it running; a change to another bundle does nothing.
func TestRunWatchRestarts(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "TOKEN=fake-1")
	manifest := s.write("inf.yml", "secrets:\n  - key: TOKEN\n    description: the API token\n")
	w := s.startWatch("run", "--watch", "--manifest", manifest, "--secret", "app", "--", "sh", "-c", watchChild)
	require.Equal(t, "start fake-1", w.next(10*time.Second))

	var worst time.Duration
	for i, v := range []string{"fake-2", "fake-3"} {
		s.okBinary("", "secrets", "set", "app", "TOKEN="+v)
		changed := time.Now()
		require.Equal(t, "stop", w.next(2*time.Second), "change %d", i+1)
		require.Equal(t, "start "+v, w.next(2*time.Second), "change %d", i+1)
		worst = max(worst, time.Since(changed))
	}
	t.Logf("change to restart, folder store: %v at worst of 2", worst.Round(time.Millisecond))
	assert.Less(t, worst, 2*time.Second)

	// A required key removed: the child keeps running, and envseal says why.
	s.okBinary("", "secrets", "unset", "app", "TOKEN")
	w.quiet(time.Second)
	assert.Contains(t, w.errors(), `envseal: the secrets changed but "sh" keeps the ones it has`)
	assert.Contains(t, w.errors(), "TOKEN")
	// Fixed: the next change restarts it.
	s.okBinary("", "secrets", "set", "app", "TOKEN=fake-4")
	w.restarted("fake-4")
	// Another bundle: nothing.
	s.okBinary("", "secrets", "set", "unrelated", "TOKEN=fake-5")
	w.quiet(time.Second)

	code, rest := w.stop()
	assert.Equal(t, 0, code)
	assert.Equal(t, []string{"stop"}, rest)
	assert.Contains(t, w.errors(), "envseal: secrets changed (TOKEN changed); restarting \"sh\"\n")
	assert.NotContains(t, w.errors(), "fake-")
}

// TestRunWatchBurst: 100 changes in a row restart the child a bounded number
// of times, and it ends with the last value.
func TestRunWatchBurst(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "TOKEN=fake-0")
	w := s.startWatch("run", "--watch", "--secret", "app", "--", "sh", "-c", watchChild)
	require.Equal(t, "start fake-0", w.next(10*time.Second))
	for i := 1; i <= 100; i++ {
		s.ok("", "secrets", "set", "app", "TOKEN=fake-"+strings.Repeat("x", i%7)+string(rune('a'+i%26)))
	}
	s.ok("", "secrets", "set", "app", "TOKEN=fake-last")
	starts := 0
	for {
		l := w.next(5 * time.Second)
		if strings.HasPrefix(l, "start ") {
			starts++
			if l == "start fake-last" {
				break
			}
		}
	}
	t.Logf("101 changes made %d restarts", starts)
	assert.LessOrEqual(t, starts, 10, "101 changes made %d restarts", starts)
	code, _ := w.stop()
	assert.Equal(t, 0, code)
}

// TestRunWatchSignalOnly: with --no-restart, the child gets --watch-signal
// and keeps running.
func TestRunWatchSignalOnly(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	env := s.write("app.env", "TOKEN=fake-1\n")
	w := s.startWatch("run", "--watch", "--watch-signal", "HUP", "--no-restart", "--dotenv", env, "--", "sh", "-c", watchChild)
	require.Equal(t, "start fake-1", w.next(10*time.Second))
	s.write("app.env", "TOKEN=fake-2\n")
	require.Equal(t, "hup", w.next(2*time.Second))
	w.quiet(500 * time.Millisecond)
	code, rest := w.stop()
	assert.Equal(t, 0, code)
	assert.Equal(t, []string{"stop"}, rest)
	assert.Contains(t, w.errors(), "envseal: secrets changed (TOKEN changed); sending SIGHUP to \"sh\"\n")
}

// TestRunWatchRedacts: with --redact, a restarted child's new value is
// redacted, and so is the old one.
func TestRunWatchRedacts(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	env := s.write("app.env", "TOKEN=fake-first-0123456789\n")
	old := s.write("old", "")
	// The child prints its TOKEN, and what the file old holds.
	child := `trap 'exit 0' TERM; echo "start $TOKEN $(cat ` + old + `)"; while :; do sleep 0.02; done`
	w := s.startWatch("run", "--watch", "--redact", "--dotenv", env, "--", "sh", "-c", child)
	require.Equal(t, "start [REDACTED:TOKEN] ", w.next(10*time.Second))
	s.write("old", "fake-first-0123456789")
	s.write("app.env", "TOKEN=fake-second-0123456789\n")
	require.Equal(t, "start [REDACTED:TOKEN] [REDACTED:TOKEN]", w.next(3*time.Second))
	code, _ := w.stop()
	assert.Equal(t, 0, code)
}

// TestRunWatchProject: run --watch -f watches the sources envseal.yml
// gives the function.
func TestRunWatchProject(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "base", "TOKEN=fake-1")
	s.write("api.env", "OTHER=fake-x\n")
	s.write("envseal.yml", "secrets: [base]\nfunctions:\n  api:\n    dotenv: [api.env]\n")
	w := s.startWatch("run", "--watch", "-f", "api", "--", "sh", "-c", watchChild)
	require.Equal(t, "start fake-1", w.next(10*time.Second))
	s.write("api.env", "TOKEN=fake-2\n")
	w.restarted("fake-2")
	s.ok("", "secrets", "set", "base", "TOKEN=fake-3") // the function's .env wins
	w.quiet(time.Second)
	code, _ := w.stop()
	assert.Equal(t, 0, code)
	assert.Contains(t, w.errors(), "TOKEN changed")
}

// Optional sources of envseal.yml absent at the start are watched: a bundle
// and a .env file that appear later restart COMMAND with their keys.
func TestRunWatchProjectOptionalAppears(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "base", "TOKEN=fake-1")
	s.write("envseal.yml", "secrets:\n  - base\n  - name: later\n    optional: true\n"+
		"dotenv:\n  - path: local.env\n    optional: true\n")
	w := s.startWatch("run", "--watch", "--", "sh", "-c", watchChild)
	require.Equal(t, "start fake-1", w.next(10*time.Second))
	s.ok("", "secrets", "set", "later", "TOKEN=fake-2")
	w.restarted("fake-2")
	s.write("local.env", "TOKEN=fake-3\n")
	w.restarted("fake-3")
	code, _ := w.stop()
	assert.Equal(t, 0, code)
}

// With no store folder yet (a fresh clone), run --watch of an optional
// bundle starts COMMAND without it, creates no folder, and picks the bundle
// up when another envseal creates the store.
func TestRunWatchNoStoreFolderYet(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.write("envseal.yml", "secrets:\n  - name: later\n    optional: true\n")
	w := s.startWatch("run", "--watch", "--", "sh", "-c", watchChild)
	require.Equal(t, "start ", w.next(10*time.Second))
	_, err := os.Stat(s.store)
	require.ErrorIs(t, err, os.ErrNotExist, "run --watch made the store folder")
	s.ok("", "secrets", "set", "later", "TOKEN=fake-1")
	w.restarted("fake-1")
	s.ok("", "secrets", "set", "later", "TOKEN=fake-2") // watched through the store now
	w.restarted("fake-2")
	code, _ := w.stop()
	assert.Equal(t, 0, code)
}

func TestRunWatchUsage(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--no-restart"}, "--no-restart needs --watch"},
		{[]string{"--watch-signal", "HUP"}, "--watch-signal needs --watch"},
		{[]string{"--watch", "--no-restart"}, "--no-restart needs --watch-signal"},
		{[]string{"--watch", "--watch-signal", "NOPE"}, `unknown signal "NOPE"`},
		{[]string{"--watch", "--watch-signal", "999"}, "no signal number 999"},
	} {
		r := s.run("", append(append([]string{"run"}, tc.args...), "--env", "A=fake-1", "--", "true")...)
		assert.Equal(t, 2, r.code, "%v", tc.args)
		assert.Contains(t, r.stderr, tc.want, "%v", tc.args)
	}
	// The first resolution fails: nothing runs.
	r := s.run("", "run", "--watch", "--dotenv", "missing.env", "--", "false")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "missing.env")
}

var _ io.Writer = writerFunc(nil)

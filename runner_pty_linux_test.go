package secret_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run a Runner as a user does: in an interactive bash, on a
// terminal (a pty), as a job of the shell, with Ctrl-C, Ctrl-Z, fg and
// kill -INT from another process.

// openPTY returns a new pseudo-terminal: the master side, which the test
// reads and types into, and the terminal itself.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { master.Close() })
	var unlock int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock)))
	require.Zero(t, errno, "unlocking the pty")
	var n uint32
	_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n)))
	require.Zero(t, errno, "naming the pty")
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	return master, tty
}

// shell is an interactive bash on a terminal of its own.
type shell struct {
	t      *testing.T
	master *os.File
	chunks chan []byte // closed when the terminal is gone
	screen []byte      // everything shown so far
	seen   int         // screen[:seen] was matched already
}

const prompt = "PROMPT$ "

// startShell starts bash -i as a user's terminal does: in a session of its
// own, with the terminal as its controlling terminal, standard input,
// output and error.
func startShell(t *testing.T) *shell {
	t.Helper()
	bash, err := exec.LookPath("bash")
	require.NoError(t, err, "these tests drive an interactive bash")
	master, tty := openPTY(t)
	home := t.TempDir()
	cmd := exec.Command(bash, "--norc", "--noprofile", "-i")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TERM=dumb", "PS1=" + prompt, "HISTFILE=/dev/null"}
	cmd.Dir = home
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(t, cmd.Start())
	tty.Close()
	t.Cleanup(func() {
		// Everything the test started in the shell's session, whatever
		// state a failure left it in.
		killSession(cmd.Process.Pid)
		cmd.Wait()
	})
	sh := &shell{t: t, master: master, chunks: make(chan []byte, 64)}
	go func() {
		defer close(sh.chunks)
		for {
			buf := make([]byte, 4096)
			n, err := master.Read(buf)
			if n > 0 {
				sh.chunks <- buf[:n]
			}
			if err != nil { // EIO once no process holds the terminal
				return
			}
		}
	}()
	sh.until(prompt)
	return sh
}

// until waits until the screen shows s after what was matched before, and
// returns what it showed up to the end of s.
func (sh *shell) until(s string) string {
	sh.t.Helper()
	from := sh.seen
	timeout := time.After(bound)
	for {
		if i := bytes.Index(sh.screen[sh.seen:], []byte(s)); i >= 0 {
			sh.seen += i + len(s)
			return string(sh.screen[from:sh.seen])
		}
		select {
		case c, ok := <-sh.chunks:
			if !ok {
				sh.t.Fatalf("the terminal closed before showing %q; it showed:\n%s", s, sh.screen)
			}
			sh.screen = append(sh.screen, c...)
		case <-timeout:
			sh.t.Fatalf("the terminal did not show %q in %v; it showed:\n%s", s, bound, sh.screen)
		}
	}
}

// untilRegexp waits until the screen shows a match of re after what was
// matched before.
func (sh *shell) untilRegexp(re *regexp.Regexp) string {
	sh.t.Helper()
	timeout := time.After(bound)
	for {
		if loc := re.FindIndex(sh.screen[sh.seen:]); loc != nil {
			m := string(sh.screen[sh.seen+loc[0] : sh.seen+loc[1]])
			sh.seen += loc[1]
			return m
		}
		select {
		case c, ok := <-sh.chunks:
			if !ok {
				sh.t.Fatalf("the terminal closed before showing %v; it showed:\n%s", re, sh.screen)
			}
			sh.screen = append(sh.screen, c...)
		case <-timeout:
			sh.t.Fatalf("the terminal did not show %v in %v; it showed:\n%s", re, bound, sh.screen)
		}
	}
}

// untilAll waits until the screen shows each of ss, in any order, after
// what was matched before.
func (sh *shell) untilAll(ss ...string) {
	sh.t.Helper()
	from, end := sh.seen, sh.seen
	for _, s := range ss {
		sh.seen = from
		sh.until(s)
		end = max(end, sh.seen)
	}
	sh.seen = end
}

// typeIn types s on the terminal's keyboard.
func (sh *shell) typeIn(s string) {
	sh.t.Helper()
	_, err := io.WriteString(sh.master, s)
	require.NoError(sh.t, err)
}

// status asks the shell for the exit status of the last command.
func (sh *shell) status() int {
	sh.t.Helper()
	sh.typeIn("echo status=$?\n")
	out := sh.until(prompt)
	m := regexp.MustCompile(`status=(\d+)`).FindStringSubmatch(out)
	require.NotNil(sh.t, m, "no status in %q", out)
	n, _ := strconv.Atoi(m[1])
	return n
}

// hostLine returns the command line that runs the host (runnerHost) with
// the child helper argv, and its pid, said first.
func hostLine(t *testing.T, argv ...string) string {
	t.Helper()
	words := append(helper(t, "host", "-pid"), argv...)
	for i, w := range words {
		require.NotContains(t, w, "'", "quoted for the shell")
		words[i] = "'" + w + "'"
	}
	return strings.Join(words, " ")
}

// startHost types the host's command line and returns the host's pid once
// the child is ready.
func (sh *shell) startHost(line string) int {
	sh.t.Helper()
	sh.typeIn(line + "\n")
	out := sh.until("ready\r\n")
	m := regexp.MustCompile(`host (\d+)\r\n`).FindStringSubmatch(out)
	require.NotNil(sh.t, m, "no host pid in %q", out)
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// TestRunnerTerminal runs the Runner as a job of an interactive shell: it
// hands the terminal to the child, so that Ctrl-C reaches the child once,
// from the terminal, and kill -INT of the Runner's process from another
// process reaches it once, from the Runner.
func TestRunnerTerminal(t *testing.T) {
	t.Parallel()
	t.Run("Ctrl-C", func(t *testing.T) {
		t.Parallel()
		sh := startShell(t)
		sh.startHost(hostLine(t, helper(t, "trap", "INT", "42")...))
		sh.typeIn("\x03")
		sh.until("got INT\r\n")
		sh.typeIn("\n") // the terminal has delivered it: no second one can come
		out := sh.until(prompt)
		assert.Contains(t, out, "count 1")
		assert.NotContains(t, out, "INT\r\n", "the Runner's process did not even receive it")
		assert.Equal(t, 42, sh.status())
	})
	t.Run("kill -INT from another process", func(t *testing.T) {
		t.Parallel()
		sh := startShell(t)
		pid := sh.startHost(hostLine(t, helper(t, "trap", "INT", "42")...))
		require.NoError(t, syscall.Kill(pid, syscall.SIGINT))
		sh.until("forwarded INT\r\n")
		sh.typeIn("\n") // the Runner has passed it on: no second one can come
		out := sh.until(prompt)
		assert.Contains(t, out, "count 1")
		assert.Equal(t, 42, sh.status())
	})
	t.Run("Ctrl-Z, fg, bg", func(t *testing.T) {
		t.Parallel()
		sh := startShell(t)
		sh.typeIn("set -b\n") // report a job's state as it changes
		sh.until(prompt)
		job := hostLine(t, helper(t, "ignore", "TERM")...)
		sh.startHost(job)
		stopped := regexp.MustCompile(`\[1\]\+ +Stopped +'[^\n]*\n`)
		// fg: the shell names the job, and stops reading the terminal, before
		// it continues it; what is typed after that goes to the child.
		fg := func() {
			sh.typeIn("fg\n")
			sh.until(job + "\r\n")
		}

		sh.typeIn("\x1a") // Ctrl-Z: the child stops, and the shell's job with it
		sh.untilRegexp(stopped)
		fg()
		sh.typeIn("ping\n") // the child has the terminal again
		sh.until("pong\r\n")
		sh.typeIn("\x1a")
		sh.untilRegexp(stopped)
		// In the background the child reads the terminal: it stops for
		// terminal input, and the job with it.
		sh.typeIn("bg\n")
		sh.untilRegexp(stopped)
		fg()
		sh.typeIn("ping\n")
		sh.until("pong\r\n")
		sh.typeIn("\x03") // the child does not trap SIGINT: it dies of it
		sh.until(prompt)
		assert.Equal(t, 128+int(syscall.SIGINT), sh.status())
	})
}

// TestRunnerTerminalShared runs the Runner where it cannot hand the terminal
// to the child, in a pipeline: the child stays in the Runner's process
// group, and the Runner keeps back the keyboard signals that the terminal
// has already delivered to it, including, as documented, one sent to it
// alone by another process.
func TestRunnerTerminalShared(t *testing.T) {
	t.Parallel()
	sh := startShell(t)
	// The other command of the pipeline ignores SIGINT, so that the
	// output reaches the terminal after Ctrl-C.
	pid := sh.startHost(hostLine(t, helper(t, "trap", "INT", "42")...) + ` 2>&1 | (trap '' INT; cat)`)
	require.NoError(t, syscall.Kill(pid, syscall.SIGINT))
	sh.until("kept INT\r\n")
	sh.typeIn("\x03")
	sh.untilAll("got INT\r\n", "kept INT\r\n")
	sh.typeIn("\n")
	out := sh.until(prompt)
	assert.Contains(t, out, "count 1")
	sh.typeIn("echo status=${PIPESTATUS[0]}\n")
	assert.Contains(t, sh.until(prompt), "status=42")
}

// killSession kills, with SIGKILL, every process of the session sid.
func killSession(sid int) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// PID (COMM) STATE PPID PGRP SESSION ...
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 3 && f[3] == strconv.Itoa(sid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

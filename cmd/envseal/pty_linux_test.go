package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// openPTYMaster opens the master side of a new pseudo-terminal and returns
// it with the terminal's file name.
func openPTYMaster(t *testing.T) (*os.File, string) {
	t.Helper()
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { master.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0), "unlocking the pty")
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	require.NoError(t, err, "naming the pty")
	return master, "/dev/pts/" + strconv.Itoa(n)
}

// startOnTTY starts envseal with args on a new terminal, as a user's shell
// would in the foreground: its own session, the terminal as its controlling
// terminal and as its stdin, stdout and stderr.
func (s *sandbox) startOnTTY(args ...string) (*exec.Cmd, *screen) {
	s.t.Helper()
	master, name := openPTYMaster(s.t)
	tty, err := os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(s.t, err)
	cmd := exec.Command(envsealBinary(s.t), args...)
	cmd.Env = s.environ()
	cmd.Dir = s.home
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(s.t, cmd.Start())
	tty.Close() // envseal and its child hold it now
	return cmd, newScreen(master, name)
}

// screen is what a terminal shows: everything read from its master side.
type screen struct {
	master *os.File
	tty    string      // the terminal's file name
	chunks chan []byte // closed when the terminal is gone
	got    []byte
}

func newScreen(master *os.File, tty string) *screen {
	sc := &screen{master: master, tty: tty, chunks: make(chan []byte, 64)}
	go func() {
		defer close(sc.chunks)
		for {
			buf := make([]byte, 4096)
			n, err := master.Read(buf)
			if n > 0 {
				sc.chunks <- buf[:n]
			}
			if err != nil { // EIO once no process holds the terminal
				return
			}
		}
	}()
	return sc
}

// until reads until the screen shows s, or the terminal is gone; it reports
// whether s showed.
func (sc *screen) until(s string) bool {
	for !bytes.Contains(sc.got, []byte(s)) {
		c, ok := <-sc.chunks
		if !ok {
			return false
		}
		sc.got = append(sc.got, c...)
	}
	return true
}

// rest reads until the terminal is gone and returns the whole screen.
func (sc *screen) rest() string {
	for c := range sc.chunks {
		sc.got = append(sc.got, c...)
	}
	return string(sc.got)
}

// requireCookedEcho requires the terminal to be in its usual mode, as a shell
// leaves it: lines edited by the terminal, typed keys echoed, Ctrl-C a
// signal.
func (sc *screen) requireCookedEcho(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(sc.tty, os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	defer f.Close()
	modes, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	require.NoError(t, err)
	const want = unix.ECHO | unix.ICANON | unix.ISIG
	require.Equal(t, uint32(want), modes.Lflag&want, "echo, line editing and signals are on")
}

// typeIn types s on the terminal's keyboard.
func (sc *screen) typeIn(t *testing.T, s string) {
	t.Helper()
	_, err := io.WriteString(sc.master, s)
	require.NoError(t, err)
}

// exitCode waits for cmd and returns its exit code.
func exitCodeOf(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("waiting for envseal: %v", err)
	}
	return cmd.ProcessState.ExitCode()
}

// TestSetFromTerminal types a value at the prompt of KEY=- and checks that
// the terminal did not echo it.
func TestSetFromTerminal(t *testing.T) {
	t.Parallel()
	const typed = "fake-typed-at-the-prompt"
	s := newSandbox(t)
	cmd, sc := s.startOnTTY("secrets", "set", "app", "TYPED=-")
	require.True(t, sc.until("Value of TYPED (input hidden"), "the prompt shows")
	sc.typeIn(t, typed+"\n")
	screen := sc.rest()
	assert.Equal(t, 0, exitCodeOf(t, cmd))
	assert.False(t, strings.Contains(screen, typed), "the typed value is not echoed")
	sc.requireCookedEcho(t)
	assert.True(t, s.ok("", "secrets", "get", "--reveal", "app", "TYPED").stdout == typed+"\n", "the typed value was set")

	// Ctrl-C at the prompt sets nothing, and echo is back on.
	cmd, sc = s.startOnTTY("secrets", "set", "app", "OTHER=-")
	require.True(t, sc.until("input hidden"), "the prompt shows")
	sc.typeIn(t, "fake-half\x03")
	screen = sc.rest()
	assert.Equal(t, 128+int(syscall.SIGINT), exitCodeOf(t, cmd))
	assert.Contains(t, screen, "nothing was set")
	assert.NotContains(t, screen, "fake-half")
	assert.NotContains(t, s.ok("", "secrets", "get", "app").stdout, "OTHER")
	sc.requireCookedEcho(t)

	// An empty line sets nothing.
	cmd, sc = s.startOnTTY("secrets", "set", "app", "EMPTY=-")
	require.True(t, sc.until("input hidden"), "the prompt shows")
	sc.typeIn(t, "\n")
	screen = sc.rest()
	assert.Equal(t, 1, exitCodeOf(t, cmd))
	assert.Contains(t, screen, "no value entered for EMPTY")
	sc.requireCookedEcho(t)

	// A typo erased with Backspace is not in the value.
	cmd, sc = s.startOnTTY("secrets", "set", "app", "EDITED=-")
	require.True(t, sc.until("input hidden"), "the prompt shows")
	sc.typeIn(t, "fake-typx\x7fed\r")
	sc.rest()
	assert.Equal(t, 0, exitCodeOf(t, cmd))
	assert.True(t, s.ok("", "secrets", "get", "--reveal", "app", "EDITED").stdout == "fake-typed\n", "the edited value was set")
}

// TestRunTerminalSignals presses Ctrl-C and Ctrl-\ on the terminal of envseal
// run: the terminal signals the whole foreground process group, so COMMAND
// must get each signal once, from the terminal, and not a second time from
// envseal.
func TestRunTerminalSignals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  string // what the user presses
	}{
		{"INT", "\x03"},  // Ctrl-C
		{"QUIT", "\x1c"}, // Ctrl-\
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			cmd, sc := s.startOnTTY(append([]string{"run", "--"}, helper(t, "trap", tt.name, "42")...)...)
			require.True(t, sc.until("ready"), "the child starts")
			sc.typeIn(t, tt.key)
			screen := sc.rest()
			assert.Equal(t, 42, exitCodeOf(t, cmd), "the child's own exit code")
			assert.Contains(t, screen, "got "+tt.name)
			assert.NotContains(t, screen, "twice")
		})
	}
}

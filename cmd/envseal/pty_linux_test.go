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
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

// startOnTTY starts envseal with args on a new terminal, as a user's shell
// would in the foreground: its own session, the terminal as its controlling
// terminal and as its stdin, stdout and stderr.
func (s *sandbox) startOnTTY(args ...string) (*exec.Cmd, *screen) {
	s.t.Helper()
	master, tty := openPTY(s.t)
	cmd := exec.Command(envsealBin, args...)
	cmd.Env = s.environ()
	cmd.Dir = s.home
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	require.NoError(s.t, cmd.Start())
	tty.Close() // envseal and its child hold it now
	return cmd, newScreen(master)
}

// screen is what a terminal shows: everything read from its master side.
type screen struct {
	master *os.File
	chunks chan []byte // closed when the terminal is gone
	got    []byte
}

func newScreen(master *os.File) *screen {
	sc := &screen{master: master, chunks: make(chan []byte, 64)}
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

	// An empty line sets nothing.
	cmd, sc = s.startOnTTY("secrets", "set", "app", "EMPTY=-")
	require.True(t, sc.until("input hidden"), "the prompt shows")
	sc.typeIn(t, "\n")
	screen = sc.rest()
	assert.Equal(t, 1, exitCodeOf(t, cmd))
	assert.Contains(t, screen, "no value entered for EMPTY")
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

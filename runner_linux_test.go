package secret_test

import (
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunnerChildDiesWithParent kills, with SIGKILL, a process that runs a
// child through a Runner: the parent has no chance to stop the child, so the
// kernel must (Pdeathsig), or the child would keep running with the
// secrets. The child's output is a pipe that only it and the parent hold:
// the end of that output is the child's death.
func TestRunnerChildDiesWithParent(t *testing.T) {
	t.Parallel()
	h := startHost(t, helper(t, "sleep")...)
	line := h.stdout.next(t)
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "pid "))
	require.NoError(t, err, "the child says its pid: %q", line)
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) }) // if the test fails

	require.NoError(t, h.cmd.Process.Kill())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range h.stdout.ch { // to EOF: every holder of the pipe is gone
		}
	}()
	select {
	case <-done:
	case <-time.After(bound):
		t.Fatalf("the child outlived its parent by %v", bound)
	}
	err = h.cmd.Wait() // only now: Wait closes the pipe
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal(), "the parent was killed")
	// Gone, or a zombie until init reaps it: in neither case running. Its
	// pipes close while it exits, so it may still show as running for a
	// moment after the EOF.
	deadline := time.Now().Add(bound)
	for {
		stat, err := readStat(pid)
		if err != nil || stat == "Z" || stat == "X" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child is still in state %s %v after its parent was killed", stat, bound)
		}
		time.Sleep(time.Millisecond)
	}
}

// readStat returns the state field of /proc/PID/stat.
func readStat(pid int) (string, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", err
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+3 > len(s) {
		return "", io.ErrUnexpectedEOF
	}
	return s[i+2 : i+3], nil
}

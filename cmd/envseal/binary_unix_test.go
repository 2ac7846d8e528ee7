//go:build unix

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// binDir holds the envseal binary that the tests of signals, terminals,
// exit codes and key lookup run; TestMain makes it and removes it.
var binDir string

// TestMain runs the tests, or, re-executed as a child of envseal run with
// ENVSEAL_TEST_HELPER set, acts as a small workload.
func TestMain(m *testing.M) {
	if os.Getenv("ENVSEAL_TEST_HELPER") != "" {
		os.Exit(helperMain(os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "envseal-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildBinary builds envseal into binDir, once, when a test first needs it.
var buildBinary = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "envseal")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building envseal: %v\n%s", err, out)
	}
	return bin, nil
})

// envsealBinary returns the path of the envseal binary.
func envsealBinary(t *testing.T) string {
	t.Helper()
	bin, err := buildBinary()
	require.NoError(t, err)
	return bin
}

// command returns the envseal binary with args, in a session of its own: it
// has no controlling terminal, whether or not go test runs in one, so that
// what it does with signals does not depend on where the tests run.
func (s *sandbox) command(stdin string, args ...string) *exec.Cmd {
	cmd := exec.Command(envsealBinary(s.t), args...)
	cmd.Env = s.environ()
	cmd.Dir = s.home
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd
}

// runBinary runs the envseal binary with args and returns what it printed
// and its exit code.
func (s *sandbox) runBinary(stdin string, args ...string) result {
	s.t.Helper()
	cmd := s.command(stdin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		s.t.Fatalf("running envseal %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: cmd.ProcessState.ExitCode()}
}

// okBinary runs the envseal binary and requires exit 0.
func (s *sandbox) okBinary(stdin string, args ...string) result {
	s.t.Helper()
	r := s.runBinary(stdin, args...)
	require.Equal(s.t, 0, r.code, "envseal %s failed: %s", strings.Join(args, " "), r.stderr)
	return r
}

// helper returns the argv that runs the test binary as a workload.
func helper(t *testing.T, args ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	return append([]string{exe}, args...)
}

// helperMain is the workload run by the tests: helper MODE ARGS...
func helperMain(args []string) int {
	if len(args) == 0 {
		return 99
	}
	switch mode, rest := args[0], args[1:]; mode {
	case "env": // print KEY=VALUE or KEY unset, for each key
		for _, k := range rest {
			if v, ok := os.LookupEnv(k); ok {
				fmt.Printf("%s=%s\n", k, v)
			} else {
				fmt.Printf("%s unset\n", k)
			}
		}
		return 0
	case "touch":
		if err := os.WriteFile(rest[0], nil, 0o600); err != nil {
			return 98
		}
		return 0
	case "exit":
		n, _ := strconv.Atoi(rest[0])
		return n
	case "kill-self":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(10 * time.Second)
		return 97
	case "trap":
		return helperTrap(rest[0], rest[1])
	case "split":
		return helperSplit(rest[0], rest[1])
	case "files": // files KEY...: report ENVSEAL_SECRETS_DIR, and each key's file and variable
		dir := os.Getenv("ENVSEAL_SECRETS_DIR")
		fi, err := os.Stat(dir)
		if err != nil {
			return 94
		}
		fmt.Printf("dir %s %04o\n", dir, fi.Mode().Perm())
		for _, k := range rest {
			b, err := os.ReadFile(filepath.Join(dir, k))
			_, set := os.LookupEnv(k)
			fmt.Printf("%s file=%v value=%q env=%v\n", k, err == nil, b, set)
		}
		return 0
	case "files-serve": // say "dir DIR" and "ready", then exit 0 on SIGTERM or SIGINT
		ch := make(chan os.Signal, 2)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		fmt.Printf("dir %s\nready\n", os.Getenv("ENVSEAL_SECRETS_DIR"))
		select {
		case <-ch:
			return 0
		case <-time.After(time.Minute):
			return 93
		}
	}
	return 99
}

// helperTrap says "ready", then exits with code when it gets the signal
// named (TERM, INT...), saying "got NAME", and "got it twice" if a second
// one follows at once.
func helperTrap(name, code string) int {
	sig := map[string]os.Signal{"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "HUP": syscall.SIGHUP, "USR1": syscall.SIGUSR1}[name]
	n, _ := strconv.Atoi(code)
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, sig)
	fmt.Println("ready")
	select {
	case <-ch:
		fmt.Println("got " + name)
		time.Sleep(50 * time.Millisecond) // a second, duplicate delivery would show here
		select {
		case <-ch:
			fmt.Println("got it twice")
		default:
		}
		return n
	case <-time.After(20 * time.Second):
		return 96
	}
}

// helperSplit writes a, waits for a line on stdin, then writes b and a
// newline, on stdout and stderr both.
func helperSplit(a, b string) int {
	for _, w := range []*os.File{os.Stdout, os.Stderr} {
		w.WriteString(a)
	}
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return 95
	}
	for _, w := range []*os.File{os.Stdout, os.Stderr} {
		w.WriteString(b + "\n")
	}
	return 0
}

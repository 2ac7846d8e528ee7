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
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// envsealBin is the envseal binary built once by TestMain.
var envsealBin string

// TestMain builds the real binary once, or, re-executed as a child of
// envseal run with ENVSEAL_TEST_HELPER set, acts as a small workload.
func TestMain(m *testing.M) {
	if os.Getenv("ENVSEAL_TEST_HELPER") != "" {
		os.Exit(helperMain(os.Args[1:]))
	}
	dir, err := os.MkdirTemp("", "envseal-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	envsealBin = filepath.Join(dir, "envseal")
	build := exec.Command("go", "build", "-o", envsealBin, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building envseal:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
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
	case "trap": // trap SIGNAL CODE: say ready, exit CODE on the signal
		sig := map[string]os.Signal{"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "HUP": syscall.SIGHUP, "USR1": syscall.SIGUSR1}[rest[0]]
		code, _ := strconv.Atoi(rest[1])
		ch := make(chan os.Signal, 4)
		signal.Notify(ch, sig)
		fmt.Println("ready")
		select {
		case <-ch:
			fmt.Println("got " + rest[0])
			time.Sleep(50 * time.Millisecond) // a second, duplicate delivery would show here
			select {
			case <-ch:
				fmt.Println("got it twice")
			default:
			}
			return code
		case <-time.After(20 * time.Second):
			return 96
		}
	case "split": // split A B: write A, wait for a line on stdin, write B, on stdout and stderr
		for _, w := range []*os.File{os.Stdout, os.Stderr} {
			w.WriteString(rest[0])
		}
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			return 95
		}
		for _, w := range []*os.File{os.Stdout, os.Stderr} {
			w.WriteString(rest[1] + "\n")
		}
		return 0
	}
	return 99
}

// sandbox is one test's private config dir, store and key.
type sandbox struct {
	t     *testing.T
	home  string // HOME and XDG_CONFIG_HOME live here
	store string
	key   string // the text form; "" runs envseal without ENVSEAL_KEY
	extra []string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	k, err := secret.GenerateKey()
	require.NoError(t, err)
	home := t.TempDir()
	return &sandbox{t: t, home: home, store: filepath.Join(home, "store"), key: k.Encode()}
}

type result struct {
	stdout, stderr string
	code           int
}

func (s *sandbox) environ() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.home,
		"XDG_CONFIG_HOME=" + filepath.Join(s.home, "config"),
		"ENVSEAL_STORE=" + s.store,
		"ENVSEAL_TEST_HELPER=1",
	}
	if s.key != "" {
		env = append(env, "ENVSEAL_KEY="+s.key)
	}
	return append(env, s.extra...)
}

// command returns envseal with args, in a session of its own: it has no
// controlling terminal, whether or not go test runs in one, so that what it
// does with signals does not depend on where the tests run.
func (s *sandbox) command(stdin string, args ...string) *exec.Cmd {
	cmd := exec.Command(envsealBin, args...)
	cmd.Env = s.environ()
	cmd.Dir = s.home
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd
}

// run runs envseal with args and returns what it printed and its exit code.
func (s *sandbox) run(stdin string, args ...string) result {
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

// ok runs envseal and requires exit 0.
func (s *sandbox) ok(stdin string, args ...string) result {
	s.t.Helper()
	r := s.run(stdin, args...)
	require.Equal(s.t, 0, r.code, "envseal %s failed: %s", strings.Join(args, " "), r.stderr)
	return r
}

// write creates a file under the sandbox and returns its path.
func (s *sandbox) write(name, content string) string {
	s.t.Helper()
	p := filepath.Join(s.home, name)
	require.NoError(s.t, os.MkdirAll(filepath.Dir(p), 0o700))
	require.NoError(s.t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// helper returns the argv that runs the test binary as a workload.
func helper(t *testing.T, args ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	return append([]string{exe}, args...)
}

// noValues fails if any of the fake values shows in r. Its message names
// the index of the value, never the value.
func noValues(t *testing.T, r result, values ...string) {
	t.Helper()
	for i, v := range values {
		if strings.Contains(r.stdout, v) || strings.Contains(r.stderr, v) {
			t.Errorf("fake value #%d appears in the output", i)
		}
	}
}

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// sandbox is one test's private config dir, store and key, and the
// environment envseal sees there.
type sandbox struct {
	t     *testing.T
	home  string // HOME and XDG_CONFIG_HOME live here
	store string
	key   string   // the text form; "" runs envseal without ENVSEAL_KEY
	extra []string // more variables, as KEY=VALUE
	tty   bool     // whether envseal takes its standard output for a terminal
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	k, err := secret.GenerateKey()
	require.NoError(t, err)
	home := t.TempDir()
	return &sandbox{t: t, home: home, store: filepath.Join(home, "store"), key: k.Encode()}
}

// environ is envseal's environment in the sandbox, as KEY=VALUE.
func (s *sandbox) environ() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.home,
		"XDG_CONFIG_HOME=" + filepath.Join(s.home, "config"),
		"ENVSEAL_STORE=" + s.store,
		// A child started by run that is this test binary acts as a helper
		// workload (see TestMain), and, built with -race, exits without the
		// race detector's 1 s pause.
		"ENVSEAL_TEST_HELPER=1",
		"GORACE=atexit_sleep_ms=0",
	}
	if s.key != "" {
		env = append(env, "ENVSEAL_KEY="+s.key)
	}
	return append(env, s.extra...)
}

// environment is what envseal run in this process sees in the sandbox. The
// key is ENVSEAL_KEY, parsed by the library, and the user config dir is out
// of reach: a test that reaches for either fails. Where LoadKey looks for a
// key, and the default store and key paths, are tested on the binary
// (key_unix_test.go), which has the sandbox's HOME.
func (s *sandbox) environment() *environment {
	environ := s.environ()
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	getenv := func(k string) string { return vars[k] }
	tty := s.tty
	return &environment{
		getenv:     getenv,
		environ:    environ,
		isTerminal: func(io.Writer) bool { return tty },
		dir:        s.home, // as for the binary (binary_unix_test.go)
		configDir: func() (string, error) {
			s.t.Error("an in-process test reached for the user config dir: give ENVSEAL_STORE or ENVSEAL_KEY_FILE, or run the binary")
			return "", errors.New("no user config dir in-process")
		},
		findKey: func() (secret.Key, string, error) {
			if k := getenv(envKey); k != "" {
				key, err := secret.ParseKey(k)
				return key, envKey, err
			}
			s.t.Error("an in-process test reached for a key file: give ENVSEAL_KEY, or run the binary")
			return secret.Key{}, "", errors.New("no key file in-process")
		},
	}
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs envseal with args in this process and returns what it printed and
// its exit code.
func (s *sandbox) run(stdin string, args ...string) result {
	s.t.Helper()
	var stdout, stderr bytes.Buffer
	code := executeIn(s.environment(), args, strings.NewReader(stdin), &stdout, &stderr)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// ok runs envseal in this process and requires exit 0.
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

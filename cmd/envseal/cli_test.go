package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	r := s.ok("", "--version")
	assert.True(t, strings.HasPrefix(r.stdout, "envseal "), "version line: %q", r.stdout)
}

func TestHelpOnEveryCommand(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	for _, args := range [][]string{
		{}, {"key"}, {"key", "generate"}, {"secrets"}, {"secrets", "set"}, {"secrets", "get"},
		{"secrets", "list"}, {"secrets", "delete"}, {"run"}, {"check"}, {"completion", "bash"},
	} {
		t.Run(strings.Join(append([]string{"envseal"}, args...), " "), func(t *testing.T) {
			t.Parallel()
			r := s.run("", append(args, "--help")...)
			assert.Equal(t, 0, r.code)
			assert.Contains(t, r.stdout, "Usage:")
			assert.NotContains(t, r.stdout, "[flags] [flags]")
			assert.NotContains(t, r.stdout, "] [flags]\n", "flags listed in the usage line already")
			if len(args) > 0 && args[0] != "completion" && args[0] != "key" || len(args) == 0 {
				assert.Contains(t, r.stdout, "$ENVSEAL_KEY,", "names where the key comes from")
				assert.Contains(t, r.stdout, "$ENVSEAL_STORE", "names where the store is")
			}
			assert.Empty(t, r.stderr)
		})
	}
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	for _, sh := range []string{"bash", "zsh", "fish"} {
		r := s.ok("", "completion", sh)
		assert.Contains(t, r.stdout, "envseal", sh)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown subcommand", []string{"secrets", "sett"}, `unknown command "sett"`},
		{"unknown flag", []string{"secrets", "list", "--nope"}, "unknown flag: --nope"},
		{"get without name", []string{"secrets", "get"}, "missing NAME [KEY]"},
		{"get too many", []string{"secrets", "get", "a", "B", "C"}, "too many arguments"},
		{"delete without name", []string{"secrets", "delete"}, "missing NAME"},
		{"set nothing", []string{"secrets", "set", "app"}, "nothing to set"},
		{"set not an assignment", []string{"secrets", "set", "app", "fake-not-an-assignment"}, "argument 2 is not KEY=VALUE"},
		{"run without command", []string{"run", "--env", "A=1"}, "missing COMMAND"},
		{"run bad env flag", []string{"run", "--env", "fake-bare-value", "--", "true"}, "--env wants KEY=VALUE"},
		{"run env flag bad key", []string{"run", "--env", "fake-base64-value==", "--", "true"}, "source flag 1: --env wants KEY=VALUE"},
		{"check env flag bad key", []string{"check", "--env", "A=1", "--env", "9fake-digit-first=x"}, "source flag 2"},
		{"set bad key", []string{"secrets", "set", "app", "A=1", "fake-dashed-value=="}, "argument 3: the part before = is not a key name"},
		{"key generate with argument", []string{"key", "generate", "fake-stray-argument"}, "takes no arguments, got 1"},
		{"check with argument", []string{"check", "--env", "A=1", "fake-stray-argument"}, "takes no arguments, got 1"},
		{"list with arguments", []string{"secrets", "list", "fake-stray-argument", "x"}, "takes no arguments, got 2"},
		{"strict without manifest", []string{"run", "--strict", "--", "true"}, "--strict needs --manifest"},
		{"check strict without manifest", []string{"check", "--strict"}, "--strict needs --manifest"},
		{"completion unknown shell", []string{"completion", "tcsh"}, `unknown shell "tcsh"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			r := s.run("", tt.args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, tt.want)
			assert.Contains(t, r.stderr, "--help")
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line")
			assert.Empty(t, r.stdout)
			noValues(t, r, "fake-not-an-assignment", "fake-bare-value", "fake-base64-value", "fake-digit-first", "fake-dashed-value", "fake-stray-argument")
		})
	}
}

func TestNoKeyYet(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.key = ""
	for _, args := range [][]string{
		{"secrets", "list"},
		{"secrets", "set", "app", "A=fake-value-1"},
		{"run", "--secret", "app", "--", "true"},
	} {
		r := s.run("", args...)
		assert.Equal(t, 1, r.code, "%v", args)
		assert.Contains(t, r.stderr, "envseal key generate", "%v", args)
		assert.NotContains(t, r.stderr, "goroutine")
	}
}

// TestKeyProblems checks that a missing, malformed or unsafe key gets one
// clear line that names where the key was looked for, never the key.
func TestKeyProblems(t *testing.T) {
	t.Parallel()
	const fakeBadKey = "envseal-key-1-fake-truncated"
	tests := []struct {
		name  string
		key   string   // ENVSEAL_KEY
		extra []string // more environment
		setup func(s *sandbox)
		want  []string
	}{
		{name: "no key anywhere", want: []string{"config/envseal/key does not exist", "envseal key generate"}},
		{name: "ENVSEAL_KEY_FILE missing", extra: []string{"ENVSEAL_KEY_FILE=/nonexistent/fake.key"},
			want: []string{"ENVSEAL_KEY_FILE names /nonexistent/fake.key, which does not exist"}},
		{name: "malformed ENVSEAL_KEY", key: fakeBadKey, want: []string{"ENVSEAL_KEY holds a malformed key"}},
		{name: "key file open to others", setup: func(s *sandbox) {
			s.write("config/envseal/key", "not-a-key\n")
			require.NoError(t, os.Chmod(filepath.Join(s.home, "config/envseal/key"), 0o644))
		}, want: []string{"chmod 600"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			s.key, s.extra = tt.key, tt.extra
			if tt.setup != nil {
				tt.setup(s)
			}
			r := s.run("", "secrets", "list")
			assert.Equal(t, 1, r.code)
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line")
			assert.True(t, strings.HasPrefix(r.stderr, "envseal: "), "said by envseal: %q", r.stderr)
			// TODO(layout): assert that "envseal:" is said once when the
			// library stops prefixing its errors.
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, w)
			}
			noValues(t, r, fakeBadKey, "not-a-key")
		})
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"empty", "", "(empty)"},
		{"short", "fake-pw", "********"},
		{"just under", strings.Repeat("x", maskShowFrom-1), "********"},
		{"long", "sk-p" + strings.Repeat("x", 47), "sk-p****** (51 bytes)"},
		{"long non-printable prefix", "\x01abc" + strings.Repeat("x", 30), "****** (34 bytes)"},
		{"long with space", "ab c" + strings.Repeat("x", 30), "****** (34 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, mask(tt.in))
		})
	}
}

func TestDotenvQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"bare", "fake-abc_1.2", "fake-abc_1.2"},
		{"empty", "", `""`},
		{"dollar", "pa$Sword", `"pa\$Sword"`},
		{"newline and quote", "a\n\"b\"", `"a\n\"b\""`},
		{"tab backslash", "a\tb\\", `"a\tb\\"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, dotenvQuote(tt.in))
		})
	}
}

package main

import (
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
		{"key generate with argument", []string{"key", "generate", "x"}, "unknown command"},
		{"check with argument", []string{"check", "x"}, "unknown command"},
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
			noValues(t, r, "fake-not-an-assignment", "fake-bare-value")
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

package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
		{"secrets", "list"}, {"secrets", "ls"}, {"secrets", "delete"}, {"secrets", "rm"}, {"secrets", "unset"},
		{"secrets", "import"}, {"secrets", "export"}, {"init"}, {"run"}, {"check"}, {"completion", "bash"},
	} {
		t.Run(strings.Join(append([]string{"envseal"}, args...), " "), func(t *testing.T) {
			t.Parallel()
			r := s.run("", append(args, "--help")...)
			assert.Equal(t, 0, r.code)
			assert.Contains(t, r.stdout, "Usage:")
			assert.NotContains(t, r.stdout, "[flags] [flags]")
			assert.NotContains(t, r.stdout, "] [flags]\n", "flags listed in the usage line already")
			if len(args) == 0 || args[0] != "completion" && args[0] != "key" && args[0] != "init" {
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
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		r := s.ok("", "completion", sh)
		assert.Contains(t, r.stdout, "envseal", sh)
	}
}

// TestUsageErrors checks that every malformed command line is one line on
// standard error, naming the command and its help, exit 2, and never repeats
// an argument or flag value that might be a secret typed in the wrong place.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `envseal: unknown command "frobnicate"`},
		{"unknown subcommand", []string{"secrets", "sett"}, `envseal secrets: unknown command "sett"`},
		{"unknown flag", []string{"secrets", "list", "--nope"}, "envseal secrets list: unknown flag: --nope"},
		{"unknown shorthand flag", []string{"secrets", "list", "-fake-shorthand-value"}, "unknown shorthand flag: -f"},
		{"flag without its value", []string{"run", "--secret"}, "flag needs an argument: --secret"},
		{"bool flag with a value", []string{"secrets", "get", "--reveal=fake-bool-value", "app"}, "invalid value for --reveal"},
		{"bad flag syntax", []string{"secrets", "list", "---fake-syntax-value"}, "bad flag syntax"},
		{"get without name", []string{"secrets", "get"}, "missing NAME [KEY]"},
		{"get too many", []string{"secrets", "get", "a", "B", "C"}, "too many arguments"},
		{"delete without name", []string{"secrets", "delete"}, "missing NAME"},
		{"set without name", []string{"secrets", "set"}, "missing NAME"},
		{"set nothing", []string{"secrets", "set", "app"}, "nothing to set"},
		{"set not an assignment", []string{"secrets", "set", "app", "fake-not-an-assignment"}, "argument 2 is not KEY=VALUE"},
		{"set bad key", []string{"secrets", "set", "app", "A=1", "fake-dashed-value=="}, "argument 3: the part before = is not a key name"},
		{"set stdin twice", []string{"secrets", "set", "app", "A=-", "B=-"}, "only one key can read standard input (B=-)"},
		{"run without command", []string{"run", "--env", "A=1"}, "missing COMMAND"},
		{"run bad env flag", []string{"run", "--env", "fake-bare-value", "--", "true"}, "source flag 1: --env wants KEY=VALUE"},
		{"run env flag bad key", []string{"run", "--dotenv", "x.env", "--env", "fake-base64-value==", "--", "true"}, "source flag 2: --env wants KEY=VALUE"},
		{"check env flag bad key", []string{"check", "--env", "A=1", "--env", "9fake-digit-first=x"}, "envseal check: source flag 2"},
		{"key generate with argument", []string{"key", "generate", "fake-stray-argument"}, "takes no arguments, got 1"},
		{"check with argument", []string{"check", "--env", "A=1", "fake-stray-argument"}, "takes no arguments, got 1"},
		{"list with arguments", []string{"secrets", "list", "fake-stray-argument", "x"}, "takes no arguments, got 2"},
		{"strict without manifest", []string{"run", "--strict", "--", "true"}, "envseal run: --strict needs --manifest"},
		{"check strict without manifest", []string{"check", "--strict"}, "--strict needs --manifest"},
		{"init with argument", []string{"init", "fake-stray-argument"}, "envseal init: takes no arguments, got 1"},
		{"function without envseal.yml", []string{"run", "-f", "api", "--", "true"}, "envseal run: --function: there is no envseal.yml in this folder"},
		{"completion unknown shell", []string{"completion", "tcsh"}, `unknown shell "tcsh"`},
		{"completion shell with argument", []string{"completion", "bash", "fake-stray-argument"}, "envseal completion bash: takes no arguments, got 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			r := s.run("", tt.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, tt.want)
			assert.Contains(t, r.stderr, "--help')\n")
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line")
			assert.Empty(t, r.stdout)
			noValues(t, r, "fake-not-an-assignment", "fake-bare-value", "fake-base64-value", "fake-digit-first",
				"fake-dashed-value", "fake-stray-argument", "fake-bool-value", "fake-syntax-value", "fake-shorthand-value")
		})
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"empty", "", "(empty)"},
		{"one byte", "x", "****** (1 bytes)"},
		{"short", "fake-pw", "****** (7 bytes)"},
		{"long", "sk-p" + strings.Repeat("x", 47), "****** (51 bytes)"},
		{"unicode counts bytes", "fake-ключ", "****** (13 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, mask(tt.in))
		})
	}
}

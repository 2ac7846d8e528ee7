package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadOnlyCommandsCreateNoStore runs every command that only reads the
// store against a store folder that does not exist: each behaves as for an
// empty store, and the folder is still absent afterwards.
func TestReadOnlyCommandsCreateNoStore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"list", []string{"secrets", "list"}, 0, "", ""},
		{"ls --keys", []string{"secrets", "ls", "--keys"}, 0, "NAME  UPDATED  KEYS  NOTES\n", ""},
		{"list --json", []string{"secrets", "list", "--json"}, 0, "{\n  \"bundles\": []\n}\n", ""},
		{"get", []string{"secrets", "get", "app"}, 1, "", "envseal: no bundle named \"app\" in the store (see 'envseal secrets list')\n"},
		{"get --json", []string{"secrets", "get", "--json", "app", "KEY"}, 1, "", "no bundle named \"app\""},
		{"export", []string{"secrets", "export", "app"}, 1, "", "no bundle named \"app\""},
		{"export dir", []string{"secrets", "export", "app", "--format", "dir", "--out", "out"}, 1, "", "no bundle named \"app\""},
		{"delete", []string{"secrets", "delete", "app"}, 1, "", "no bundle named \"app\""},
		{"rm", []string{"secrets", "rm", "app"}, 1, "", "no bundle named \"app\""},
		{"unset", []string{"secrets", "unset", "app", "KEY"}, 1, "", "no bundle named \"app\""},
		{"check", []string{"check", "--secret", "app"}, 1, "", "app"},
		{"run", []string{"run", "--secret", "app", "--", "fake-command-never-run"}, 1, "", "app"},
		{"complete get", []string{"__complete", "secrets", "get", ""}, 0, ":4\n", ""},
		{"complete run --secret", []string{"__complete", "run", "--secret", ""}, 0, ":4\n", ""},
		{"complete unset keys", []string{"__complete", "secrets", "unset", "app", ""}, 0, ":4\n", ""},
		{"completion script", []string{"completion", "bash"}, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			r := s.run("", tt.args...)
			assert.Equal(t, tt.code, r.code, r.stderr)
			if tt.name != "completion script" {
				assert.Equal(t, tt.stdout, r.stdout)
			}
			if strings.HasPrefix(tt.name, "complete") || tt.stderr == "" {
				assert.NotContains(t, r.stderr, "envseal:", "completion fails quietly")
			} else {
				assert.Contains(t, r.stderr, tt.stderr)
			}
			_, err := os.Stat(s.store)
			assert.ErrorIs(t, err, os.ErrNotExist, "the store folder was created")
		})
	}
}

// TestBundleSuggestions checks that a bundle name that does not exist gets
// the names close to it that do, on every command that takes one, and no
// name that does not exist.
func TestBundleSuggestions(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	for _, name := range []string{"openai", "openai-prod", "postgres", "unrelated"} {
		s.ok("", "secrets", "set", name, "KEY=fake-suggest-value")
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"get, one close", []string{"secrets", "get", "postgre"}, `no bundle named "postgre" in the store; did you mean "postgres"?`},
		{"get, one edit", []string{"secrets", "get", "openaj"}, `no bundle named "openaj" in the store; did you mean "openai"?`},
		{"get, prefix", []string{"secrets", "get", "openai-p"}, `did you mean "openai" or "openai-prod"?`},
		{"delete", []string{"secrets", "delete", "postgress"}, `did you mean "postgres"?`},
		{"rm", []string{"secrets", "rm", "postgress"}, `did you mean "postgres"?`},
		{"unset", []string{"secrets", "unset", "postgress", "KEY"}, `did you mean "postgres"?`},
		{"export", []string{"secrets", "export", "postgress"}, `did you mean "postgres"?`},
		{"nothing close", []string{"secrets", "get", "zzz"}, `no bundle named "zzz" in the store (see 'envseal secrets list')`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.run("", tt.args...)
			assert.Equal(t, exitFailure, r.code)
			assert.True(t, strings.HasPrefix(r.stderr, "envseal: no bundle named "), r.stderr)
			assert.True(t, strings.HasSuffix(r.stderr, tt.want+"\n"), r.stderr)
			assert.Empty(t, r.stdout)
		})
	}
	// run and check: the --secret that failed.
	for _, args := range [][]string{
		{"check", "--secret", "openai", "--secret", "postgress"},
		{"run", "--secret", "postgress", "--secret", "openaj", "--", "fake-command-never-run"},
	} {
		r := s.run("", args...)
		assert.Equal(t, exitFailure, r.code)
		assert.Contains(t, r.stderr, "postgress")
		assert.True(t, strings.HasSuffix(r.stderr, `; did you mean --secret "postgres"?`+"\n"), r.stderr)
	}
	r := s.run("", "check", "--secret", "zzz")
	assert.Equal(t, exitFailure, r.code)
	assert.NotContains(t, r.stderr, "did you mean")

	// Nothing was deleted or changed by the failed commands.
	assert.Equal(t, "openai\nopenai-prod\npostgres\nunrelated\n", s.ok("", "secrets", "list").stdout)
}

func TestSuggestNames(t *testing.T) {
	t.Parallel()
	names := []string{"api", "app", "application", "db", "postgres", "prod"}
	tests := []struct {
		typed string
		want  []string
	}{
		{"ap", []string{"api", "app"}},
		{"app", []string{"api", "application"}}, // never the name itself
		{"appl", []string{"app", "application"}},
		{"aplication", []string{"application"}},
		{"postgress", []string{"postgres"}},
		{"dv", []string{"db"}},
		{"xyzzy", nil},
		{"stage", nil},
	}
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, suggestNames(tt.typed, names))
		})
	}
}

// TestCommandSuggestions checks cobra's "did you mean" for mistyped
// commands, and the ls and rm aliases.
func TestCommandSuggestions(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"root", []string{"secret"}, `envseal: unknown command "secret"; did you mean "secrets"?`},
		{"root prefix", []string{"ru"}, `did you mean "run"?`},
		{"sub", []string{"secrets", "delet"}, `envseal secrets: unknown command "delet"; did you mean "delete"?`},
		{"sub import", []string{"secrets", "improt"}, `did you mean "import"?`},
		{"no suggestion", []string{"secrets", "frobnicate"}, `envseal secrets: unknown command "frobnicate" (see`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.run("", tt.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
	s.ok("", "secrets", "set", "app", "A=fake-alias-value")
	assert.Equal(t, "app\n", s.ok("", "secrets", "ls").stdout)
	s.ok("", "secrets", "rm", "app")
	assert.Empty(t, s.ok("", "secrets", "ls").stdout)
}

// TestCompletionOfNames completes bundle names and key names from the
// store, and offers nothing, quietly, when the store cannot be read.
func TestCompletionOfNames(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "api", "TOKEN=fake-completion-value", "USER=fake-completion-user")
	s.ok("", "secrets", "set", "app", "A=fake-completion-a")
	s.ok("", "secrets", "set", "db", "A=fake-completion-a")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"get names", []string{"secrets", "get", ""}, "api\napp\ndb\n:4\n"},
		{"get prefix", []string{"secrets", "get", "ap"}, "api\napp\n:4\n"},
		{"get keys", []string{"secrets", "get", "api", ""}, "TOKEN\nUSER\n:4\n"},
		{"get no third", []string{"secrets", "get", "api", "TOKEN", ""}, ":4\n"},
		{"unset keys not given yet", []string{"secrets", "unset", "api", "TOKEN", ""}, "USER\n:4\n"},
		{"delete names", []string{"secrets", "delete", "d"}, "db\n:4\n"},
		{"export names", []string{"secrets", "export", "a"}, "api\napp\n:4\n"},
		{"export formats", []string{"secrets", "export", "api", "--format", ""}, "dotenv\njson\nk8s\ndir\n:4\n"},
		{"import files", []string{"secrets", "import", "api", ""}, ":0\n"},
		{"run --secret", []string{"run", "--secret", "d"}, "db\n:4\n"},
		{"check --secret", []string{"check", "--secret", ""}, "api\napp\ndb\n:4\n"},
		{"bundle that does not exist", []string{"secrets", "get", "nope", ""}, ":4\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.ok("", append([]string{"__complete"}, tt.args...)...)
			assert.Equal(t, tt.want, r.stdout)
			noValues(t, r, "fake-completion-value", "fake-completion-user", "fake-completion-a")
		})
	}

	// A wrong key: nothing offered, nothing said but cobra's debug line.
	wrong := newSandbox(t)
	wrong.store = s.store
	r := wrong.ok("", "__complete", "secrets", "get", "api", "")
	assert.Equal(t, ":4\n", r.stdout)
	assert.NotContains(t, r.stderr, "envseal")
}

func TestValidBundleName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"app": true, "a": true, "0": true, "app_1-x": true, strings.Repeat("a", 64): true,
		"": false, "App": false, "-app": false, "_app": false, "a.b": false, "a/b": false,
		"a=b": false, strings.Repeat("a", 65): false,
	} {
		require.Equal(t, want, validBundleName(name), "%q", name)
	}
}

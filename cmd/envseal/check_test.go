package main

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	const long = "fake-check-value-0123456789"
	s.ok("", "secrets", "set", "app", "API_KEY="+long)
	manifest := s.write("inf.yml", `secrets:
  - key: API_KEY
    description: The API key
  - key: DB_URL
    description: Where the database lives
  - key: DEBUG
    optional: true
`)
	dotenv := s.write(".env", "DEBUG=fake-debug\nSTRAY=fake-stray\n")

	r := s.run("", "check", "--manifest", manifest, "--secret", "app", "--dotenv", dotenv)
	assert.Equal(t, 1, r.code)
	noValues(t, r, long, "fake-debug", "fake-stray")
	assert.Contains(t, r.stdout, "KEY")
	assert.Regexp(t, `API_KEY\s+name:app\s+\*{6} \(27 bytes\)\s+required\s+The API key\n`, r.stdout)
	assert.Regexp(t, `DB_URL\s+-\s+\(missing\)\s+required, MISSING\s+Where the database lives\n`, r.stdout)
	assert.Regexp(t, `DEBUG\s+dotenv:\S+\s+\*{6} \(10 bytes\)\s+optional\n`, r.stdout)
	assert.Regexp(t, `STRAY\s+dotenv:\S+\s+\*{6} \(10 bytes\)\s+undeclared\n`, r.stdout)
	assert.Contains(t, r.stderr, "DB_URL: Where the database lives")

	r = s.run("", "check", "--manifest", manifest, "--secret", "app", "--dotenv", dotenv, "--json")
	assert.Equal(t, 1, r.code)
	noValues(t, r, long, "fake-debug", "fake-stray")
	var rep checkReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.False(t, rep.OK)
	assert.Equal(t, map[string]string{"DB_URL": "Where the database lives"}, rep.Missing)
	require.Len(t, rep.Secrets, 4)
	assert.Equal(t, checkRow{Key: "API_KEY", Origin: "name:app", Value: "****** (27 bytes)", Declared: true, Required: true, Description: "The API key"}, rep.Secrets[0])

	// Satisfied: exit 0.
	r = s.ok("", "check", "--manifest", manifest, "--secret", "app", "--env", "DB_URL=fake-db-url-value", "--json")
	noValues(t, r, long, "fake-db-url-value")
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.True(t, rep.OK)

	// No manifest: rows without declarations.
	r = s.ok("", "check", "--env", "A=fake-a-value")
	assert.Regexp(t, `A\s+flag:--env\s+\*{6} \(12 bytes\)\s+-\n`, r.stdout)
}

// TestCheckEscapesControlCharacters gives check a manifest whose
// descriptions, and a file name, hold terminal escape sequences and other
// control characters: what envseal prints shows them escaped, never raw.
// With --json, the report keeps the description as it is, JSON-escaped.
func TestCheckEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	manifest := s.write("inf.yml", `secrets:
  - key: A
    description: "\e]0;owned\a\e[2J\e[31mred\rover\x7f\x9b31m\u202Eevil"
  - key: B
    description: "plain"
`)
	unprintable := func(out string) bool {
		return strings.ContainsFunc(out, func(r rune) bool { return r != '\n' && r != '\t' && !unicode.IsPrint(r) })
	}
	tests := []struct {
		name string
		args []string
		want string // in standard error
	}{
		{"descriptions", []string{"check", "--manifest", manifest}, `missing A: \x1b]0;owned\x07\x1b[2J\x1b[31mred over\x7f\u009b31m\u202eevil`},
		{"file name", []string{"check", "--dotenv", "fake\x1b[31m\r.env"}, `fake\x1b[31m\x0d.env`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.run("", tt.args...)
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.stderr, tt.want)
			assert.False(t, unprintable(r.stdout), "standard output: %q", r.stdout)
			assert.False(t, unprintable(r.stderr), "standard error: %q", r.stderr)
		})
	}
	// A file whose name holds control characters, in the table of origins.
	named := s.write("fake\x1b]0;owned\a.env", "A=fake-value-a\n")
	r := s.run("", "check", "--manifest", manifest, "--dotenv", named)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, `fake\x1b]0;owned\x07.env`)
	assert.False(t, unprintable(r.stdout), "standard output: %q", r.stdout)
	assert.False(t, unprintable(r.stderr), "standard error: %q", r.stderr)

	r = s.run("", "check", "--manifest", manifest, "--json")
	assert.Equal(t, 1, r.code)
	var rep checkReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, "\x1b]0;owned\a\x1b[2J\x1b[31mred\rover\x7f\u009b31m\u202eevil", rep.Missing["A"])
	assert.NotContains(t, r.stdout, "\x1b")
	assert.False(t, unprintable(r.stderr), "standard error: %q", r.stderr)
}

package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	fakeLong  = "fake-long-api-key-0123456789abcdef"
	fakeShort = "fake-pw"
	fakeFile  = "fake-from-a-file-value"
	fakeStdin = "fake-from-stdin-value"
	fakeDot   = "fake-from-dotenv-value"
)

func TestSecretsSetGetListDelete(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	file := s.write("value.txt", fakeFile+"\n")
	dotenv := s.write("app.env", "DOT="+fakeDot+"\nLONG=fake-overridden-by-argument\n")
	all := []string{fakeLong, fakeShort, fakeFile, fakeStdin, fakeDot}

	r := s.ok(fakeStdin+"\n", "secrets", "set", "app",
		"LONG="+fakeLong, "SHORT="+fakeShort, "FILE=@"+file, "STDIN=-", "--from-dotenv", dotenv)
	noValues(t, r, all...)

	// Masked by default, whole bundle and one key.
	r = s.ok("", "secrets", "get", "app")
	noValues(t, r, all...)
	for _, k := range []string{"DOT", "FILE", "LONG", "SHORT", "STDIN"} {
		assert.Contains(t, r.stdout, k)
	}
	assert.Contains(t, r.stdout, "fake****** (34 bytes)")
	r = s.ok("", "secrets", "get", "app", "SHORT")
	assert.Equal(t, "********\n", r.stdout)

	// Revealed: each value exactly as given (one trailing newline trimmed
	// from the file and stdin; the argument beat the .env file).
	for k, want := range map[string]string{"LONG": fakeLong, "SHORT": fakeShort, "FILE": fakeFile, "STDIN": fakeStdin, "DOT": fakeDot} {
		r = s.ok("", "secrets", "get", "--reveal", "app", k)
		assert.True(t, r.stdout == want+"\n", "revealed %s is not what was set", k)
	}
	r = s.ok("", "secrets", "get", "--reveal", "app")
	assert.True(t, strings.Contains(r.stdout, "LONG="+fakeLong+"\n"), "the bundle prints as .env")

	// Merge keeps other keys; --replace does not.
	s.ok("", "secrets", "set", "app", "EXTRA=fake-extra-value")
	r = s.ok("", "secrets", "get", "app")
	assert.Contains(t, r.stdout, "LONG")
	assert.Contains(t, r.stdout, "EXTRA")
	s.ok("", "secrets", "set", "--replace", "other", "ONLY=fake-only-value")
	s.ok("", "secrets", "set", "--replace", "app", "ONLY=fake-only-value")
	r = s.ok("", "secrets", "get", "app")
	assert.NotContains(t, r.stdout, "LONG")
	assert.Contains(t, r.stdout, "ONLY")

	// List: names, and key names with --keys; never values.
	r = s.ok("", "secrets", "list")
	assert.Equal(t, "app\nother\n", r.stdout)
	r = s.ok("", "secrets", "list", "--keys")
	assert.Regexp(t, `NAME\s+UPDATED\s+KEYS\napp\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+ONLY\n`, r.stdout)
	noValues(t, r, "fake-only-value")

	// Delete, then it is gone.
	s.ok("", "secrets", "delete", "app")
	r = s.run("", "secrets", "get", "app")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `no bundle named "app"`)
	assert.Equal(t, "other\n", s.ok("", "secrets", "list").stdout)
	r = s.run("", "secrets", "delete", "app")
	assert.Equal(t, 1, r.code)
}

func TestSecretsSetErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{"invalid key", []string{"app", "9BAD=fake-value-x"}, "", 2, "argument 2"},
		{"missing file", []string{"app", "A=@/nonexistent/fake-path"}, "", 1, "reading A"},
		{"stdin twice", []string{"app", "A=-", "B=-"}, "fake-in", 2, "only one key"},
		{"empty file", []string{"app", "A=@/dev/null"}, "", 1, "/dev/null is empty: no value for A"},
		{"empty stdin", []string{"app", "A=-"}, "", 1, "standard input is empty: no value for A"},
		{"stdin just a newline", []string{"app", "A=-"}, "\n", 1, "standard input is empty"},
		{"missing dotenv", []string{"app", "--from-dotenv", "/nonexistent.env"}, "", 1, "nonexistent.env"},
		{"bad bundle name", []string{"Bad Name!", "A=fake-value-y"}, "", 1, ""},
		{"get missing key", nil, "", 1, "no key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			var r result
			if tt.args == nil {
				s.ok("", "secrets", "set", "app", "A=fake-value-z")
				r = s.run("", "secrets", "get", "app", "NOPE")
			} else {
				r = s.run(tt.stdin, append([]string{"secrets", "set"}, tt.args...)...)
			}
			require.Equal(t, tt.code, r.code)
			assert.Contains(t, r.stderr, tt.want)
			assert.NotContains(t, r.stderr, "goroutine")
			noValues(t, r, "fake-value-x", "fake-value-y", "fake-value-z", "fake-in")
		})
	}
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

const (
	fakeLong  = "fake-long-api-key-0123456789abcdef"
	fakeShort = "fake-pw"
	fakeFile  = "fake-from-a-file-value"
	fakeStdin = "fake-from-stdin-value"
	fakeDot   = "fake-from-dotenv-value"
)

// TestSecretsSetAndGet sets values from arguments, a file, standard input
// and a .env file, and reads them back masked and revealed.
func TestSecretsSetAndGet(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	file := s.write("value.txt", fakeFile+"\n")
	dotenv := s.write("app.env", "DOT="+fakeDot+"\nLONG=fake-overridden-by-argument\n")
	all := []string{fakeLong, fakeShort, fakeFile, fakeStdin, fakeDot}

	r := s.ok(fakeStdin+"\n", "secrets", "set", "app",
		"LONG="+fakeLong, "SHORT="+fakeShort, "FILE=@"+file, "STDIN=-", "--from-dotenv", dotenv)
	noValues(t, r, all...)
	assert.Equal(t, "envseal: set 5 key(s) in app\n", r.stderr)

	// Masked by default, whole bundle and one key.
	r = s.ok("", "secrets", "get", "app")
	noValues(t, r, all...)
	for _, k := range []string{"DOT", "FILE", "LONG", "SHORT", "STDIN"} {
		assert.Contains(t, r.stdout, k)
	}
	assert.Regexp(t, `(?m)^LONG +\*{6} \(34 bytes\)$`, r.stdout)
	r = s.ok("", "secrets", "get", "app", "SHORT")
	assert.Equal(t, "****** (7 bytes)\n", r.stdout)

	// Revealed: each value exactly as given (one trailing newline trimmed
	// from the file and stdin; the argument beat the .env file).
	for k, want := range map[string]string{"LONG": fakeLong, "SHORT": fakeShort, "FILE": fakeFile, "STDIN": fakeStdin, "DOT": fakeDot} {
		r = s.ok("", "secrets", "get", "--reveal", "app", k)
		assert.True(t, r.stdout == want+"\n", "revealed %s is not what was set", k)
	}
	r = s.ok("", "secrets", "get", "--reveal", "app")
	assert.True(t, strings.Contains(r.stdout, "LONG="+fakeLong+"\n"), "the bundle prints as .env")

	// A key the bundle does not have.
	r = s.run("", "secrets", "get", "app", "NOPE")
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: bundle app has no key NOPE\n", r.stderr)
}

// TestSecretsMergeAndReplace checks that set merges into a bundle, and that
// set --replace does not, and names the keys it removed.
func TestSecretsMergeAndReplace(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "LONG="+fakeLong)
	r := s.ok("", "secrets", "set", "app", "EXTRA=fake-extra-value")
	assert.Equal(t, "envseal: set 1 key(s) in app\n", r.stderr)
	r = s.ok("", "secrets", "get", "app")
	assert.Contains(t, r.stdout, "LONG")
	assert.Contains(t, r.stdout, "EXTRA")
	r = s.ok("", "secrets", "set", "--replace", "app", "ONLY=fake-only-value", "EXTRA=fake-extra-value-2")
	assert.Equal(t, "envseal: set 2 key(s) in app; --replace removed 1 other key(s): LONG\n", r.stderr)
	noValues(t, r, fakeLong, "fake-extra-value", "fake-only-value")
	r = s.ok("", "secrets", "get", "app")
	assert.NotContains(t, r.stdout, "LONG")
	assert.Contains(t, r.stdout, "ONLY")
	r = s.ok("", "secrets", "set", "--replace", "app", "ONLY=fake-only-value", "EXTRA=fake-extra-value-2")
	assert.Equal(t, "envseal: set 2 key(s) in app; --replace removed no other key\n", r.stderr)
	r = s.ok("", "secrets", "set", "--replace", "new", "A=fake-a")
	assert.Equal(t, "envseal: set 1 key(s) in new; --replace removed no other key\n", r.stderr)
}

// TestSecretsJSON checks the JSON of secrets list and get: values only
// with --reveal, lengths always.
func TestSecretsJSON(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "LONG="+fakeLong, "EMPTY=", "SHORT="+fakeShort)
	s.ok("", "secrets", "set", "db", "URL=fake-db-url")

	r := s.ok("", "secrets", "list", "--json")
	assert.JSONEq(t, `{"bundles": [{"name": "app"}, {"name": "db"}]}`, r.stdout)

	r = s.ok("", "secrets", "ls", "--json", "--keys")
	noValues(t, r, fakeLong, fakeShort, "fake-db-url")
	var list listJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	require.Len(t, list.Bundles, 2)
	assert.Equal(t, []string{"EMPTY", "LONG", "SHORT"}, list.Bundles[0].Keys)
	assert.Equal(t, "db", list.Bundles[1].Name)
	_, err := time.Parse(time.RFC3339, list.Bundles[0].Updated)
	assert.NoError(t, err, "updated is RFC 3339")

	r = s.ok("", "secrets", "get", "--json", "app")
	noValues(t, r, fakeLong, fakeShort)
	assert.JSONEq(t, `{"name": "app", "secrets": [
		{"key": "EMPTY", "length": 0}, {"key": "LONG", "length": 34}, {"key": "SHORT", "length": 7}]}`, r.stdout)

	r = s.ok("", "secrets", "get", "--json", "app", "SHORT")
	assert.JSONEq(t, `{"name": "app", "secrets": [{"key": "SHORT", "length": 7}]}`, r.stdout)

	r = s.ok("", "secrets", "get", "--json", "--reveal", "app")
	assert.JSONEq(t, `{"name": "app", "secrets": [
		{"key": "EMPTY", "length": 0, "value": ""},
		{"key": "LONG", "length": 34, "value": "`+fakeLong+`"},
		{"key": "SHORT", "length": 7, "value": "`+fakeShort+`"}]}`, r.stdout)

	s.ok("", "secrets", "set", "app", "BYTES=fake-\xff")
	r = s.run("", "secrets", "get", "--json", "--reveal", "app", "BYTES")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, "the value of BYTES is not valid UTF-8")
	r = s.ok("", "secrets", "get", "--json", "app", "BYTES")
	assert.JSONEq(t, `{"name": "app", "secrets": [{"key": "BYTES", "length": 6}]}`, r.stdout)
}

// TestSecretsListAndDelete lists bundles, with their key names, never their
// values, and deletes one.
func TestSecretsListAndDelete(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "other", "ONLY=fake-only-value")
	s.ok("", "secrets", "set", "app", "ONLY=fake-only-value", "B=fake-b-value")

	r := s.ok("", "secrets", "list")
	assert.Equal(t, "app\nother\n", r.stdout)
	r = s.ok("", "secrets", "list", "--keys")
	assert.Regexp(t, `NAME\s+UPDATED\s+KEYS\s+NOTES\napp\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+B,ONLY\nother\s+\S+ \S+\s+ONLY\n`, r.stdout)
	noValues(t, r, "fake-only-value", "fake-b-value")

	s.ok("", "secrets", "delete", "app")
	r = s.run("", "secrets", "get", "app")
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: no bundle named \"app\" in the store (see 'envseal secrets list')\n", r.stderr)
	assert.Equal(t, "other\n", s.ok("", "secrets", "list").stdout)
	r = s.run("", "secrets", "delete", "app")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, `no bundle named "app"`)
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
		{"missing file", []string{"app", "A=@/nonexistent/fake-value-x"}, "", 1, "argument 2: reading the file for A: no such file or directory"},
		{"stdin twice", []string{"app", "A=-", "B=-"}, "fake-in", 2, "only one key"},
		{"empty file", []string{"app", "A=@" + os.DevNull}, "", 1, "argument 2: the file for A is empty: no value for A"},
		{"empty stdin", []string{"app", "A=-"}, "", 1, "standard input is empty: no value for A"},
		{"stdin just a newline", []string{"app", "A=-"}, "\n", 1, "standard input is empty"},
		{"missing dotenv", []string{"app", "--from-dotenv", "/nonexistent.env"}, "", 1, "nonexistent.env"},
		{"bad bundle name", []string{"Bad Name!", "A=fake-value-y"}, "", 2, "argument 1 is not a bundle name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			r := s.run(tt.stdin, append([]string{"secrets", "set"}, tt.args...)...)
			require.Equal(t, tt.code, r.code)
			assert.True(t, strings.HasPrefix(r.stderr, "envseal"), "said by envseal: %q", r.stderr)
			assert.Contains(t, r.stderr, tt.want)
			noValues(t, r, "fake-value-x", "fake-value-y", "fake-in")
			_, err := os.Stat(filepath.Join(s.store, "app.sealed"))
			assert.ErrorIs(t, err, os.ErrNotExist, "nothing was set")
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

// What secrets get --reveal prints must read back exactly through FromDotenv,
// which secrets set --from-dotenv and run --dotenv use.
func TestDotenvQuoteRoundTrip(t *testing.T) {
	t.Parallel()
	values := map[string]string{
		"EMPTY":     "",
		"PLAIN":     "fake-plain_value.1:2/3@host+x,y=z%",
		"DOLLAR":    "pa$Sword-fake",
		"BRACES":    "fake-${NOT_EXPANDED}",
		"BCRYPT":    "$2a$10$fakefakefakefakefakefuJ2yq5J1xNnYxO0aB3QqGmW0hXn2Cq",
		"BACKSLASH": `fake\tab\n\\"q\"\`,
		"QUOTES":    `"fake" 'single' "`,
		"HASH":      "fake #not-a-comment",
		"SPACES":    "  fake padded  ",
		"LINES":     "fake-1\nfake-2\r\n\tfake-3\n",
		"UNICODE":   "fake-ключ-🔑",
		"JSON":      `{"type":"fake","key":"-----BEGIN FAKE-----\nAAAA\n-----END FAKE-----\n"}`,
	}
	var content string
	for k, v := range values {
		content += k + "=" + dotenvQuote(v) + "\n"
	}
	path := filepath.Join(t.TempDir(), "revealed.env")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	got, err := secret.FromDotenv(path).Load(context.Background())
	require.NoError(t, err)
	for k, v := range values {
		assert.True(t, got[k] == v, "%s does not read back as written", k)
	}
	assert.Len(t, got, len(values))
}

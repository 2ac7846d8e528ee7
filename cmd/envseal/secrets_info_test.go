package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecretsDescriptions sets descriptions with -d and --describe, and
// reads them back with get, list --keys and their JSON.
func TestSecretsDescriptions(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	const v1, v2 = "fake-desc-value-one", "fake-desc-value-two"

	r := s.ok("", "secrets", "set", "app", "API_KEY="+v1, "-d", "OpenAI key for completions")
	assert.Equal(t, "envseal: set 1 key(s) in app; described API_KEY in app\n", r.stderr)
	r = s.ok("", "secrets", "get", "app")
	assert.Regexp(t, `(?m)^API_KEY +\*{6} \(19 bytes\) +OpenAI key for completions$`, r.stdout)
	r = s.ok("", "secrets", "get", "app", "API_KEY")
	assert.Equal(t, "****** (19 bytes)  OpenAI key for completions\n", r.stdout)
	r = s.ok("", "secrets", "get", "--reveal", "app", "API_KEY")
	assert.True(t, r.stdout == v1+"\n", "--reveal of one key prints its value alone")

	// A new value keeps the description; --describe adds and removes them.
	s.ok("", "secrets", "set", "app", "API_KEY="+v2)
	r = s.ok("", "secrets", "set", "app", "DB_URL=fake-db", "--describe", "DB_URL=Postgres, for results", "--describe", "API_KEY=")
	assert.Equal(t, "envseal: set 1 key(s) in app; described DB_URL in app; removed the description of API_KEY in app\n", r.stderr)
	r = s.ok("", "secrets", "set", "app", "--describe", "API_KEY=Rotated monthly")
	assert.Equal(t, "envseal: described API_KEY in app\n", r.stderr)
	r = s.ok("", "secrets", "get", "--json", "app")
	assert.JSONEq(t, `{"name": "app", "secrets": [
		{"key": "API_KEY", "length": 19, "description": "Rotated monthly"},
		{"key": "DB_URL", "length": 7, "description": "Postgres, for results"}]}`, r.stdout)
	noValues(t, r, v1, v2)

	r = s.ok("", "secrets", "list", "--keys")
	assert.Regexp(t, `(?m)^app +\S+ \S+ +API_KEY,DB_URL +API_KEY: Rotated monthly; DB_URL: Postgres, for results$`, r.stdout)
	r = s.ok("", "secrets", "list", "--keys", "--json")
	var list listJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &list))
	assert.Equal(t, map[string]string{"API_KEY": "Rotated monthly", "DB_URL": "Postgres, for results"}, list.Bundles[0].Descriptions)
	assert.False(t, list.Bundles[0].WriteOnly)

	// --replace and unset drop the descriptions of the keys they remove.
	s.ok("", "secrets", "set", "app", "--replace", "API_KEY="+v1, "OTHER=fake-other")
	s.ok("", "secrets", "unset", "app", "OTHER")
	r = s.ok("", "secrets", "get", "--json", "app")
	assert.JSONEq(t, `{"name": "app", "secrets": [{"key": "API_KEY", "length": 19, "description": "Rotated monthly"}]}`, r.stdout)

	// Keys to describe must exist; nothing is written otherwise.
	r = s.run("", "secrets", "set", "app", "NEW=fake-new", "--describe", "NOPE=about nothing")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, "no key NOPE to describe: nothing was changed")
	r = s.run("", "secrets", "set", "fresh", "--describe", "NOPE=about nothing")
	assert.Equal(t, exitFailure, r.code)
	assert.NotContains(t, s.ok("", "secrets", "list").stdout, "fresh", "a refused set creates no bundle")
	r = s.ok("", "secrets", "get", "--json", "app")
	assert.NotContains(t, r.stdout, "NEW")

	// Too long, or not UTF-8: refused, naming the key.
	r = s.run("", "secrets", "set", "app", "API_KEY="+v1, "-d", strings.Repeat("d", 1025))
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, "key API_KEY: description is 1025 bytes, over the limit of 1024")
	r = s.run("", "secrets", "set", "app", "API_KEY="+v1, "-d", "bad \xff")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, "description is not valid UTF-8")
	noValues(t, r, v1)
}

// TestSecretsDescriptionsEscaped stores a description with control
// characters and checks that no command prints them raw.
func TestSecretsDescriptionsEscaped(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	const evil = "\x1b[2J\x1b[31mred\nnext line\t\u202eevil\a"
	const shown = `\x1b[2J\x1b[31mred\x0anext line\x09\u202eevil\x07`
	s.ok("", "secrets", "set", "app", "K=fake-k", "-d", evil)
	// check shows runs of white space as one space, as for the manifest's
	// multi-line descriptions.
	const shownByCheck = `\x1b[2J\x1b[31mred next line \u202eevil\x07`
	for _, tc := range []struct {
		args  []string
		shown string
	}{
		{[]string{"secrets", "get", "app"}, shown},
		{[]string{"secrets", "get", "app", "K"}, shown},
		{[]string{"secrets", "list", "--keys"}, shown},
		{[]string{"check", "--secret", "app"}, shownByCheck},
	} {
		args := tc.args
		r := s.ok("", args...)
		assert.Contains(t, r.stdout, tc.shown, "%v", args)
		for _, raw := range []string{"\x1b", "\u202e", "\a", "red\nnext"} {
			assert.NotContains(t, r.stdout+r.stderr, raw, "%v prints a raw control character", args)
		}
	}
	// JSON carries it exactly, escaped as JSON does.
	r := s.ok("", "secrets", "get", "--json", "app")
	var b bundleJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &b))
	assert.Equal(t, evil, b.Secrets[0].Description)
	assert.NotContains(t, r.stdout, "\x1b")
}

// TestSecretsDescriptionUsage checks the malformed uses of -d and
// --describe: usage errors that repeat nothing.
func TestSecretsDescriptionUsage(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	dotenv := s.write("a.env", "A=fake-a\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"-d with two keys", []string{"secrets", "set", "app", "A=fake-1", "B=fake-2", "-d", "fake-description"}, "-d describes the one KEY=... given"},
		{"-d with --from-dotenv", []string{"secrets", "set", "app", "A=fake-1", "--from-dotenv", dotenv, "-d", "fake-description"}, "-d describes the one KEY=... given"},
		{"-d with no key", []string{"secrets", "set", "app", "-d", "fake-description"}, "nothing to set"},
		{"--describe without =", []string{"secrets", "set", "app", "--describe", "fake-not-key-text"}, "--describe 1 wants KEY=TEXT"},
		{"--describe bad key", []string{"secrets", "set", "app", "--describe", "1fake=text"}, "--describe 1 wants KEY=TEXT"},
		{"--describe twice", []string{"secrets", "set", "app", "A=fake-1", "--describe", "A=x", "--describe", "A=y"}, "--describe describes A twice"},
		{"-d and --describe of one key", []string{"secrets", "set", "app", "A=fake-1", "-d", "x", "--describe", "A=y"}, "-d and --describe both describe A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.run("", tt.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, tt.want)
			noValues(t, r, "fake-1", "fake-2", "fake-description", "fake-not-key-text", "1fake")
		})
	}
}

// TestCheckDescriptions shows the manifest's descriptions of present,
// optional and missing keys, and the bundle's where the manifest has none.
func TestCheckDescriptions(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "API_KEY=fake-api", "-d", "the bundle's word on API_KEY")
	s.ok("", "secrets", "set", "app", "EXTRA=fake-extra", "-d", "only the bundle describes EXTRA")
	s.ok("", "secrets", "set", "base", "EXTRA=fake-extra-base", "-d", "an earlier bundle")
	manifest := s.write("inf.yml", `secrets:
  - key: API_KEY
    description: The API key
  - key: SENTRY_DSN
    description: |
      Error reporting;
      runs without it
    optional: true
  - key: MODE
    optional: true
    description: dev or prod
`)
	r := s.ok("", "check", "--manifest", manifest, "--secret", "base", "--secret", "app", "--env", "MODE=fake-dev")
	assert.Regexp(t, `(?m)^KEY +ORIGIN +VALUE +DECLARED +DESCRIPTION$`, r.stdout)
	assert.Regexp(t, `(?m)^API_KEY +name:app +\*{6} \(8 bytes\) +required +The API key$`, r.stdout)
	assert.Regexp(t, `(?m)^EXTRA +name:app +\*{6} \(10 bytes\) +undeclared +only the bundle describes EXTRA$`, r.stdout)
	assert.Regexp(t, `(?m)^MODE +flag:--env +\*{6} \(8 bytes\) +optional +dev or prod$`, r.stdout)
	assert.Regexp(t, `(?m)^SENTRY_DSN +- +\(missing\) +optional +Error reporting; runs without it$`, r.stdout)

	r = s.ok("", "check", "--manifest", manifest, "--secret", "app", "--json")
	var rep checkReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.Len(t, rep.Secrets, 4)
	assert.Equal(t, checkRow{Key: "API_KEY", Origin: "name:app", Value: "****** (8 bytes)", Declared: true, Required: true,
		Description: "The API key", BundleDescription: "the bundle's word on API_KEY"}, rep.Secrets[0])
	assert.Equal(t, "Error reporting;\nruns without it\n", rep.Secrets[3].Description)
	noValues(t, r, "fake-api", "fake-extra")
}

// TestSecretsWriteOnly creates write-only bundles and checks that nothing
// shows or exports their values, that run and check use them, and that
// they stay write-only until deleted.
func TestSecretsWriteOnly(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	const token = "fake-write-only-token-0123"
	r := s.ok("", "secrets", "set", "vault", "TOKEN="+token, "--write-only")
	assert.Equal(t, "envseal: set 1 key(s) in vault; vault is write-only: its values are never shown or exported\n", r.stderr)

	// Masked views work.
	r = s.ok("", "secrets", "get", "vault")
	assert.Regexp(t, `(?m)^TOKEN +\*{6} \(26 bytes\)$`, r.stdout)
	r = s.ok("", "secrets", "get", "--json", "vault")
	assert.JSONEq(t, `{"name": "vault", "write_only": true, "secrets": [{"key": "TOKEN", "length": 26}]}`, r.stdout)
	r = s.ok("", "secrets", "list", "--keys")
	assert.Regexp(t, `(?m)^vault +\S+ \S+ +TOKEN +write-only$`, r.stdout)

	// Nothing shows a value.
	out := filepath.Join(s.home, "exported")
	for _, args := range [][]string{
		{"secrets", "get", "--reveal", "vault"},
		{"secrets", "get", "--reveal", "vault", "TOKEN"},
		{"secrets", "get", "--json", "--reveal", "vault"},
		{"secrets", "export", "vault", "--out", out},
		{"secrets", "export", "vault", "--format", "json", "--out", out},
		{"secrets", "export", "vault", "--format", "k8s", "--out", out},
		{"secrets", "export", "vault", "--format", "dir", "--out", out},
		{"secrets", "export", "vault", "--reveal"},
	} {
		r := s.run("", args...)
		assert.Equal(t, exitFailure, r.code, "%v", args)
		assert.Contains(t, r.stderr, "envseal: bundle vault is write-only:", "%v", args)
		assert.Empty(t, r.stdout, "%v", args)
		noValues(t, r, token)
		_, err := os.Lstat(out)
		assert.ErrorIs(t, err, os.ErrNotExist, "%v wrote %s", args, out)
	}

	// Used where needed.
	r = s.ok("", "run", "--secret", "vault", "--", "sh", "-c", `test "$TOKEN" = "`+token+`" && echo token-arrived`)
	assert.Equal(t, "token-arrived\n", r.stdout)
	r = s.ok("", "check", "--secret", "vault")
	assert.Contains(t, r.stdout, "****** (26 bytes)")
	noValues(t, r, token)

	// Every write keeps it; an existing bundle cannot become write-only.
	s.ok("", "secrets", "set", "vault", "MORE=fake-more")
	s.ok("", "secrets", "set", "--replace", "vault", "TOKEN="+token)
	s.ok("", "secrets", "import", "vault", s.write("more.env", "IMPORTED=fake-imported\n"))
	s.ok("", "secrets", "unset", "vault", "IMPORTED")
	assert.Equal(t, exitFailure, s.run("", "secrets", "get", "--reveal", "vault").code, "still write-only")
	s.ok("", "secrets", "set", "plain", "A=fake-a")
	r = s.run("", "secrets", "set", "plain", "B=fake-b", "--write-only")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, "write-only is chosen when a bundle is created")
	assert.NotContains(t, s.ok("", "secrets", "get", "plain").stdout, "B ", "the refused set wrote nothing")
	s.ok("", "secrets", "get", "--reveal", "plain")

	// import --write-only creates one too.
	s.ok("", "secrets", "import", "imported", s.write("wo.env", "K=fake-k\n"), "--write-only")
	assert.Equal(t, exitFailure, s.run("", "secrets", "get", "--reveal", "imported").code)

	// Delete ends it; rolling back to a write-only version brings it back.
	s.ok("", "secrets", "delete", "vault")
	s.ok("", "secrets", "set", "vault", "TOKEN=fake-readable")
	assert.Equal(t, "fake-readable\n", s.ok("", "secrets", "get", "--reveal", "vault", "TOKEN").stdout)
	s.ok("", "secrets", "rollback", "vault", "1")
	r = s.run("", "secrets", "get", "--reveal", "vault")
	assert.Equal(t, exitFailure, r.code)
	noValues(t, r, token)
}

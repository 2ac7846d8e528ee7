package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/envseal/secret"
)

// trickyValues are values that a careless encoder changes.
var trickyValues = map[string]string{
	"EMPTY":       "",
	"PLAIN":       "fake-plain_value.1:2/3@host+x,y=z%",
	"DOUBLE":      `fake "double" quotes`,
	"SINGLE":      `fake 'single' quotes`,
	"MIXED":       `"fake' "`,
	"DOLLAR":      "pa$Sword-fake",
	"BRACES":      "fake-${NOT_EXPANDED}-$HOME",
	"BCRYPT":      "$2a$10$fakefakefakefakefakefuJ2yq5J1xNnYxO0aB3QqGmW0hXn2Cq",
	"BACKSLASH":   `fake\tab\n\\"q\"\`,
	"NEWLINES":    "fake-1\nfake-2\r\nfake-3",
	"TRAILING_NL": "fake-trailing-newline\n",
	"TAB":         "fake\tvalue",
	"SPACES":      "  fake padded  ",
	"HASH":        "#fake #not-a-comment",
	"UNICODE":     "fake-ключ-🔑-ü-\u2028-\u0085",
	"CONTROL":     "fake\x01\x1b[31m\x7f",
	"AT":          "@fake-at",
	"DASH":        "-",
	"YAML_BOOL":   "yes",
	"YAML_NULL":   "null",
	"YAML_NUMBER": "0123",
	"YAML_SYNTAX": "- fake: [x] {y} & *z !tag |",
	"JSON":        `{"type":"fake","key":"-----BEGIN FAKE-----\nAAAA\n-----END FAKE-----\n"}`,
	"LONG":        strings.Repeat("fake-long-", 1000),
}

// setValues makes vals the bundle name, straight through the store: some
// of them (@fake-at) cannot be given as arguments.
func (s *sandbox) setValues(name string, vals map[string]string) {
	s.t.Helper()
	require.NoError(s.t, s.fileStore().Set(context.Background(), name, vals))
}

// fileStore opens the sandbox's store with its key.
func (s *sandbox) fileStore() *secret.FileStore {
	s.t.Helper()
	k, err := secret.ParseKey(s.key)
	require.NoError(s.t, err)
	st, err := secret.OpenFileStore(s.store, k)
	require.NoError(s.t, err)
	return st
}

// bundle reads the bundle name straight from the store.
func (s *sandbox) bundle(name string) map[string]string {
	s.t.Helper()
	b, err := s.fileStore().Get(context.Background(), name)
	require.NoError(s.t, err)
	return b
}

// sameBundle fails unless got is want, naming the keys that differ, never
// their values.
func sameBundle(t *testing.T, want, got map[string]string) {
	t.Helper()
	assert.Equal(t, slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got)))
	for k, v := range want {
		assert.True(t, got[k] == v, "%s is not what was set", k)
	}
}

func allValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		if len(v) >= 4 {
			out = append(out, v)
		}
	}
	return out
}

// TestExportImportRoundTrip exports a bundle of tricky values as a .env
// file, to standard output and to a file, and imports it into another
// bundle, which is then the same.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	vals := maps.Clone(trickyValues)
	vals["NOT_UTF8"] = "fake-\xff\xfe-bytes"
	s.setValues("app", vals)

	r := s.ok("", "secrets", "export", "app")
	assert.Empty(t, r.stderr)
	out := filepath.Join(s.home, "app.env")
	r2 := s.ok("", "secrets", "export", "app", "--format", "dotenv", "--out", out)
	assert.Equal(t, "envseal: wrote 25 key(s) of app to "+out+" (mode 0600)\n", r2.stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.True(t, string(data) == r.stdout, "--out writes what standard output gets")
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(out)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}

	r = s.ok("", "secrets", "import", "copy", out)
	noValues(t, r, allValues(vals)...)
	assert.Equal(t, "envseal: imported 25 key(s) from "+out+" into copy: added "+strings.Join(slices.Sorted(maps.Keys(vals)), ", ")+"\n", r.stderr)
	sameBundle(t, vals, s.bundle("copy"))

	// And through FromDotenv, which run --dotenv uses.
	got, err := secret.FromDotenv(out).Load(context.Background())
	require.NoError(t, err)
	sameBundle(t, vals, got)
}

func TestImportReport(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "KEEP=fake-keep", "SAME=fake-same", "CHANGE=fake-old", "GONE=fake-gone")
	file := s.write("new.env", "SAME=fake-same\nCHANGE=fake-new\nNEW=fake-new-key\n")
	values := []string{"fake-keep", "fake-same", "fake-old", "fake-new", "fake-gone"}

	r := s.ok("", "secrets", "import", "app", file)
	assert.Equal(t, "envseal: imported 3 key(s) from "+file+" into app: added NEW; changed CHANGE; unchanged SAME\n", r.stderr)
	noValues(t, r, values...)
	sameBundle(t, map[string]string{"KEEP": "fake-keep", "SAME": "fake-same", "CHANGE": "fake-new", "NEW": "fake-new-key", "GONE": "fake-gone"}, s.bundle("app"))

	r = s.ok("", "secrets", "import", "--replace", "app", file)
	assert.Equal(t, "envseal: imported 3 key(s) from "+file+" into app: unchanged CHANGE, NEW, SAME; removed GONE, KEEP\n", r.stderr)
	noValues(t, r, values...)
	sameBundle(t, map[string]string{"SAME": "fake-same", "CHANGE": "fake-new", "NEW": "fake-new-key"}, s.bundle("app"))
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string // "" : no file
		code    int
		want    string
	}{
		{"missing file", "", 1, "no.env"},
		{"syntax error", "A=fake-import-ok\nfake-import-no-equals\n", 1, "bad.env:2:"},
		{"undefined reference", "A=${FAKE_UNDEFINED}\n", 1, "bad.env:1:"},
		{"no keys", "# only a comment\n\n", 1, "bad.env has no keys: nothing was imported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			s.ok("", "secrets", "set", "app", "A=fake-import-before")
			path := filepath.Join(s.home, "no.env")
			if tt.content != "" {
				path = s.write("bad.env", tt.content)
			}
			r := s.run("", "secrets", "import", "app", path)
			assert.Equal(t, tt.code, r.code)
			assert.Contains(t, r.stderr, tt.want)
			noValues(t, r, "fake-import-ok", "fake-import-no-equals", "fake-import-before")
			sameBundle(t, map[string]string{"A": "fake-import-before"}, s.bundle("app"))
		})
	}
}

func TestExportJSON(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.setValues("app", trickyValues)
	r := s.ok("", "secrets", "export", "app", "--format", "json")
	var got map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	sameBundle(t, trickyValues, got)

	s.ok("", "secrets", "set", "app", "NOT_UTF8=fake-\xff-bytes")
	r = s.run("", "secrets", "export", "app", "--format", "json")
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: the value of NOT_UTF8 is not valid UTF-8, which JSON cannot hold exactly: use the .env form instead\n", r.stderr)
	assert.Empty(t, r.stdout, "nothing written")
}

func TestExportK8s(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	vals := maps.Clone(trickyValues)
	vals["NOT_UTF8"] = "fake-\xff\xfe-bytes"
	s.setValues("app-prod", vals)

	r := s.ok("", "secrets", "export", "app-prod", "--format", "k8s")
	assert.True(t, strings.HasPrefix(r.stdout, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-prod\ntype: Opaque\nstringData:\n"), "manifest head")
	var m struct {
		APIVersion string            `yaml:"apiVersion"`
		Kind       string            `yaml:"kind"`
		Metadata   map[string]string `yaml:"metadata"`
		Type       string            `yaml:"type"`
		StringData map[string]string `yaml:"stringData"`
		Data       map[string]string `yaml:"data"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(r.stdout), &m))
	assert.Equal(t, "v1", m.APIVersion)
	assert.Equal(t, "Secret", m.Kind)
	assert.Equal(t, map[string]string{"name": "app-prod"}, m.Metadata)
	assert.Equal(t, "Opaque", m.Type)
	got := maps.Clone(m.StringData)
	require.Len(t, m.Data, 1, "only the value that is not UTF-8 is in data")
	for k, v := range m.Data {
		b, err := base64.StdEncoding.DecodeString(v)
		require.NoError(t, err)
		got[k] = string(b)
	}
	sameBundle(t, vals, got)

	// A bundle name Kubernetes refuses needs --k8s-name.
	s.ok("", "secrets", "set", "app_1", "A=fake-k8s-a")
	r = s.run("", "secrets", "export", "app_1", "--format", "k8s")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, `"app_1" is not a Kubernetes object name`)
	assert.Contains(t, r.stderr, "--k8s-name")
	r = s.ok("", "secrets", "export", "app_1", "--format", "k8s", "--k8s-name", "app-1.example")
	assert.Contains(t, r.stdout, "metadata:\n  name: app-1.example\n")
	r = s.run("", "secrets", "export", "app_1", "--format", "k8s", "--k8s-name", "Fake_K8s_Name")
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: the --k8s-name given is not a Kubernetes object name ("+k8sNameRule+")\n", r.stderr)
}

func TestExportDir(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.setValues("app", trickyValues)
	dir := filepath.Join(s.home, "run", "secrets")

	r := s.ok("", "secrets", "export", "app", "--format", "dir", "--out", dir)
	assert.Contains(t, r.stderr, "envseal: wrote 24 file(s) of app to "+dir+" (mode 0600): AT, BACKSLASH, BCRYPT, BRACES")
	assert.Contains(t, r.stderr, "envseal: note: the value of TRAILING_NL ends with a newline, which 'envseal run --dir' trims when it reads the file\n")
	assert.Empty(t, r.stdout)
	noValues(t, r, allValues(trickyValues)...)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, len(trickyValues))
	for k, v := range trickyValues {
		data, err := os.ReadFile(filepath.Join(dir, k))
		require.NoError(t, err)
		assert.True(t, string(data) == v, "the file of %s holds its value exactly", k)
		if runtime.GOOS != "windows" {
			fi, err := os.Stat(filepath.Join(dir, k))
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), k)
		}
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(dir)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	}
	// FromDir (run --dir) reads it back, less the one trailing newline.
	got, err := secret.FromDir(dir).Load(context.Background())
	require.NoError(t, err)
	want := maps.Clone(trickyValues)
	want["TRAILING_NL"] = strings.TrimSuffix(want["TRAILING_NL"], "\n")
	sameBundle(t, want, got)

	// Not empty now: refused without --force, and nothing changed.
	s.ok("", "secrets", "set", "app", "PLAIN=fake-changed-plain")
	s.write("run/secrets/OTHER", "fake-other-file")
	r = s.run("", "secrets", "export", "app", "--format", "dir", "--out", dir)
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: "+dir+" is not empty: use --force to write into it (files of the bundle's keys are replaced; others are left)\n", r.stderr)
	data, err := os.ReadFile(filepath.Join(dir, "PLAIN"))
	require.NoError(t, err)
	assert.Equal(t, trickyValues["PLAIN"], string(data))

	s.ok("", "secrets", "export", "app", "--format", "dir", "--out", dir, "--force")
	data, err = os.ReadFile(filepath.Join(dir, "PLAIN"))
	require.NoError(t, err)
	assert.Equal(t, "fake-changed-plain", string(data))
	data, err = os.ReadFile(filepath.Join(dir, "OTHER"))
	require.NoError(t, err)
	assert.Equal(t, "fake-other-file", string(data), "other files are left")
	tmps, err := filepath.Glob(filepath.Join(dir, ".*"))
	require.NoError(t, err)
	assert.Empty(t, tmps, "no temporary file left")
}

// TestExportToTerminal checks that export refuses to write values to a
// terminal without --reveal, and writes them anywhere else.
func TestExportToTerminal(t *testing.T) {
	t.Parallel()
	const value = "fake-terminal-value"
	for _, format := range []string{"dotenv", "json", "k8s"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			s.ok("", "secrets", "set", "app", "A="+value)

			s.tty = true
			r := s.run("", "secrets", "export", "app", "--format", format)
			assert.Equal(t, exitFailure, r.code)
			assert.Equal(t, "envseal: standard output is a terminal: not writing the values of app to it; redirect it, use --out FILE, or add --reveal to show them\n", r.stderr)
			assert.Empty(t, r.stdout)
			r = s.run("", "secrets", "export", "app", "--format", format, "--out", "-")
			assert.Equal(t, exitFailure, r.code, "--out - is standard output")

			r = s.ok("", "secrets", "export", "app", "--format", format, "--reveal")
			assert.Contains(t, r.stdout, value)
			out := filepath.Join(s.home, "out")
			r = s.ok("", "secrets", "export", "app", "--format", format, "--out", out)
			assert.Empty(t, r.stdout)

			s.tty = false
			r = s.ok("", "secrets", "export", "app", "--format", format)
			assert.Contains(t, r.stdout, value)
		})
	}
}

func TestExportOutFile(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "A=fake-out-file")
	out := s.write("app.env", "fake-existing-content")
	r := s.run("", "secrets", "export", "app", "--out", out)
	assert.Equal(t, exitFailure, r.code)
	assert.Equal(t, "envseal: "+out+" already exists: use --force to replace it\n", r.stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "fake-existing-content", string(data))

	s.ok("", "secrets", "export", "app", "--out", out, "--force")
	data, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "A=fake-out-file\n", string(data))
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(out)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
}

func TestExportUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown format", []string{"app", "--format", "fake-format-value"}, "invalid value for --format: want dotenv, json, k8s or dir"},
		{"dir without --out", []string{"app", "--format", "dir"}, "--format dir needs --out DIR"},
		{"dir to stdout", []string{"app", "--format", "dir", "--out", "-"}, "--format dir needs --out DIR"},
		{"k8s-name without k8s", []string{"app", "--k8s-name", "x"}, "--k8s-name needs --format k8s"},
		{"no name", nil, "missing NAME"},
		{"a value for a name", []string{"A=fake-export-value"}, "argument 1 is not a bundle name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			r := s.run("", append([]string{"secrets", "export"}, tt.args...)...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, tt.want)
			noValues(t, r, "fake-format-value", "fake-export-value")
		})
	}
}

func TestValidK8sName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"app": true, "app-1": true, "a.b-c.d": true, "0": true, strings.Repeat("a", 63) + "." + strings.Repeat("b", 189): true,
		"": false, "app_1": false, "app-": false, "-app": false, "a..b": false, ".a": false, "a.": false, "App": false,
		strings.Repeat("a", 254): false,
	} {
		assert.Equal(t, want, validK8sName(name), "%q", name)
	}
}

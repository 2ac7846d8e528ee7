package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// TestParseProject parses envseal.yml files that are valid.
func TestParseProject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want *project
	}{
		{"empty", "", &project{}},
		{"comments only", "# nothing yet\n", &project{}},
		{"null fields", "manifest:\nsecrets:\ndotenv: ~\nfunctions:\n", &project{}},
		{"every field", `manifest: app/inf.yml
secrets:
  - base
  - name: extra
    optional: true
dirs: [/run/secrets]
dotenv:
  - .env
  - path: .env.local
    optional: false
pass:
  - CI_TOKEN
  - name: DB_URL=CI_DB_URL
    optional: true
`, &project{sourceSet: sourceSet{
			manifest: "app/inf.yml", manifestLine: 1,
			sources: []projectSource{
				{kind: kindSecret, value: "base", line: 3},
				{kind: kindSecret, value: "extra", optional: true, line: 4},
				{kind: kindDir, value: "/run/secrets", line: 6},
				{kind: kindDotenv, value: ".env", line: 8},
				{kind: kindDotenv, value: ".env.local", line: 9},
				{kind: kindPass, value: "CI_TOKEN", line: 12},
				{kind: kindPass, value: "DB_URL=CI_DB_URL", optional: true, line: 13},
			},
		}}},
		{"functions in file order", `secrets: [shared]
functions:
  worker:
    pass: [QUEUE_URL]
  api:
    manifest: api/inf.yml
    secrets: [shared-api]
  cron:
`, &project{
			sourceSet: sourceSet{sources: []projectSource{{kind: kindSecret, value: "shared", line: 1}}},
			functions: []*projectFunction{
				{name: "worker", line: 3, sourceSet: sourceSet{sources: []projectSource{{kind: kindPass, value: "QUEUE_URL", line: 4}}}},
				{name: "api", line: 5, sourceSet: sourceSet{manifest: "api/inf.yml", manifestLine: 6,
					sources: []projectSource{{kind: kindSecret, value: "shared-api", line: 7}}}},
				{name: "cron", line: 8},
			},
		}},
		{"quoted names", "secrets: [\"001\"]\nfunctions:\n  \"002\":\n", &project{
			sourceSet: sourceSet{sources: []projectSource{{kind: kindSecret, value: "001", line: 1}}},
			functions: []*projectFunction{{name: "002", line: 3}},
		}},
		{"anchors without aliases", "secrets: &s [a]\n", &project{sourceSet: sourceSet{sources: []projectSource{{kind: kindSecret, value: "a", line: 1}}}}},
		{"flow mapping entry, TRUE", "dotenv:\n  - {path: .env, optional: TRUE}\n",
			&project{sourceSet: sourceSet{sources: []projectSource{{kind: kindDotenv, value: ".env", optional: true, line: 2}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := parseProject("envseal.yml", []byte(tt.in))
			require.NoError(t, err)
			tt.want.path = "envseal.yml"
			assert.Equal(t, tt.want, p)
		})
	}
}

// TestParseProjectErrors checks that every mistake in envseal.yml is an
// error naming the file and the line at fault, and never quotes the file.
func TestParseProjectErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		line int
		want string
	}{
		{"unknown top-level field, a typo", "secret: [app]\n", 1, "unknown field at the top level; did you mean secrets?"},
		{"unknown top-level field", "fake-field-value: 1\n", 1, "unknown field at the top level (want manifest, secrets, dirs, dotenv, pass or functions)"},
		{"unknown field of an entry", "dotenv:\n  - path: .env\n    optinal: true\n", 3, "unknown field in dotenv entry 1; did you mean optional?"},
		{"path field on a bundle", "secrets:\n  - path: app\n", 2, "unknown field in secrets entry 1 (want name or optional)"},
		{"unknown field of a function", "functions:\n  api:\n    secret: [a]\n", 3, "unknown field in function api; did you mean secrets?"},
		{"functions inside a function", "functions:\n  api:\n    functions: {}\n", 3, "unknown field in function api (want manifest, secrets, dirs, dotenv or pass)"},
		{"field twice", "secrets: [a]\ndotenv: [.env]\nsecrets: [b]\n", 3, "secrets appears twice at the top level (first on line 1)"},
		{"list is a string", "secrets: app\n", 1, "secrets must be a list, not a string"},
		{"list is a mapping", "dotenv:\n  path: .env\n", 2, "dotenv must be a list, not a mapping"},
		{"function's list is a number", "functions:\n  api:\n    pass: 3\n", 3, "functions.api.pass must be a list, not a number"},
		{"entry is a number", "secrets:\n  - 12\n", 2, "secrets entry 1 must be a string or a mapping of name and optional, not a number"},
		{"entry is a list", "dirs:\n  - [a]\n", 2, "dirs entry 1 must be a string or a mapping of path and optional, not a list"},
		{"optional is a string", "dotenv:\n  - path: .env\n    optional: \"true\"\n", 3, "dotenv entry 1: optional must be true or false, not a string"},
		{"optional is yes", "dotenv:\n  - path: .env\n    optional: yes\n", 3, "optional must be true or false"},
		{"mapping entry without its path", "dotenv:\n  - optional: true\n", 2, "dotenv entry 1: missing path"},
		{"entry's path is a number", "dirs:\n  - path: 7\n", 2, "dirs entry 1: path must be a string, not a number"},
		{"manifest is a number", "manifest: 12\n", 1, "manifest must be a path, not a number"},
		{"manifest is a list", "manifest: [a]\n", 1, "manifest must be a path, not a list"},
		{"manifest is empty", "manifest: \"\"\n", 1, "manifest: empty or invalid path"},
		{"empty path", "dotenv: [\"\"]\n", 1, "dotenv entry 1: empty or invalid path"},
		{"not a bundle name", "secrets:\n  - fake-Bundle=Value\n", 2, "secrets entry 1: not a bundle name"},
		{"a value in pass", "pass:\n  - API_KEY=fake-pass-value\n", 2, "pass entry 1: wants KEY=LOCAL_NAME, LOCAL_NAME a variable name"},
		{"pass of the store key", "pass: [K=ENVSEAL_KEY]\n", 1, "will not pass ENVSEAL_KEY"},
		{"functions is a list", "functions:\n  - api\n", 2, "functions must be a mapping of function names, not a list"},
		{"function name not a name", "functions:\n  Fake_Function-Value:\n", 2, "a function name must be a string matching [a-z0-9][a-z0-9_-]{0,63}"},
		{"function name a number", "functions:\n  001:\n", 2, `a function name must be a string matching [a-z0-9][a-z0-9_-]{0,63} (a name that YAML reads as another type needs quotes: "001")`},
		{"bundle name a number", "secrets: [001]\n", 1, `secrets entry 1 must be a string or a mapping of name and optional, not a number (a name that YAML reads as another type needs quotes: "001")`},
		{"function twice", "functions:\n  api:\n  web:\n  api:\n", 4, "function api appears twice (first on line 2)"},
		{"function is a list", "functions:\n  api: [a]\n", 2, "function api must be a mapping (secrets:, dotenv: ...), not a list"},
		{"alias", "secrets: &s [a]\ndirs: *s\n", 2, "dirs: aliases (*name) are not supported in envseal.yml"},
		{"alias as an entry", "base: &b a\n", 1, "unknown field"},
		{"merge key", "<<: {secrets: [a]}\n", 1, "unknown field at the top level"},
		{"not a mapping", "- app\n", 1, "the file must be a mapping (secrets:, dotenv:, functions: ...), not a list"},
		{"a scalar", "fake-scalar-value\n", 1, "the file must be a mapping"},
		{"YAML syntax error", "secrets: [a]\ndotenv: \"fake-unterminated-value\n", 2, "invalid YAML"},
		{"tab indentation", "secrets:\n\t- fake-tab-value\n", 2, "invalid YAML"},
		{"second document", "secrets: [a]\n---\nsecrets: [b]\n", 2, "a second YAML document (after ---); an envseal.yml holds one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseProject("dir/envseal.yml", []byte(tt.in))
			require.Error(t, err)
			var pe *secret.ParseError
			require.True(t, errors.As(err, &pe), "error %v is not a *secret.ParseError", err)
			assert.Equal(t, "dir/envseal.yml", pe.Path)
			assert.Equal(t, tt.line, pe.Line, "line of %v", err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "fake-", "the error quotes the file")
			assert.True(t, strings.HasPrefix(err.Error(), "dir/envseal.yml:"), "%v names the file", err)
		})
	}
}

// TestLoadProject reads envseal.yml from a folder.
func TestLoadProject(t *testing.T) {
	t.Parallel()
	t.Run("absent", func(t *testing.T) {
		t.Parallel()
		p, err := loadProject(t.TempDir())
		assert.NoError(t, err)
		assert.Nil(t, p)
	})
	t.Run("present", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFile(t, dir, projectFileName, "secrets: [app]\n")
		p, err := loadProject(dir)
		require.NoError(t, err)
		assert.Equal(t, dir, p.dir)
		assert.Equal(t, filepath.Join(dir, projectFileName), p.path)
	})
	t.Run("a folder", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(dir, projectFileName), 0o700))
		_, err := loadProject(dir)
		assert.ErrorContains(t, err, "envseal.yml is not a regular file")
	})
	t.Run("error names the file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFile(t, dir, projectFileName, "secrets: [app]\ndotenv: [.env]\nfake: 1\n")
		_, err := loadProject(dir)
		assert.EqualError(t, err, filepath.Join(dir, projectFileName)+":3: unknown field at the top level (want manifest, secrets, dirs, dotenv, pass or functions)")
	})
}

// TestProjectPlan checks what run and check get from envseal.yml: the
// manifest, the sources in the order they apply, and the errors for what
// is absent.
func TestProjectPlan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{".env", "api.env", "inf.yml", "api/inf.yml"} {
		writeFile(t, dir, f, "")
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "secrets"), 0o700))
	vars := map[string]string{"CI_TOKEN": "fake-plan-token", "QUEUE_URL": "fake-plan-queue"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	in := func(p string) string { return filepath.Join(dir, p) }

	const full = `pass: [TOKEN=CI_TOKEN]
dotenv: [.env]
secrets: [shared]
dirs:
  - path: secrets
  - path: absent-secrets
    optional: true
functions:
  api:
    manifest: api/inf.yml
    dotenv: [api.env]
    secrets:
      - shared-api
      - name: maybe
        optional: true
  worker:
    pass:
      - QUEUE_URL
      - name: UNSET_OPTIONAL
        optional: true
`
	tests := []struct {
		name         string
		file         string
		fn           string
		wantManifest string
		wantSources  []string // Name() of each, in order
		wantErr      []string // each line of the error, "" for none
	}{
		{"project: sources by kind, inf.yml found", full, "", in("inf.yml"),
			[]string{"name:shared", "dir:" + in("secrets"), "dir:" + in("absent-secrets"), "dotenv:" + in(".env"), "pass:CI_TOKEN"}, nil},
		{"function api: its manifest, its sources after the project's of each kind", full, "api", in("api/inf.yml"),
			[]string{"name:shared", "name:shared-api", "name:maybe", "dir:" + in("secrets"), "dir:" + in("absent-secrets"), "dotenv:" + in(".env"), "dotenv:" + in("api.env"), "pass:CI_TOKEN"}, nil},
		{"function worker: the project's manifest, an unset optional variable left out", full, "worker", in("inf.yml"),
			[]string{"name:shared", "dir:" + in("secrets"), "dir:" + in("absent-secrets"), "dotenv:" + in(".env"), "pass:CI_TOKEN", "pass:QUEUE_URL"}, nil},
		{"inf.yml found", "manifest:\n", "", in("inf.yml"), nil, nil},
		{"manifest named", "manifest: api/inf.yml\n", "", in("api/inf.yml"), nil, nil},
		{"manifest named, absent", "secrets: [a]\nmanifest: none.yml\n", "", "", nil,
			[]string{filepath.Join(dir, "envseal.yml") + ":2: manifest " + in("none.yml") + ": does not exist"}},
		{"required .env absent", "dotenv:\n  - .env\n  - .env.local\n", "", "", nil,
			[]string{filepath.Join(dir, "envseal.yml") + ":3: .env file " + in(".env.local") + ": does not exist (optional: true lets it be absent)"}},
		{"optional .env absent: kept, to be watched", "dotenv:\n  - path: .env.local\n    optional: true\n  - .env\n", "", in("inf.yml"),
			[]string{"dotenv:" + in(".env.local"), "dotenv:" + in(".env")}, nil},
		{"required folder absent", "dirs: [run/secrets]\n", "", "", nil,
			[]string{":1: secret folder " + in("run/secrets") + ": does not exist (optional: true lets it be absent)"}},
		{"absolute paths stay", "dirs: [" + filepath.ToSlash(in("secrets")) + "]\n", "", in("inf.yml"), []string{"dir:" + in("secrets")}, nil},
		{"unset variables, all at once", "pass: [UNSET_ONE, CI_TOKEN, lower_unset, UNSET_TWO]\n", "", "", nil, []string{
			":1: pass: UNSET_ONE is not set in envseal's environment (optional: true lets it be unset)",
			":1: pass: the variable (lower case, not shown) is not set",
			":1: pass: UNSET_TWO is not set",
		}},
		{"unknown function: did you mean", full, "apii", "", nil, []string{`no function "apii" in ` + filepath.Join(dir, "envseal.yml") + `; did you mean "api"?`}},
		{"unknown function: the list", full, "web", "", nil, []string{`no function "web" in ` + filepath.Join(dir, "envseal.yml") + ` (it has "api" or "worker")`}},
		{"unknown function: not a name", full, "fake-Function=Value", "", nil, []string{`--function: not a function name (not shown: it may be a value): want one of "api" or "worker"`}},
		{"no functions", "secrets: [a]\n", "api", "", nil, []string{"defines no functions (add them under functions:)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := parseProject(filepath.Join(dir, projectFileName), []byte(tt.file))
			require.NoError(t, err)
			p.dir = dir
			pl, err := p.plan(tt.fn, lookup)
			if tt.wantErr != nil {
				require.Error(t, err)
				lines := strings.Split(err.Error(), "\n")
				require.Len(t, lines, len(tt.wantErr), "one line per problem: %v", err)
				for i, want := range tt.wantErr {
					assert.Contains(t, lines[i], want)
				}
				assert.NotContains(t, err.Error(), "fake-")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantManifest, pl.manifest)
			var names []string
			for _, ps := range pl.sources {
				names = append(names, ps.src.Name())
			}
			assert.Equal(t, tt.wantSources, names)
		})
	}
}

// TestProjectPlanNoManifest finds no manifest where there is no inf.yml,
// and keeps an absent optional .env file as an optional source, to be
// watched.
func TestProjectPlanNoManifest(t *testing.T) {
	t.Parallel()
	p, err := parseProject("envseal.yml", []byte("dotenv:\n  - path: .env\n    optional: true\n"))
	require.NoError(t, err)
	p.dir = t.TempDir()
	pl, err := p.plan("", func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	assert.Empty(t, pl.manifest)
	require.Len(t, pl.sources, 1)
	assert.Equal(t, "dotenv:"+filepath.Join(p.dir, ".env"), pl.sources[0].src.Name())
	assert.True(t, isOptional(pl.sources[0].src), "the absent optional .env file is not an Optional source")
}

// TestProjectPlanOptionalBundles makes optional bundles Optional sources,
// and says where each bundle was named.
func TestProjectPlanOptionalBundles(t *testing.T) {
	t.Parallel()
	p, err := parseProject("envseal.yml", []byte("secrets:\n  - base\n  - name: extra\n    optional: true\n"))
	require.NoError(t, err)
	p.dir = t.TempDir()
	pl, err := p.plan("", func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	require.Len(t, pl.sources, 2)
	for i, want := range []struct {
		plannedSource
		optional bool
	}{
		{plannedSource{src: secret.FromName("base"), bundle: "base", where: "envseal.yml:2"}, false},
		{plannedSource{src: secret.FromName("extra"), bundle: "extra", optional: true, where: "envseal.yml:3"}, true},
	} {
		got := pl.sources[i]
		// Sources hide what they hold from reflection: compare their names.
		assert.Equal(t, want.src.Name(), got.src.Name())
		assert.Equal(t, want.optional, isOptional(got.src), "source %d", i)
		got.src, want.src = nil, nil
		assert.Equal(t, want.plannedSource, got)
	}
}

// isOptional says whether s was made by secret.Optional, as its Go syntax
// says.
func isOptional(s secret.Source) bool {
	return strings.HasPrefix(fmt.Sprintf("%#v", s), "secret.Optional(")
}

// writeFile writes content to name under dir, making its folder.
func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
}

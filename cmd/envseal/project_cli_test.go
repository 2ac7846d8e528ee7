package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// projectSandbox is a sandbox whose folder holds an app: inf.yml, a .env,
// the bundles shared and shared-api, and an envseal.yml with the functions
// api and worker.
func projectSandbox(t *testing.T) *sandbox {
	t.Helper()
	s := newSandbox(t)
	s.write("inf.yml", "secrets:\n  - key: API_TOKEN\n    description: The upstream token\n  - key: LOG_LEVEL\n    optional: true\n")
	s.write("worker/inf.yml", "secrets:\n  - key: QUEUE_URL\n    description: Where jobs come from\n")
	s.write(".env", "LOG_LEVEL=fake-env-level\n")
	s.ok("", "secrets", "set", "shared", "API_TOKEN=fake-shared-token", "LOG_LEVEL=fake-shared-level")
	s.ok("", "secrets", "set", "shared-api", "API_TOKEN=fake-api-token")
	s.write(projectFileName, `secrets: [shared]
dotenv:
  - path: .env
    optional: true
functions:
  api:
    secrets:
      - shared-api
      - name: api-extra
        optional: true
  worker:
    manifest: worker/inf.yml
    pass:
      - name: QUEUE_URL=CI_QUEUE_URL
        optional: true
`)
	return s
}

// projectValues are the fake values of projectSandbox, which no output may
// show.
var projectValues = []string{"fake-shared-token", "fake-shared-level", "fake-api-token", "fake-env-level", "fake-ci-queue", "fake-flag-token"}

// TestProjectCheck checks the sources of envseal.yml for the project and
// for one function, with flags on top.
func TestProjectCheck(t *testing.T) {
	t.Parallel()
	s := projectSandbox(t)
	s.extra = []string{"CI_QUEUE_URL=fake-ci-queue"}
	tests := []struct {
		name string
		args []string
		want []checkRow
	}{
		{"project: bundle, then .env over it, inf.yml found", []string{"-f", "api"}, []checkRow{
			{Key: "API_TOKEN", Origin: "name:shared-api", Value: "****** (14 bytes)", Declared: true, Required: true, Description: "The upstream token"},
			{Key: "LOG_LEVEL", Origin: "dotenv:" + filepath.Join(s.home, ".env"), Value: "****** (14 bytes)", Declared: true},
		}},
		{"a flag overrides the file", []string{"--function=api", "--env", "API_TOKEN=fake-flag-token"}, []checkRow{
			{Key: "API_TOKEN", Origin: "flag:--env", Value: "****** (15 bytes)", Declared: true, Required: true, Description: "The upstream token"},
			{Key: "LOG_LEVEL", Origin: "dotenv:" + filepath.Join(s.home, ".env"), Value: "****** (14 bytes)", Declared: true},
		}},
		{"worker: its manifest, and its variable", []string{"-f", "worker"}, []checkRow{
			{Key: "API_TOKEN", Origin: "name:shared", Value: "****** (17 bytes)"},
			{Key: "LOG_LEVEL", Origin: "dotenv:" + filepath.Join(s.home, ".env"), Value: "****** (14 bytes)"},
			{Key: "QUEUE_URL", Origin: "pass:CI_QUEUE_URL", Value: "****** (13 bytes)", Declared: true, Required: true, Description: "Where jobs come from"},
		}},
		{"--manifest replaces the function's", []string{"-f", "worker", "--manifest", filepath.Join(s.home, "inf.yml")}, []checkRow{
			{Key: "API_TOKEN", Origin: "name:shared", Value: "****** (17 bytes)", Declared: true, Required: true, Description: "The upstream token"},
			{Key: "LOG_LEVEL", Origin: "dotenv:" + filepath.Join(s.home, ".env"), Value: "****** (14 bytes)", Declared: true},
			{Key: "QUEUE_URL", Origin: "pass:CI_QUEUE_URL", Value: "****** (13 bytes)"},
		}},
		{"--no-project", []string{"--no-project", "--env", "A=fake-flag-token"}, []checkRow{
			{Key: "A", Origin: "flag:--env", Value: "****** (15 bytes)"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.ok("", append([]string{"check", "--json"}, tt.args...)...)
			noValues(t, r, projectValues...)
			var rep checkReport
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
			assert.Equal(t, tt.want, rep.Secrets)
			assert.True(t, rep.OK)
		})
	}
}

// TestProjectCheckEveryFunction checks each function when no -f is given.
func TestProjectCheckEveryFunction(t *testing.T) {
	t.Parallel()
	s := projectSandbox(t)

	// QUEUE_URL is optional in envseal.yml but required by worker/inf.yml.
	r := s.run("", "check")
	assert.Equal(t, exitFailure, r.code)
	noValues(t, r, projectValues...)
	assert.Regexp(t, `^function api:\n  KEY\s+ORIGIN\s+VALUE\s+DECLARED\s+DESCRIPTION\n  API_TOKEN\s+name:shared-api\s+`, r.stdout)
	assert.Regexp(t, `\n\nfunction worker:\n  KEY\s+ORIGIN\s+VALUE\s+DECLARED\s+DESCRIPTION\n  API_TOKEN\s+name:shared\s+\*{6} \(17 bytes\)\s+undeclared\n`, r.stdout)
	assert.Regexp(t, `  QUEUE_URL\s+-\s+\(missing\)\s+required, MISSING\s+Where jobs come from\n$`, r.stdout)
	assert.Equal(t, "envseal: function worker: secrets do not satisfy the manifest:\n  missing QUEUE_URL: Where jobs come from\n", r.stderr)

	r = s.run("", "check", "--json")
	assert.Equal(t, exitFailure, r.code)
	var rep projectReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.False(t, rep.OK)
	require.Len(t, rep.Functions, 2)
	assert.Equal(t, "api", rep.Functions[0].Function)
	assert.True(t, rep.Functions[0].OK)
	assert.Equal(t, "worker", rep.Functions[1].Function)
	assert.Equal(t, map[string]string{"QUEUE_URL": "Where jobs come from"}, rep.Functions[1].Missing)

	s.extra = []string{"CI_QUEUE_URL=fake-ci-queue"}
	r = s.ok("", "check", "--json")
	noValues(t, r, projectValues...)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.True(t, rep.OK)
}

// TestProjectWithoutFunctions checks the project itself when envseal.yml
// has no functions, as check did without a file.
func TestProjectWithoutFunctions(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.write("inf.yml", "secrets:\n  - key: API_TOKEN\n")
	s.write(projectFileName, "secrets: [app]\n")
	s.ok("", "secrets", "set", "app", "API_TOKEN=fake-app-token")
	r := s.ok("", "check")
	assert.Regexp(t, `^KEY\s+ORIGIN\s+VALUE\s+DECLARED\s+DESCRIPTION\nAPI_TOKEN\s+name:app\s+\*{6} \(14 bytes\)\s+required\n$`, r.stdout)
	noValues(t, r, "fake-app-token")

	r = s.ok("", "check", "--strict")
	assert.Contains(t, r.stdout, "required")
}

// TestProjectErrors checks the errors of run and check that come from
// envseal.yml: each names the file and line, or the function, and exits 1,
// or 2 for a command line that does not fit the file.
func TestProjectErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string // "" for none
		args []string
		code int
		want string // the whole of standard error; {yml} is envseal.yml's path
	}{
		{"unknown field", "secrets: [app]\nfake_typo: [x]\n", []string{"check"}, exitFailure,
			"envseal: {yml}:2: unknown field at the top level (want manifest, secrets, dirs, dotenv, pass or functions)\n"},
		{"wrong type", "dotenv: .env\n", []string{"run", "--", "true"}, exitFailure,
			"envseal: {yml}:1: dotenv must be a list, not a string\n"},
		{"unknown function", "functions:\n  api:\n  web:\n", []string{"check", "-f", "apii"}, exitUsage,
			"envseal check: no function \"apii\" in {yml}; did you mean \"api\"? (see 'envseal check --help')\n"},
		{"unknown function of run", "functions:\n  api:\n", []string{"run", "-f", "worker", "--", "true"}, exitUsage,
			"envseal run: no function \"worker\" in {yml} (it has \"api\") (see 'envseal run --help')\n"},
		{"-f without envseal.yml", "", []string{"check", "-f", "api"}, exitUsage,
			"envseal check: --function: there is no envseal.yml in this folder ('envseal init' writes one) (see 'envseal check --help')\n"},
		{"-f and --no-project", "functions:\n  api:\n", []string{"check", "-f", "api", "--no-project"}, exitUsage,
			"envseal check: --function reads envseal.yml, and --no-project ignores it: give one of them (see 'envseal check --help')\n"},
		{"required .env absent", "dotenv: [.env.local]\n", []string{"check"}, exitFailure,
			"envseal: {yml}:1: .env file {dir}.env.local: does not exist (optional: true lets it be absent)\n"},
		{"required bundle absent", "secrets:\n  - app\n  - apps\n", []string{"check"}, exitFailure,
			"envseal: {yml}:3: bundle \"apps\" not found; did you mean \"app\"?\n"},
		{"absent optional bundle, named again by --secret", "secrets:\n  - name: apps\n    optional: true\n", []string{"check", "--secret", "apps"}, exitFailure,
			"envseal: bundle \"apps\" not found; did you mean --secret \"app\"?\n"},
		{"bundle never set", "secrets: [other]\n", []string{"check"}, exitFailure,
			"envseal: {yml}:1: bundle \"other\" not found ('envseal secrets set other KEY=VALUE' creates it)\n"},
		{"a function's bundle", "functions:\n  api:\n    secrets: [nope]\n", []string{"check"}, exitFailure,
			"envseal: function api: {yml}:3: bundle \"nope\" not found ('envseal secrets set nope KEY=VALUE' creates it)\n"},
		{"unset variable", "pass: [UNSET_VAR]\n", []string{"run", "--", "true"}, exitFailure,
			"envseal: {yml}:1: pass: UNSET_VAR is not set in envseal's environment (optional: true lets it be unset)\n"},
		{"manifest absent", "manifest: app.yml\n", []string{"check"}, exitFailure,
			"envseal: {yml}:1: manifest {dir}app.yml: does not exist\n"},
		{"strict without a manifest", "secrets: [app]\n", []string{"check", "--strict"}, exitUsage,
			"envseal check: --strict needs --manifest (or a manifest that envseal.yml names or finds) (see 'envseal check --help')\n"},
		{"run's manifest check", "secrets: [app]\nmanifest: need.yml\n", []string{"run", "--", "true"}, exitFailure,
			"envseal: secrets do not satisfy the manifest:\n  missing NEEDED: Needed by the app\n"},
		{"a value where a pass variable goes", "pass:\n  - API_KEY=fake-project-sk-value\n", []string{"check"}, exitFailure,
			"envseal: {yml}:2: pass entry 1: wants KEY=LOCAL_NAME, LOCAL_NAME a variable name ([A-Za-z_][A-Za-z0-9_]*) (not shown: it may be a value; --env KEY=VALUE sets a value)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			s.ok("", "secrets", "set", "app", "A=fake-project-app")
			s.write("need.yml", "secrets:\n  - key: NEEDED\n    description: Needed by the app\n")
			if tt.file != "" {
				s.write(projectFileName, tt.file)
			}
			r := s.run("", tt.args...)
			assert.Equal(t, tt.code, r.code)
			want := strings.NewReplacer("{yml}", filepath.Join(s.home, projectFileName), "{dir}", s.home+string(filepath.Separator)).Replace(tt.want)
			assert.Equal(t, want, r.stderr)
			assert.Empty(t, r.stdout)
			noValues(t, r, "fake-project-app", "fake-project-sk-value")
		})
	}
}

// TestProjectOptionalBundle leaves out an optional bundle the store does
// not have, and uses it once it does.
func TestProjectOptionalBundle(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.write(projectFileName, "secrets:\n  - app\n  - name: local\n    optional: true\n")
	s.ok("", "secrets", "set", "app", "A=fake-opt-app")
	r := s.ok("", "check", "--json")
	var rep checkReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, []checkRow{{Key: "A", Origin: "name:app", Value: "****** (12 bytes)"}}, rep.Secrets)

	s.ok("", "secrets", "set", "local", "A=fake-opt-local")
	r = s.ok("", "check", "--json")
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, []checkRow{{Key: "A", Origin: "name:local", Value: "****** (14 bytes)"}}, rep.Secrets)
	noValues(t, r, "fake-opt-app", "fake-opt-local")
}

// TestProjectNeedsNoStore opens no store when envseal.yml names no bundle.
func TestProjectNeedsNoStore(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.key = "" // no key: opening the store would fail the test
	s.write(".env", "A=fake-nostore\n")
	s.write(projectFileName, "dotenv: [.env]\n")
	r := s.ok("", "check")
	assert.Regexp(t, `A\s+dotenv:\S+\.env\s+\*{6} \(12 bytes\)\s+-\n`, r.stdout)
	assert.NoDirExists(t, s.store)
}

// TestProjectCheckStopsAtFailingFunction prints the tables of the
// functions before one whose sources fail, then its error; --json prints
// nothing then.
func TestProjectCheckStopsAtFailingFunction(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.write(projectFileName, "functions:\n  api:\n  worker:\n    pass: [QUEUE_URL]\n  web:\n")
	r := s.run("", "check", "--env", "A=fake-stop-value")
	assert.Equal(t, exitFailure, r.code)
	assert.Regexp(t, `^function api:\n  KEY\s+ORIGIN\s+VALUE\s+DECLARED\s+DESCRIPTION\n  A\s+flag:--env\s+\*{6} \(15 bytes\)\s+-\n$`, r.stdout)
	assert.Equal(t, "envseal: function worker: "+filepath.Join(s.home, projectFileName)+":4: pass: QUEUE_URL is not set in envseal's environment (optional: true lets it be unset)\n", r.stderr)

	r = s.run("", "check", "--json")
	assert.Equal(t, exitFailure, r.code)
	assert.Empty(t, r.stdout)
	noValues(t, r, "fake-stop-value")
}

// TestProjectCompleteFunctions completes -f with the functions of
// envseal.yml, and offers nothing without one.
func TestProjectCompleteFunctions(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	r := s.ok("", "__complete", "run", "-f", "")
	assert.Equal(t, ":4\n", r.stdout)

	s.write(projectFileName, "functions:\n  api:\n  worker:\n  web:\n")
	r = s.ok("", "__complete", "check", "--function", "w")
	assert.Equal(t, "worker\nweb\n:4\n", r.stdout)
}

package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// TestPass takes secrets from envseal's own environment with --pass, in
// flag order with the other sources.
func TestPass(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.extra = []string{
		"API_KEY=fake-pass-api-key",
		"CI_DB_PASSWORD=fake-pass-db-password",
		"EMPTY=",
		"lower_case=fake-pass-lower",
	}
	values := []string{"fake-pass-api-key", "fake-pass-db-password", "fake-pass-lower", "fake-pass-env-flag"}
	tests := []struct {
		name  string
		flags []string
		want  []checkRow // key, origin and masked value
	}{
		{"same name", []string{"--pass", "API_KEY"}, []checkRow{{Key: "API_KEY", Origin: "pass:API_KEY", Value: "****** (17 bytes)"}}},
		{"renamed", []string{"--pass", "DB_PASSWORD=CI_DB_PASSWORD"}, []checkRow{{Key: "DB_PASSWORD", Origin: "pass:CI_DB_PASSWORD", Value: "****** (21 bytes)"}}},
		{"equals form", []string{"--pass=DB=CI_DB_PASSWORD"}, []checkRow{{Key: "DB", Origin: "pass:CI_DB_PASSWORD", Value: "****** (21 bytes)"}}},
		{"empty counts as set", []string{"--pass", "EMPTY"}, []checkRow{{Key: "EMPTY", Origin: "pass:EMPTY", Value: "(empty)"}}},
		{"lower case variable", []string{"--pass", "L=lower_case"}, []checkRow{{Key: "L", Origin: "pass:lower_case", Value: "****** (15 bytes)"}}},
		{"pass then env: env wins", []string{"--pass", "API_KEY", "--env", "API_KEY=fake-pass-env-flag"},
			[]checkRow{{Key: "API_KEY", Origin: "flag:--env", Value: "****** (18 bytes)"}}},
		{"env then pass: pass wins", []string{"--env", "API_KEY=fake-pass-env-flag", "--pass", "API_KEY"},
			[]checkRow{{Key: "API_KEY", Origin: "pass:API_KEY", Value: "****** (17 bytes)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.ok("", append([]string{"check", "--json"}, tt.flags...)...)
			noValues(t, r, values...)
			var rep checkReport
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
			assert.Equal(t, tt.want, rep.Secrets)
		})
	}
}

// TestPassSatisfiesManifest is the CI job whose secrets arrive as
// variables under other names: --pass renames them, and the manifest check
// passes; without them, it fails naming what is missing.
func TestPassSatisfiesManifest(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	manifest := s.write("inf.yml", "secrets:\n  - key: OPENAI_API_KEY\n    description: OpenAI\n  - key: DB_URL\n")
	s.extra = []string{"CI_OPENAI=fake-ci-openai", "CI_DB_URL=fake-ci-db-url"}

	r := s.ok("", "check", "--manifest", manifest, "--pass", "OPENAI_API_KEY=CI_OPENAI", "--pass", "DB_URL=CI_DB_URL")
	assert.Regexp(t, `DB_URL\s+pass:CI_DB_URL\s+\*{6} \(14 bytes\)\s+required\n`, r.stdout)
	assert.Regexp(t, `OPENAI_API_KEY\s+pass:CI_OPENAI\s+\*{6} \(14 bytes\)\s+required\s+OpenAI\n`, r.stdout)
	noValues(t, r, "fake-ci-openai", "fake-ci-db-url")

	r = s.run("", "check", "--manifest", manifest, "--pass", "OPENAI_API_KEY=CI_OPENAI")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, "missing DB_URL")
}

func TestPassErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unset", []string{"--pass", "NOT_SET_ANYWHERE"}, 1,
			"envseal: --pass: not set in envseal's environment: NOT_SET_ANYWHERE\n"},
		{"all unset named at once", []string{"--pass", "A=UNSET_ONE", "--pass", "SET_ONE", "--pass", "B=UNSET_TWO"}, 1,
			"envseal: --pass: not set in envseal's environment: UNSET_ONE, UNSET_TWO\n"},
		{"unset, not a conventional name", []string{"--env", "A=fake-pass-ok", "--pass", "K=fakepasslowercase"}, 1,
			"envseal: --pass: not set in envseal's environment: the variable of source flag 2 (lower case, not shown)\n"},
		{"a value where the variable goes", []string{"--pass", "API_KEY=fake-pass-sk-live-123"}, 2,
			"envseal check: source flag 1: --pass wants KEY=LOCAL_NAME, LOCAL_NAME a variable name"},
		{"bad key", []string{"--pass", "9fake-pass-bad=X"}, 2, "envseal check: source flag 1: --pass wants KEY or KEY=LOCAL_NAME"},
		{"empty", []string{"--pass", ""}, 2, "--pass wants KEY or KEY=LOCAL_NAME"},
		{"the store key", []string{"--pass", "K=ENVSEAL_KEY"}, 2, "--pass will not pass ENVSEAL_KEY: the store key is not given to COMMAND"},
		{"the key file", []string{"--pass", "ENVSEAL_KEY_FILE"}, 2, "--pass will not pass ENVSEAL_KEY_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			s.extra = []string{"SET_ONE=fake-pass-set-one", "ENVSEAL_KEY_FILE=/nonexistent/fake-pass-key-file"}
			r := s.run("", append([]string{"check"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code)
			assert.Contains(t, r.stderr, tt.want)
			assert.Empty(t, r.stdout)
			noValues(t, r, "fake-pass-set-one", "fake-pass-sk-live-123", "fakepasslowercase", "fake-pass-ok", "fake-pass-key-file", s.key)
		})
	}
}

// TestSourcesPrintNoValue prints the CLI's own sources in every form: only
// their names show.
func TestSourcesPrintNoValue(t *testing.T) {
	t.Parallel()
	const value = "fake-printed-source-value"
	for _, src := range []secret.Source{
		flagSource{key: "K", value: value},
		passSource{key: "K", local: "LOCAL", value: value, set: true},
	} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			out := fmt.Sprintf(verb, src)
			assert.NotContains(t, out, value, verb)
			assert.NotContains(t, out, hex.EncodeToString([]byte(value)), verb)
			assert.Contains(t, out, src.Name(), verb)
		}
		var b strings.Builder
		slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "source", src)
		slog.New(slog.NewTextHandler(&b, nil)).Info("x", "source", src)
		assert.NotContains(t, b.String(), value)
	}
}

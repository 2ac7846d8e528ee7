package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
	"github.com/envseal/secret/secrettest"
)

// TestValuesTypedWhereNamesGo gives a canary value where a name, a path
// after @, a flag's name or a boolean goes, on every command: envseal fails
// without printing it, on standard output or error.
func TestValuesTypedWhereNamesGo(t *testing.T) {
	t.Parallel()
	const c = "Xy9!c4nary-V4lue" // a value as a user might paste it
	tests := []struct {
		name   string
		args   []string
		canary string // what must not show; c when empty
		code   int
	}{
		{"run --secret KEY=VALUE", []string{"run", "--secret", "PASS=" + c, "--", "true"}, "", 2},
		{"run --secret=KEY=VALUE", []string{"run", "--secret=PASS=" + c, "--", "true"}, "", 2},
		{"check --secret value", []string{"check", "--secret", c}, "", 2},
		{"set KEY=@value", []string{"secrets", "set", "app", "PASS=@" + c}, "", 2},
		{"set KEY=@ missing absolute file", []string{"secrets", "set", "app", "PASS=@/nonexistent/" + c}, "", 1},
		{"set KEY=@ missing relative file", []string{"secrets", "set", "app", "PASS=@./" + c}, "", 1},
		{"set KEY=@ a folder", []string{"secrets", "set", "app", "PASS=@" + os.TempDir() + "/"}, os.TempDir(), 1},
		{"set KEY=VALUE as NAME", []string{"secrets", "set", "PASS=" + c, "B=x"}, "", 2},
		{"set value as NAME", []string{"secrets", "set", c, "B=x"}, "", 2},
		{"get KEY=VALUE as NAME", []string{"secrets", "get", "PASS=" + c}, "", 2},
		{"get KEY=VALUE as KEY", []string{"secrets", "get", "app", "PASS=" + c}, "", 2},
		{"get --reveal=value", []string{"secrets", "get", "--reveal=" + c, "app"}, "", 2},
		{"get --json=value", []string{"secrets", "get", "--json=" + c, "app"}, "", 2},
		{"list --json=value", []string{"secrets", "list", "--json=" + c}, "", 2},
		{"list --keys=value", []string{"secrets", "list", "--keys=" + c}, "", 2},
		{"delete value", []string{"secrets", "delete", "PASS=" + c}, "", 2},
		{"rm value", []string{"secrets", "rm", c}, "", 2},
		{"unset value as KEY", []string{"secrets", "unset", "app", "PASS=" + c}, "", 2},
		{"unset --missing-ok=value", []string{"secrets", "unset", "--missing-ok=" + c, "app", "K"}, "", 2},
		{"import value as NAME", []string{"secrets", "import", "PASS=" + c, "x.env"}, "", 2},
		{"export value as NAME", []string{"secrets", "export", c}, "", 2},
		{"export --format value", []string{"secrets", "export", "app", "--format", c}, "", 2},
		{"export --reveal=value", []string{"secrets", "export", "--reveal=" + c, "app"}, "", 2},
		{"export --force=value", []string{"secrets", "export", "--force=" + c, "app"}, "", 2},
		{"check --pass KEY=value", []string{"check", "--pass", "API_KEY=" + c}, "", 2},
		{"check --pass KEY=lower-case value", []string{"check", "--pass", "API_KEY=c4naryv4lue"}, "c4naryv4lue", 1},
		{"check --env value", []string{"check", "--env", c}, "", 2},
		{"check --json=value", []string{"check", "--json=" + c}, "", 2},
		{"run --redact=value", []string{"run", "--redact=" + c, "--", "true"}, "", 2},
		{"run --strict=value", []string{"run", "--strict=" + c, "--", "true"}, "", 2},
		{"run flag after COMMAND", []string{"run", "true", "--env=A=" + c}, "", 2},
		{"key generate --force=value", []string{"key", "generate", "--force=" + c}, "", 2},
		{"unknown command", []string{c}, "", 2},
		{"unknown subcommand", []string{"secrets", "PASS=" + c}, "", 2},
		{"completion shell", []string{"completion", c}, "", 2},
		{"completion shell argument", []string{"completion", "bash", c}, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			canary := tt.canary
			if canary == "" {
				canary = c
			}
			r := s.run("", tt.args...)
			assert.Equal(t, tt.code, r.code, "exit code")
			assert.NotEmpty(t, r.stderr, "the failure is explained")
			noValues(t, r, canary)
		})
	}
}

// The canaries of TestCanaryEveryCommand: values of the bundle app, and what
// a broken file or a mistyped variable holds.
const (
	canary1 = "CANARYfakeSECRETvalue0042"
	canary2 = "c4n4ry-Second-V4lue-77xQ"
)

// canarySandbox is a sandbox whose store holds the bundle app, with the
// canaries as its values, at two versions.
func canarySandbox(t *testing.T) *sandbox {
	t.Helper()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "TOKEN="+canary1)
	s.ok("", "secrets", "set", "app", "OTHER="+canary2)
	return s
}

// otherKey returns the text form of a new key, not the sandbox's.
func otherKey(t *testing.T) string {
	t.Helper()
	k, err := secret.GenerateKey()
	require.NoError(t, err)
	return k.Encode()
}

// TestCanaryEveryCommand drives every command into its error paths with
// canaries in the store, in files, on standard input, in the environment
// and on the command line: a wrong key, a malformed key, a tampered bundle,
// broken files, refused values, a failing workload. envseal fails with the
// right code and prints no 8 bytes of any canary, on standard output or
// error.
func TestCanaryEveryCommand(t *testing.T) {
	t.Parallel()
	wrongKey := func(t *testing.T, s *sandbox) { s.key = otherKey(t) }
	badKey := func(_ *testing.T, s *sandbox) { s.key = "envseal-key-1-" + canary1 + canary2 }
	pastedKey := func(_ *testing.T, s *sandbox) { s.key = canary1 }
	tampered := func(t *testing.T, s *sandbox) {
		p := filepath.Join(s.store, "app.sealed")
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		data[len(data)-3] ^= 0x40
		require.NoError(t, os.WriteFile(p, data, 0o600))
	}
	badEnvironment := func(_ *testing.T, s *sandbox) {
		s.extra = append(s.extra, "ENVSEAL_ENVIRONMENT=prod="+canary1)
	}
	brokenDotenv := "A=" + canary1 + "\n" + canary2 + "\nB=\"" + canary1 + "\n"
	tests := []struct {
		name  string
		prep  func(t *testing.T, s *sandbox)
		args  func(s *sandbox) []string
		stdin string
		code  int
	}{
		{"get with the wrong key", wrongKey, args("secrets", "get", "app", "--reveal"), "", 1},
		{"get one key with the wrong key", wrongKey, args("secrets", "get", "app", "TOKEN", "--reveal"), "", 1},
		{"get --json with the wrong key", wrongKey, args("secrets", "get", "app", "--json", "--reveal"), "", 1},
		{"list --keys with the wrong key", wrongKey, args("secrets", "list", "--keys"), "", 1},
		{"export with the wrong key", wrongKey, args("secrets", "export", "app", "--format", "dotenv"), "", 1},
		{"set with the wrong key", wrongKey, args("secrets", "set", "app", "NEW="+canary2), "", 1},
		{"unset with the wrong key", wrongKey, args("secrets", "unset", "app", "TOKEN"), "", 1},
		{"history with the wrong key", wrongKey, args("secrets", "history", "app"), "", 1},
		{"rollback with the wrong key", wrongKey, args("secrets", "rollback", "app", "1"), "", 1},
		{"run with the wrong key", wrongKey, args("run", "--secret", "app", "--", "true"), "", 1},
		{"check with the wrong key", wrongKey, args("check", "--secret", "app"), "", 1},
		{"key rotate with the wrong key", wrongKey, func(s *sandbox) []string {
			return []string{"key", "rotate", "--next-key-file", filepath.Join(s.home, "next")}
		}, "", 1},
		{"get with a malformed key", badKey, args("secrets", "get", "app", "--reveal"), "", 1},
		{"key show with a malformed key", badKey, args("key", "show"), "", 1},
		{"run with a malformed key", badKey, args("run", "--secret", "app", "--", "true"), "", 1},
		{"list with a value as the key", pastedKey, args("secrets", "list"), "", 1},
		{"key show with a value as the key", pastedKey, args("key", "show"), "", 1},
		{"get a tampered bundle", tampered, args("secrets", "get", "app", "--reveal"), "", 1},
		{"export a tampered bundle", tampered, args("secrets", "export", "app", "--format", "json"), "", 1},
		{"run a tampered bundle", tampered, args("run", "--secret", "app", "--", "true"), "", 1},
		{"check a tampered bundle", tampered, args("check", "--secret", "app"), "", 1},
		{"set on a tampered bundle", tampered, args("secrets", "set", "app", "NEW=fake-new-value"), "", 1},
		{"environment with a value in it", badEnvironment, args("secrets", "list"), "", 1},
		{"--environment with a value in it", nil, args("secrets", "get", "app", "--environment", "prod="+canary1), "", 1},
		{"import a broken .env file", nil, func(s *sandbox) []string {
			return []string{"secrets", "import", "app", s.write("broken.env", brokenDotenv)}
		}, "", 1},
		{"run with a broken .env file", nil, func(s *sandbox) []string {
			return []string{"run", "--secret", "app", "--dotenv", s.write("broken.env", brokenDotenv), "--", "true"}
		}, "", 1},
		{"check with a broken .env file", nil, func(s *sandbox) []string {
			return []string{"check", "--secret", "app", "--dotenv", s.write("broken.env", brokenDotenv)}
		}, "", 1},
		{"check a folder with a value as a file name", nil, func(s *sandbox) []string {
			dir := filepath.Join(s.home, "secrets")
			s.write(filepath.Join("secrets", "PASS="+canary1), canary2)
			return []string{"check", "--dir", dir}
		}, "", 1},
		{"set a value with NUL from standard input", nil, args("secrets", "set", "app", "NEW=-"), canary1 + "\x00" + canary2, 1},
		{"set a value over the limit", nil, args("secrets", "set", "app", "NEW="+strings.Repeat(canary1, 1400)), "", 1},
		{"set an invalid key", nil, args("secrets", "set", "app", "BAD KEY="+canary1), "", 2},
		{"set from a file with NUL", nil, func(s *sandbox) []string {
			return []string{"secrets", "set", "app", "NEW=@" + s.write("value", canary1+"\x00"+canary2)}
		}, "", 1},
		{"unset a key that is not there", nil, args("secrets", "unset", "app", "MISSING"), "", 1},
		{"rollback to a version that is not there", nil, args("secrets", "rollback", "app", "99"), "", 1},
		{"export in an unknown format", nil, args("secrets", "export", "app", "--format", "xml"), "", 2},
		{"export to a file that exists", nil, func(s *sandbox) []string {
			return []string{"secrets", "export", "app", "--format", "dotenv", "--out", s.write("out.env", canary2)}
		}, "", 1},
		{"run with a required key missing", nil, func(s *sandbox) []string {
			m := s.write("inf.yml", "secrets:\n  - key: TOKEN\n  - key: NEEDED\n    description: a fake key\n")
			return []string{"run", "--secret", "app", "--manifest", m, "--strict", "--", "true"}
		}, "", 1},
		{"check with a required key missing", nil, func(s *sandbox) []string {
			m := s.write("inf.yml", "secrets:\n  - key: NEEDED\n")
			return []string{"check", "--secret", "app", "--manifest", m, "--strict", "--json"}
		}, "", 1},
		{"run a command that is not there", nil, args("run", "--secret", "app", "--", "/nonexistent/fake-command"), "", 127},
		{"run a command that fails", nil, args("run", "--secret", "app", "--", "sh", "-c", "exit 3"), "", 3},
		{"run --redact a command that prints the values", nil, args("run", "--secret", "app", "--redact", "--", "sh", "-c", `echo "$TOKEN$OTHER"; echo "$OTHER" >&2; exit 4`), "", 4},
		{"run --pass a variable that is not set", nil, args("run", "--secret", "app", "--pass", "FAKE_UNSET_VARIABLE", "--", "true"), "", 1},
		{"key generate over a key file", nil, func(s *sandbox) []string {
			return []string{"key", "generate", "--out", s.write("key", canary1)}
		}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := canarySandbox(t)
			if tt.prep != nil {
				tt.prep(t, s)
			}
			r := s.run(tt.stdin, tt.args(s)...)
			assert.Equal(t, tt.code, r.code, "exit code")
			if tt.code == exitFailure || tt.code == exitUsage {
				assert.NotEmpty(t, r.stderr, "the failure is explained")
			}
			secrettest.NoLeak(t, []string{canary1, canary2}, r.stdout, r.stderr)
			if testing.Verbose() && !t.Failed() {
				t.Logf("stderr: %s", r.stderr) // holds no canary, as checked above
			}
		})
	}
}

// args returns a func that returns a as it is.
func args(a ...string) func(*sandbox) []string { return func(*sandbox) []string { return a } }

package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
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

package main

import (
	"encoding/json"
	"testing"

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

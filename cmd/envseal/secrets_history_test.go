package main

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretsHistoryAndRollback(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.ok("", "secrets", "set", "app", "A=fake-value-1")
	s.ok("", "secrets", "set", "app", "A=fake-value-2", "B=fake-value-b")
	s.ok("", "secrets", "unset", "app", "A")
	s.ok("", "secrets", "delete", "app")
	s.ok("", "secrets", "set", "app", "C=fake-value-c")

	r := s.ok("", "secrets", "history", "app")
	lines := regexp.MustCompile(`(?m)^(\d+)\s+\S+\s+(.*)$`).FindAllStringSubmatch(r.stdout, -1)
	want := [][2]string{
		{"1", "added A"},
		{"2", "added B; changed A"},
		{"3", "removed A"},
		{"4", "deleted"},
		{"5", "added C"},
	}
	require.Len(t, lines, len(want), r.stdout)
	for i, w := range want {
		assert.Equal(t, w[0], lines[i][1])
		assert.Equal(t, w[1], lines[i][2], "version %s", w[0])
	}
	assert.NotRegexp(t, "fake-value", r.stdout+r.stderr)

	r = s.ok("", "secrets", "history", "app", "--json")
	var vs []struct {
		Version int      `json:"version"`
		Deleted bool     `json:"deleted"`
		Added   []string `json:"added"`
		Changed []string `json:"changed"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &vs))
	require.Len(t, vs, 5)
	assert.Equal(t, []string{"A"}, vs[1].Changed)
	assert.True(t, vs[3].Deleted)

	// Rollback restores exactly the keys and values of that version.
	r = s.ok("", "secrets", "rollback", "app", "2")
	assert.Equal(t, "envseal: app is now version 6, with the keys and values of version 2\n", r.stderr)
	sameBundle(t, s.bundle("app"), map[string]string{"A": "fake-value-2", "B": "fake-value-b"})

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"secrets", "rollback", "app", "4"}, exitFailure, "version 4 is the bundle's deletion"},
		{[]string{"secrets", "rollback", "app", "99"}, exitFailure, "bundle app has no version 99"},
		{[]string{"secrets", "rollback", "app", "two"}, exitUsage, "VERSION must be a version number"},
		{[]string{"secrets", "history", "nope"}, exitFailure, `no bundle named "nope"`},
	} {
		r := s.run("", tc.args...)
		assert.Equal(t, tc.code, r.code, "%v", tc.args)
		assert.Contains(t, r.stderr, tc.msg, "%v", tc.args)
	}
}

// TestHistoryLimitFromEnvironment: ENVSEAL_HISTORY says how many versions
// are kept.
func TestHistoryLimitFromEnvironment(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.extra = append(s.extra, "ENVSEAL_HISTORY=1")
	for _, v := range []string{"1", "2", "3", "4"} {
		s.ok("", "secrets", "set", "app", "A=fake-value-"+v)
	}
	r := s.ok("", "secrets", "history", "app")
	assert.Regexp(t, `(?s)^VERSION.*\n3 .*\n4 .*\n$`, r.stdout)
	s.extra = []string{"ENVSEAL_HISTORY=-3"}
	r = s.run("", "secrets", "list")
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, "ENVSEAL_HISTORY must be a number of versions")
}

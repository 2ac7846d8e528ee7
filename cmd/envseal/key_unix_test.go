//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the binary: where the key is looked for (secret.LoadKey)
// and the user config dir come from the process's environment.

// TestKeyGenerateThenUse checks that the key that key generate writes to
// the default key file, in the user config dir or where ENVSEAL_KEY_FILE
// says, is the one the store then opens with.
func TestKeyGenerateThenUse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		extra func(s *sandbox) []string
		path  func(s *sandbox) string
	}{
		{"user config dir", func(*sandbox) []string { return nil },
			func(s *sandbox) string { return filepath.Join(s.home, "config", "envseal", "key") }},
		{"ENVSEAL_KEY_FILE", func(s *sandbox) []string {
			return []string{"ENVSEAL_KEY_FILE=" + filepath.Join(s.home, "other", "key")}
		},
			func(s *sandbox) string { return filepath.Join(s.home, "other", "key") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			s.key, s.extra = "", tt.extra(s)
			r := s.okBinary("", "key", "generate")
			assert.Contains(t, r.stderr, "wrote a new key to "+tt.path(s))
			readKeyFile(t, tt.path(s))

			s.okBinary("", "secrets", "set", "app", "A=fake-value-one")
			assert.Equal(t, "fake-value-one\n", s.okBinary("", "secrets", "get", "--reveal", "app", "A").stdout)

			// Under another key, the bundle does not open.
			s.okBinary("", "key", "generate", "--force")
			r = s.runBinary("", "secrets", "get", "app")
			assert.Equal(t, exitFailure, r.code)
			noValues(t, r, "fake-value-one")
		})
	}
}

// TestKeyProblems checks that a missing, malformed or unsafe key gets one
// clear line that names where the key was looked for, never the key.
func TestKeyProblems(t *testing.T) {
	t.Parallel()
	const fakeBadKey = "envseal-key-1-fake-truncated"
	tests := []struct {
		name  string
		key   string   // ENVSEAL_KEY
		extra []string // more environment
		setup func(s *sandbox)
		want  []string
	}{
		{name: "no key anywhere", want: []string{"config/envseal/key does not exist", "envseal key generate"}},
		{name: "ENVSEAL_KEY_FILE missing", extra: []string{"ENVSEAL_KEY_FILE=/nonexistent/fake.key"},
			want: []string{"envseal: no store key: ENVSEAL_KEY_FILE names /nonexistent/fake.key, which does not exist; fix the variable, or run 'envseal key generate'"}},
		{name: "malformed ENVSEAL_KEY", key: fakeBadKey, want: []string{"ENVSEAL_KEY holds a malformed key"}},
		{name: "key file open to others", setup: func(s *sandbox) {
			s.write("config/envseal/key", "not-a-key\n")
			require.NoError(t, os.Chmod(filepath.Join(s.home, "config/envseal/key"), 0o644))
		}, want: []string{"chmod 600"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			s.key, s.extra = tt.key, tt.extra
			if tt.setup != nil {
				tt.setup(s)
			}
			for _, args := range [][]string{
				{"secrets", "list"},
				{"secrets", "set", "app", "A=fake-value-1"},
				{"run", "--secret", "app", "--", "true"},
			} {
				r := s.runBinary("", args...)
				assert.Equal(t, exitFailure, r.code, "%v", args)
				assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
				assert.True(t, strings.HasPrefix(r.stderr, "envseal: "), "said by envseal: %q", r.stderr)
				assert.Equal(t, 1, strings.Count(r.stderr, "envseal:"), "envseal: said once: %q", r.stderr)
				for _, w := range tt.want {
					assert.Contains(t, r.stderr, w, "%v", args)
				}
				noValues(t, r, fakeBadKey, "not-a-key", "fake-value-1")
			}
		})
	}
}

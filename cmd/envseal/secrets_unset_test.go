package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSecretsUnset(t *testing.T) {
	t.Parallel()
	values := []string{"fake-unset-a", "fake-unset-b", "fake-unset-c"}
	tests := []struct {
		name     string
		args     []string // after NAME
		code     int
		stderr   string
		keysLeft string // secrets list --keys's KEYS column
	}{
		{"one", []string{"B"}, 0, "envseal: removed 1 key(s) from app: B\n", "A,C"},
		{"several, repeated", []string{"C", "A", "C"}, 0, "envseal: removed 2 key(s) from app: A, C\n", "B"},
		{"all: the bundle stays", []string{"A", "B", "C"}, 0, "envseal: removed 3 key(s) from app: A, B, C\n", ""},
		{"one absent: nothing removed", []string{"A", "NOPE", "ZED"}, 1,
			"envseal: bundle app has no key NOPE, ZED: nothing was removed (--missing-ok removes the others)\n", "A,B,C"},
		{"--missing-ok removes the others", []string{"A", "NOPE", "--missing-ok"}, 0,
			"envseal: removed 1 key(s) from app: A; not present: NOPE\n", "B,C"},
		{"--missing-ok, none present", []string{"NOPE", "--missing-ok"}, 0,
			"envseal: removed 0 key(s) from app; not present: NOPE\n", "A,B,C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			s.ok("", "secrets", "set", "app", "A=fake-unset-a", "B=fake-unset-b", "C=fake-unset-c")
			r := s.run("", append([]string{"secrets", "unset", "app"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code)
			assert.Equal(t, tt.stderr, r.stderr)
			assert.Empty(t, r.stdout)
			noValues(t, r, values...)
			r = s.ok("", "secrets", "list", "--keys")
			assert.Regexp(t, `\napp +\S+ \S+ *`+tt.keysLeft+`\n$`, r.stdout)
		})
	}
}

func TestSecretsUnsetUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no key", []string{"app"}, "missing NAME KEY..."},
		{"not a key", []string{"app", "A", "fake-unset-not-a-key!"}, "argument 3 is not a key name"},
		{"a KEY=VALUE", []string{"app", "A=fake-unset-pasted"}, "argument 2 is not a key name: it looks like KEY=VALUE (not shown)"},
		{"not a bundle name", []string{"Fake-Unset-Name", "A"}, "argument 1 is not a bundle name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			r := s.run("", append([]string{"secrets", "unset"}, tt.args...)...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, tt.want)
			noValues(t, r, "fake-unset-not-a-key", "fake-unset-pasted", "Fake-Unset-Name")
		})
	}
}

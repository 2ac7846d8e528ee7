package secret_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

func TestValidationErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  secret.ValidationError
		want string
	}{
		{
			name: "missing with and without description, undeclared",
			err: secret.ValidationError{
				Missing:      []string{"A", "B"},
				Undeclared:   []string{"Z"},
				Descriptions: map[string]string{"A": "the A key"},
			},
			want: "secrets do not satisfy the manifest:\n  missing A: the A key\n  missing B\n  undeclared Z",
		},
		{
			// description: > and | blocks end with a newline and may span
			// lines: each missing key must still be one line.
			name: "multi-line description on one line",
			err: secret.ValidationError{
				Missing:      []string{"A", "B"},
				Descriptions: map[string]string{"A": "OpenRouter API key, from\nhttps://openrouter.ai/keys\n", "B": " \n"},
			},
			want: "secrets do not satisfy the manifest:\n  missing A: OpenRouter API key, from https://openrouter.ai/keys\n  missing B",
		},
		{
			name: "control characters escaped",
			err: secret.ValidationError{
				Missing:      []string{"A"},
				Descriptions: map[string]string{"A": "\x1b[2J\x1b[31mred\u202eevil\x07 back\\slash"},
			},
			want: "secrets do not satisfy the manifest:\n  missing A: \\x1b[2J\\x1b[31mred\\u202eevil\\x07 back\\slash",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

// TestValidationErrorEscapesDescriptions gives a manifest descriptions
// that would drive a terminal (recolour, retitle, clear, rewrite the line)
// or read other than they are: the error shows each such character escaped,
// whether the manifest was parsed or built in Go.
func TestValidationErrorEscapesDescriptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, desc, want string
	}{
		{"ESC colour", `"\e[31mred\e[0m"`, "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"window title", `"\e]0;owned\a"`, "\x1b]0;owned\x07", `\x1b]0;owned\x07`},
		{"clear screen", `"\e[2J\e[H"`, "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"CR over the line", `"fake-ok\rmissing nothing"`, "fake-ok\rmissing nothing", "fake-ok missing nothing"},
		{"backspace", `"abc\b\bX"`, "abc\b\bX", `abc\x08\x08X`},
		{"DEL", `"a\x7fb"`, "a\x7fb", `a\x7fb`},
		{"C1 CSI", `"a\x9b31mb"`, "a\u009b31mb", `a\u009b31mb`},
		{"bidi override", `"abc\u202Edcba"`, "abc\u202edcba", `abc\u202edcba`},
		{"invalid UTF-8", "", "a\xffb", `a\xffb`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var manifests []*secret.Manifest
			if tt.yaml != "" {
				m, err := secret.ParseManifest([]byte("secrets:\n  - key: A\n    description: " + tt.yaml + "\n"))
				require.NoError(t, err)
				require.Equal(t, tt.desc, m.Secrets[0].Description, "the description is kept as written")
				manifests = append(manifests, m)
			}
			manifests = append(manifests, &secret.Manifest{Secrets: []secret.Declaration{{Key: "A", Description: tt.desc}}})
			for _, m := range manifests {
				err := m.Check(nil, false)
				var ve *secret.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, tt.desc, ve.Descriptions["A"], "Descriptions holds it as it is")
				msg := err.Error()
				assert.Equal(t, "secrets do not satisfy the manifest:\n  missing A: "+tt.want, msg)
				assert.False(t, strings.ContainsFunc(msg, func(r rune) bool { return r != '\n' && !unicode.IsPrint(r) }),
					"an unprintable character in %q", msg)
			}
		})
	}
}

func TestParseErrorText(t *testing.T) {
	t.Parallel()
	bad := errors.New("bad thing")
	tests := []struct {
		name string
		err  secret.ParseError
		want string
	}{
		{"path and line", secret.ParseError{Path: ".env", Line: 3, Err: bad}, ".env:3: bad thing"},
		{"path only", secret.ParseError{Path: ".env", Err: bad}, ".env: bad thing"},
		{"line only", secret.ParseError{Line: 3, Err: bad}, "line 3: bad thing"},
		{"neither", secret.ParseError{Err: bad}, "bad thing"},
		{"no Err", secret.ParseError{Path: ".env", Line: 3}, ".env:3: syntax error"},
		{"zero", secret.ParseError{}, "syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

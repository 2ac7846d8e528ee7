package secret_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

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
			want: "secrets do not satisfy the manifest:\n  missing A: \\x1b[2J\\x1b[31mred\\u202eevil\\a back\\\\slash",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.err.Error())
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

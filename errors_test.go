package secret_test

import (
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
			want: "envseal: secrets do not satisfy the manifest:\n  missing A: the A key\n  missing B\n  undeclared Z",
		},
		{
			// description: > and | blocks end with a newline and may span
			// lines: each missing key must still be one line.
			name: "multi-line description on one line",
			err: secret.ValidationError{
				Missing:      []string{"A", "B"},
				Descriptions: map[string]string{"A": "OpenRouter API key, from\nhttps://openrouter.ai/keys\n", "B": " \n"},
			},
			want: "envseal: secrets do not satisfy the manifest:\n  missing A: OpenRouter API key, from https://openrouter.ai/keys\n  missing B",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

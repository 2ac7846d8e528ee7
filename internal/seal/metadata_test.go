package seal

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKept(t *testing.T) {
	t.Parallel()
	cur := Bundle{Env: map[string]string{"A": "1", "B": "2"}, Descriptions: map[string]string{"A": "a", "B": "b"}, WriteOnly: true}
	got := Kept(cur, map[string]string{"B": "3", "C": "4"})
	assert.Equal(t, map[string]string{"B": "b"}, got.Descriptions)
	assert.True(t, got.WriteOnly)
	assert.Equal(t, map[string]string{"B": "3", "C": "4"}, got.Env)
	got = Kept(Bundle{}, map[string]string{"A": "1"})
	assert.False(t, got.hasMetadata())
}

func TestChanged(t *testing.T) {
	t.Parallel()
	env := map[string]string{"A": "1", "B": "2"}
	plain := Bundle{Env: env}
	wo := Bundle{Env: env, WriteOnly: true}
	tests := []struct {
		name      string
		exists    bool
		cur       Bundle
		desc      map[string]string
		writeOnly bool
		want      map[string]string
		wantErr   error
		wantText  string
	}{
		{"new, described", false, Bundle{}, map[string]string{"A": "about A", "B": "", "Z": "absent"}, false, map[string]string{"A": "about A"}, nil, ""},
		{"new, write-only", false, Bundle{}, nil, true, map[string]string{}, nil, ""},
		{"existing, stays plain", true, plain, nil, false, map[string]string{}, nil, ""},
		{"existing, made write-only", true, plain, nil, true, nil, ErrWriteOnlyAtCreation, ""},
		{"write-only, cleared", true, wo, nil, false, nil, ErrWriteOnlyStays, ""},
		{"write-only, kept", true, wo, map[string]string{"B": "about B"}, true, map[string]string{"B": "about B"}, nil, ""},
		{"bad descriptions, each named", false, Bundle{}, map[string]string{"A": "x\x00y", "B": strings.Repeat("d", 1025)}, false, nil, nil,
			"key A: description contains a NUL byte\nkey B: description is 1025 bytes, over the limit of 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Changed(tt.exists, tt.cur, env, tt.desc, tt.writeOnly)
			switch {
			case tt.wantErr != nil:
				require.True(t, errors.Is(err, tt.wantErr), "got %v", err)
			case tt.wantText != "":
				require.EqualError(t, err, tt.wantText)
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.want, got.Descriptions)
				assert.Equal(t, tt.writeOnly, got.WriteOnly)
			}
		})
	}
}

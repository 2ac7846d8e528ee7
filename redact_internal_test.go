package secret

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heldBack returns how many of the bytes written to r are neither written
// out yet nor in a span to redact: the bytes r holds back because they may
// still be part of a value.
func heldBack(red *Redactor) int {
	r := red.state.get()
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for q := r.pos - int64(len(r.held)); q < r.pos; q++ {
		if q < r.emitted {
			continue
		}
		inSpan := false
		for _, s := range r.spans {
			if s.start <= q && q < s.end {
				inSpan = true
			}
		}
		if !inSpan {
			n++
		}
	}
	return n
}

// longest returns the length of the longest value r redacts.
func longest(red *Redactor) int {
	r := red.state.get()
	n := 0
	for _, p := range r.pats {
		n = max(n, len(p))
	}
	return n
}

// TestRedactorLearn adds values to a Redactor in the middle of a stream: the
// old values are still redacted with their markers, a new one at once, also
// when its start is already held back.
func TestRedactorLearn(t *testing.T) {
	t.Parallel()
	mk := func(m map[string]string) *Env {
		env, err := Resolve(t.Context(), FromMap(m))
		require.NoError(t, err)
		return env
	}
	tests := []struct {
		name        string
		old, new    map[string]string
		before, aft string
		want        string
	}{
		{"old and new values", map[string]string{"OLD": "fake-old-value"}, map[string]string{"NEW": "fake-new-value"},
			"a fake-old-value b ", "fake-old-value fake-new-value", "a [REDACTED:OLD] b [REDACTED:OLD] [REDACTED:NEW]"},
		{"new value whose start is held", map[string]string{"OLD": "fake-old-value"}, map[string]string{"NEW": "fake-old-vintage"},
			"a fake-old-v", "intage b", "a [REDACTED:NEW] b"},
		{"new value held in full", map[string]string{"OLD": "fake-secret-long-value"}, map[string]string{"NEW": "fake-secret"},
			"a fake-secret", "x", "a [REDACTED:NEW]x"},
		{"same value under another key keeps its marker", map[string]string{"OLD": "fake-old-value"}, map[string]string{"RENAMED": "fake-old-value"},
			"", "fake-old-value", "[REDACTED:OLD]"},
		{"learned by a Redactor that had no value", nil, map[string]string{"NEW": "fake-new-value"},
			"plain ", "fake-new-value", "plain [REDACTED:NEW]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			r := NewRedactor(&b, mk(tt.old))
			_, err := io.WriteString(r, tt.before)
			require.NoError(t, err)
			r.learn(mk(tt.new))
			_, err = io.WriteString(r, tt.aft)
			require.NoError(t, err)
			require.NoError(t, r.Close())
			assert.Equal(t, tt.want, b.String())
		})
	}
}

// TestRedactorHoldsBackLessThanLongestValue writes streams of values that
// repeat and overlap, one byte at a time: after each byte, the Redactor
// holds back fewer bytes than the longest value.
func TestRedactorHoldsBackLessThanLongestValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values map[string]string
		in     string
	}{
		{"repeating", map[string]string{"Z": "000000"}, strings.Repeat("0", 50) + "1" + strings.Repeat("0", 5) + "1"},
		{"period three", map[string]string{"P": "abcabc"}, strings.Repeat("abc", 20) + "ab" + "abcab"},
		{"nested", map[string]string{"L": "xxabcdefyy", "S": "abcdef"}, "xxabcdefyy xxabcdefy abcdefyy xxabcdef"},
		{"prefixes", map[string]string{"A": "aaaaaab", "B": "aaaaaaaaac"}, strings.Repeat("a", 30) + "b" + strings.Repeat("a", 9) + "c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, err := Resolve(t.Context(), FromMap(tt.values))
			require.NoError(t, err)
			r := NewRedactor(io.Discard, env)
			for i := range len(tt.in) {
				_, err := io.WriteString(r, tt.in[i:i+1])
				require.NoError(t, err)
				require.Less(t, heldBack(r), longest(r), "after byte %d", i)
			}
		})
	}
}

// HeldBack is heldBack, for the tests of package secret_test.
func HeldBack(r *Redactor) int { return heldBack(r) }

// LongestValue is longest, for the tests of package secret_test.
func LongestValue(r *Redactor) int { return longest(r) }

package aho

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// naive returns, for each end position i+1 of in, the longest of pats that
// ends there (-1 when none), and the length of the longest suffix of in[:i+1]
// that is a prefix of one of pats.
func naive(pats []string, in string) (match, depth []int) {
	for i := range in {
		best, d := -1, 0
		for j, p := range pats {
			if p != "" && strings.HasSuffix(in[:i+1], p) && (best < 0 || len(p) > len(pats[best])) {
				best = j
			}
			for k := min(len(p), i+1); k > d; k-- {
				if strings.HasSuffix(in[:i+1], p[:k]) {
					d = k
					break
				}
			}
		}
		match = append(match, best)
		depth = append(depth, d)
	}
	return match, depth
}

func TestAutomaton(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pats []string
		in   string
	}{
		{"none", nil, "abc"},
		{"one", []string{"abc"}, "xabcabcx"},
		{"repeating", []string{"000000"}, strings.Repeat("0", 20)},
		{"period three", []string{"abcabc"}, strings.Repeat("abc", 7) + "ab"},
		{"nested", []string{"cdef", "abcdefgh", "ef"}, "abcdefgh abcdef cdefgh"},
		{"overlapping", []string{"abcdef", "defghi"}, "abcdefghi"},
		{"equal strings", []string{"same", "same"}, "same"},
		{"empty string", []string{"", "ab"}, "abab"},
		{"binary", []string{"\x00\xff\x00", "\xff\xff"}, "\x00\xff\xff\x00\xff\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			check(t, tt.pats, tt.in)
		})
	}
}

// TestAutomatonRandom compares the automaton with the naive search on
// strings over a two-letter alphabet, where occurrences overlap the most.
func TestAutomatonRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "ab"[rng.IntN(2)]
		}
		return string(b)
	}
	for range 500 {
		pats := make([]string, 1+rng.IntN(5))
		for i := range pats {
			pats[i] = word(1 + rng.IntN(6))
		}
		check(t, pats, word(rng.IntN(40)))
	}
}

func check(t *testing.T, pats []string, in string) {
	t.Helper()
	a := New(pats)
	match, depth := naive(pats, in)
	s := State(0)
	for i := 0; i < len(in); i++ {
		s = a.Next(s, in[i])
		got, n := a.Match(s)
		if got >= 0 && n != len(pats[got]) {
			t.Fatalf("%q in %q at %d: length %d, want %d", pats, in, i, n, len(pats[got]))
		}
		want := match[i]
		if got != want && (got < 0 || want < 0 || pats[got] != pats[want]) {
			t.Fatalf("%q in %q at %d: match %d, want %d", pats, in, i, got, want)
		}
		if got >= 0 && want >= 0 && got != want && got > want {
			t.Fatalf("%q in %q at %d: match %d, want the first equal string %d", pats, in, i, got, want)
		}
		if a.Depth(s) != depth[i] {
			t.Fatalf("%q in %q at %d: depth %d, want %d", pats, in, i, a.Depth(s), depth[i])
		}
	}
}

package safetext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, lines string
	}{
		{"plain", "The API key, for GPT-4 (über)", "The API key, for GPT-4 (über)", ""},
		{"backslash kept", `C:\keys`, `C:\keys`, ""},
		{"ESC sequence", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`, ""},
		{"title sequence", "\x1b]0;owned\x07", `\x1b]0;owned\x07`, ""},
		{"CR", "ok\rFAKE", `ok\x0dFAKE`, ""},
		{"newline and tab", "a\nb\tc", `a\x0ab\x09c`, "a\nb\tc"},
		{"DEL", "a\x7fb", `a\x7fb`, ""},
		{"NUL", "a\x00b", `a\x00b`, ""},
		{"C1 CSI", "a\u009b31mb", `a\u009b31mb`, ""},
		{"NEL", "a\u0085b", `a\u0085b`, ""},
		{"invalid UTF-8", "a\xffb\xc3", `a\xffb\xc3`, ""},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`, ""},
		{"zero-width space", "a\u200bb", `a\u200bb`, ""},
		{"replacement character kept", "a\ufffdb", "a\ufffdb", ""},
		{"astral unprintable", "a\U000e0001b", `a\U000e0001b`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
			want := tt.lines
			if want == "" {
				want = tt.want
			}
			if got := EscapeLines(tt.in); got != want {
				t.Errorf("EscapeLines(%q) = %q, want %q", tt.in, got, want)
			}
		})
	}
}

// FuzzEscape checks that the result is valid UTF-8 made of printable
// characters only (and newlines and tabs for EscapeLines), and that
// printable input is left as it is.
func FuzzEscape(f *testing.F) {
	f.Add("\x1b[2J\rok\u009b\xff\u202e")
	f.Add("plain text")
	f.Fuzz(func(t *testing.T, s string) {
		for _, lines := range []bool{false, true} {
			out := escape(s, lines)
			if !utf8.ValidString(out) {
				t.Fatalf("escape(%q) = %q: not valid UTF-8", s, out)
			}
			for _, r := range out {
				if !unicode.IsPrint(r) && !(lines && (r == '\n' || r == '\t')) {
					t.Fatalf("escape(%q) = %q: %U is not printable", s, out, r)
				}
			}
			if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) && out != s {
				t.Fatalf("escape(%q) = %q: printable text changed", s, out)
			}
		}
	})
}

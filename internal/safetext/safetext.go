// Package safetext makes text that came from a file or a user safe to print
// on a terminal: a manifest's description, a path, an error that quotes one.
// A terminal acts on control characters rather than showing them: ESC starts
// a sequence that may recolour, retitle, clear or rewrite the screen (or, on
// some terminals, answer back as if typed), CR moves back over what was
// printed, C1 controls such as U+009B are ESC sequences in one character,
// and Unicode's invisible formatting characters (bidirectional overrides,
// zero-width spaces) make text read other than it is. Each is shown escaped
// instead, as Go would write it in a string.
package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every character that is not printable written as a
// Go escape: C0 controls (newline and tab included), DEL and the bytes of
// invalid UTF-8 as \xNN, C1 controls and other unprintable characters as
// \uNNNN or \UNNNNNNNN. Printable characters, the ASCII space among them,
// are left as they are, and so is a backslash: the result is for people to
// read, not to be parsed back.
func Escape(s string) string { return escape(s, false) }

// EscapeLines is Escape, but keeps newlines and tabs: for a message of
// several lines.
func EscapeLines(s string) string { return escape(s, true) }

func escape(s string, lines bool) string {
	keep := func(r rune) bool {
		return r != utf8.RuneError && unicode.IsPrint(r) || lines && (r == '\n' || r == '\t')
	}
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !keep(r) && !(r == utf8.RuneError && n > 1) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keep(r), r == utf8.RuneError:
			b.WriteString(s[i : i+n])
		case r < utf8.RuneSelf:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += n
	}
	return b.String()
}

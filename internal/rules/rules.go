// Package rules holds the rules every key, value and bundle name obeys, in
// one place below every other package of envseal: the root package applies
// them when it merges sources, and the sealed format applies them when it
// opens a bundle, without either calling up into the other.
package rules

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on keys and values: Modal's.
const (
	MaxKeyLen   = 16384
	MaxValueLen = 32768
)

// MaxNameLen is the longest bundle or environment name.
const MaxNameLen = 64

// KeyRule and NameRule describe ValidKey and ValidName for error messages.
const (
	KeyRule  = "[A-Za-z_][A-Za-z0-9_]*"
	NameRule = "[a-z0-9][a-z0-9_-]{0,63}"
)

// ValidKey reports whether k matches [A-Za-z_][A-Za-z0-9_]* and is at most
// MaxKeyLen bytes long.
func ValidKey(k string) bool {
	if k == "" || len(k) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !keyByte(k[i], i == 0) {
			return false
		}
	}
	return true
}

func keyByte(c byte, first bool) bool {
	switch {
	case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		return true
	case '0' <= c && c <= '9':
		return !first
	}
	return false
}

// ValidName reports whether name is a valid bundle or environment name:
// [a-z0-9][a-z0-9_-]{0,63}.
func ValidName(name string) bool {
	if name == "" || len(name) > MaxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case (c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// CheckEntry returns what is wrong with a key and its value, or nil. It
// never quotes the value, nor a key that is not valid.
func CheckEntry(k, v string) error {
	switch {
	case k == "":
		return errors.New("empty key")
	case len(k) > MaxKeyLen:
		return fmt.Errorf("key is %d bytes, over the limit of %d", len(k), MaxKeyLen)
	case !ValidKey(k):
		return errors.New("invalid key: want " + KeyRule)
	case len(v) > MaxValueLen:
		return fmt.Errorf("value is %d bytes, over the limit of %d", len(v), MaxValueLen)
	case strings.IndexByte(v, 0) >= 0:
		return errors.New("value contains a NUL byte")
	}
	return nil
}

// MaxDescriptionLen is the longest description of a key that a store
// keeps, in bytes.
const MaxDescriptionLen = 1024

// CheckDescription returns what is wrong with the description of a key, or
// nil: it must be valid UTF-8, without NUL, at most MaxDescriptionLen bytes.
// Descriptions are not secret, but it never quotes one: the error is about
// its form. Control characters are allowed; whoever prints a description
// escapes them (see package safetext).
func CheckDescription(d string) error {
	switch {
	case len(d) > MaxDescriptionLen:
		return fmt.Errorf("description is %d bytes, over the limit of %d", len(d), MaxDescriptionLen)
	case !utf8.ValidString(d):
		return errors.New("description is not valid UTF-8")
	case strings.IndexByte(d, 0) >= 0:
		return errors.New("description contains a NUL byte")
	}
	return nil
}

// hintLen is how much of an invalid key or name a hint shows at most.
const hintLen = 16

// QuoteKey returns k for an error message. A valid key of reasonable length
// is shown as it is. Any other string may be a value typed or pasted where a
// key goes ("KEY=value", a token), so only a hint is shown: its leading
// letters, digits and underscores (at most 16), quoted, then "…" and its
// length when that is not all of it, as in `"API_KEY"… (41 bytes)` or
// `"1KEY"`. No byte after the first other one is ever shown.
func QuoteKey(k string) string {
	if ValidKey(k) && len(k) <= MaxNameLen {
		return k
	}
	return hint(k, func(c byte) bool { return keyByte(c, false) })
}

// QuoteName is QuoteKey for bundle and environment names.
func QuoteName(name string) string {
	if ValidName(name) {
		return fmt.Sprintf("%q", name)
	}
	return hint(name, func(c byte) bool {
		return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-'
	})
}

// hint shows the leading bytes of s that ok accepts, at most hintLen of them,
// then "…" and the length of s unless that was all of s.
func hint(s string, ok func(c byte) bool) string {
	n := 0
	for n < len(s) && n < hintLen && ok(s[n]) {
		n++
	}
	switch {
	case n == len(s):
		return fmt.Sprintf("%q", s)
	case n == 0:
		return fmt.Sprintf("(%d bytes)", len(s))
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:n], len(s))
}

// EditDistance is the Levenshtein distance between a and b, in bytes: how
// close a typed name is to a known one, for "did you mean" hints.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

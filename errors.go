package secret

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/envseal/secret/internal/rules"
	"github.com/envseal/secret/internal/safetext"
	"github.com/envseal/secret/internal/seal"
)

// Errors follow one convention, age's and the standard library's: an error
// says what went wrong and where (a file and line, a source, a key, a
// bundle), each layer adding only what the error it wraps does not already
// say; no error starts with the package's or the program's name. The
// envseal command adds "envseal: " once, where it prints an error.

// ErrNotFound reports a named bundle, file or folder that does not exist.
// Check for it with errors.Is. An error about a missing file matches
// [fs.ErrNotExist] too.
var ErrNotFound error = notFoundError{}

// notFoundError is ErrNotFound's type: it also matches fs.ErrNotExist, so a
// caller may check for either. It is a constant-like value, never mutated.
type notFoundError struct{}

func (notFoundError) Error() string { return "not found" }

func (notFoundError) Is(target error) bool { return target == fs.ErrNotExist }

// ErrAuthFailed reports a sealed bundle that cannot be opened: the key is
// wrong, or the bundle was modified, truncated, extended, or copied or
// renamed from another bundle name or environment, or it is not in a format
// this package reads. Check for it with [errors.Is].
//
// A bundle sealed under another key says so, with the key id it needs and
// the key id in use (one-way functions of the keys, safe to show); every
// other failure that depends on the key gives exactly the same message, which
// names the bundle and nothing else, so that the error is no oracle.
var ErrAuthFailed = seal.ErrAuthFailed

// SourceError reports a source that failed to load, or that yielded a key or
// value that breaks the rules of the package. It never contains a value.
//
// Its text is the source's name, the key at fault if any, and what went
// wrong, as in "map: key 1A: invalid key: want [A-Za-z_][A-Za-z0-9_]*". The
// source's name is left out when the error it wraps already says where it
// is: a [*ParseError] of a file ("app.env:2: invalid key") or a
// [*BundleError] (`bundle "openai" not found`) or a [*WrongKeyError].
type SourceError struct {
	Source string // the source's Name
	// Key is the key at fault, or "" when the whole source failed. A key
	// that breaks the key rule may be a value typed in the wrong place, so
	// it is printed only as a short hint; the field holds it as given.
	Key string
	Err error // what went wrong
}

func (e *SourceError) Error() string {
	msg := "failed"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Key != "" {
		return e.Source + ": key " + rules.QuoteKey(e.Key) + ": " + msg
	}
	if locates(e.Err) {
		return msg
	}
	return e.Source + ": " + msg
}

func (e *SourceError) Unwrap() error { return e.Err }

// GoString is what %#v prints: the fields, with Key shown as in Error, so
// that a value pasted where a key goes is not printed there either.
func (e *SourceError) GoString() string {
	key := ""
	if e.Key != "" {
		key = rules.QuoteKey(e.Key)
	}
	return fmt.Sprintf("&secret.SourceError{Source: %q, Key: %q, Err: %#v}", e.Source, key, e.Err)
}

// MarshalJSON writes the fields as GoString shows them, Key as in Error
// (a hint only, unless it is a valid key), and Err as its message:
// encoding/json would otherwise write Key as it is.
func (e *SourceError) MarshalJSON() ([]byte, error) {
	key := ""
	if e.Key != "" {
		key = rules.QuoteKey(e.Key)
	}
	var msg string
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return json.Marshal(struct {
		Source string
		Key    string `json:",omitempty"`
		Err    string `json:",omitempty"`
	}{e.Source, key, msg})
}

// locates reports whether err already says where it happened, so that a
// SourceError need not name the source.
func locates(err error) bool {
	var pe *ParseError
	if errors.As(err, &pe) && pe.Path != "" {
		return true
	}
	var be *BundleError
	var wk *WrongKeyError
	return errors.As(err, &be) || errors.As(err, &wk)
}

// BundleError reports a failure about one bundle of a [Store], naming it.
// Its text is `bundle "openai" not found` when it wraps [ErrNotFound], and
// `bundle "openai": what went wrong` otherwise. Bundle is the bundle's name,
// with its environment in front outside the default one ("prod/openai").
// Stores return it so that [Resolve] does not name the bundle a second time.
type BundleError struct {
	Bundle string
	Err    error
}

func (e *BundleError) Error() string {
	if e.Err == ErrNotFound {
		return fmt.Sprintf("bundle %q not found", e.Bundle)
	}
	msg := "failed"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("bundle %q: %s", e.Bundle, msg)
}

func (e *BundleError) Unwrap() error { return e.Err }

// WrongKeyError reports a bundle sealed under another key than the store's:
// when reading it, the bundle does not open; when writing, the store's other
// bundles are under another key, and the write is refused unless
// [StoreOptions.AllowKeyChange] is set, so that a mistyped or stale key
// never splits a store in two. It names the key ids involved (see
// [Key.ID]), and where the key in use came from, never a key. It wraps
// [ErrAuthFailed].
type WrongKeyError struct {
	Bundle    string // the bundle read or written, with its environment
	Sealed    string // the key id the bundle (reading) or the store (writing) is sealed under
	Used      string // the key id of the key in use
	KeySource string // where the key in use came from, as StoreOptions.KeySource; "" if unknown
	Writing   bool   // the error comes from a write
}

func (e *WrongKeyError) Error() string {
	used := "the key in use"
	if e.KeySource != "" {
		used += " (from " + e.KeySource + ")"
	}
	if e.Writing {
		return fmt.Sprintf("bundle %q: the store's bundles are sealed under key id %s, but %s has key id %s: refusing to write under another key, which would split the store; use the store's key, or rotate the store to the new key",
			e.Bundle, e.Sealed, used, e.Used)
	}
	return fmt.Sprintf("bundle %q is sealed under key id %s, but %s has key id %s", e.Bundle, e.Sealed, used, e.Used)
}

// Unwrap returns ErrAuthFailed.
func (e *WrongKeyError) Unwrap() error { return ErrAuthFailed }

// ParseError reports a syntax error in a .env file or a manifest. Its text is
// "path:line: what is wrong"; it never quotes the file's content.
type ParseError struct {
	Path string // the file; "" when parsing bytes that came from no file
	Line int    // 1-based; 0 when the error is not tied to a line
	Err  error  // what is wrong
}

func (e *ParseError) Error() string {
	what := "syntax error"
	if e.Err != nil {
		what = e.Err.Error()
	}
	switch {
	case e.Path == "" && e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, what)
	case e.Path == "":
		return what
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, what)
	}
	return fmt.Sprintf("%s: %s", e.Path, what)
}

func (e *ParseError) Unwrap() error { return e.Err }

// ValidationError reports secrets that do not satisfy a [Manifest]: the
// required keys that are absent or empty, and, for a strict [Resolver], the
// keys that the manifest does not declare. Both lists are sorted. Its text
// lists each missing key with its description, on one line each: a
// description that spans lines (a YAML | or > block) has its runs of
// whitespace shown as one space, and its control characters (ESC, CR, DEL,
// C1 controls), invisible formatting characters and invalid UTF-8 are shown
// escaped, as \x1b or \u009b, so that a manifest cannot reach the terminal
// that prints the error. Descriptions holds them as they are.
type ValidationError struct {
	Missing    []string
	Undeclared []string

	// Descriptions holds the manifest's description of each missing key
	// that has one.
	Descriptions map[string]string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("secrets do not satisfy the manifest:")
	for _, k := range e.Missing {
		b.WriteString("\n  missing ")
		b.WriteString(k)
		if d := safetext.Escape(strings.Join(strings.Fields(e.Descriptions[k]), " ")); d != "" {
			b.WriteString(": ")
			b.WriteString(d)
		}
	}
	for _, k := range e.Undeclared {
		b.WriteString("\n  undeclared ")
		b.WriteString(k)
	}
	return b.String()
}

package secret

import (
	"fmt"
	"io/fs"
	"strings"
)

// ErrNotFound reports a named bundle, file or folder that does not exist.
// Check for it with errors.Is. An error about a missing file matches
// [fs.ErrNotExist] too.
var ErrNotFound error = notFoundError{}

// notFoundError is ErrNotFound's type: it also matches fs.ErrNotExist, so a
// caller may check for either. It is a constant-like value, never mutated.
type notFoundError struct{}

func (notFoundError) Error() string { return "not found" }

func (notFoundError) Is(target error) bool { return target == fs.ErrNotExist }

// SourceError reports a source that failed to load, or that yielded a key or
// value that breaks the rules of the package. It never contains a value.
type SourceError struct {
	Source string // the source's Name
	Key    string // the key at fault, or "" when the whole source failed
	Err    error  // what went wrong
}

func (e *SourceError) Error() string {
	msg := "failed"
	if e.Err != nil {
		// The package's own errors say "envseal:" when they stand alone;
		// here the prefix is already given once.
		msg = strings.TrimPrefix(e.Err.Error(), "envseal: ")
	}
	if e.Key == "" {
		return "envseal: source " + e.Source + ": " + msg
	}
	return "envseal: source " + e.Source + ": key " + quoteKey(e.Key) + ": " + msg
}

func (e *SourceError) Unwrap() error { return e.Err }

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
// whitespace shown as one space.
type ValidationError struct {
	Missing    []string
	Undeclared []string

	// Descriptions holds the manifest's description of each missing key
	// that has one.
	Descriptions map[string]string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("envseal: secrets do not satisfy the manifest:")
	for _, k := range e.Missing {
		b.WriteString("\n  missing ")
		b.WriteString(k)
		if d := strings.Join(strings.Fields(e.Descriptions[k]), " "); d != "" {
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

// quoteKey prints a key for an error message. A valid key is shown as it is;
// an invalid one is quoted and cut short, since it may be mistyped data.
func quoteKey(k string) string {
	if ValidKey(k) && len(k) <= 64 {
		return k
	}
	const max = 32
	if len(k) > max {
		return fmt.Sprintf("%q… (%d bytes)", k[:max], len(k))
	}
	return fmt.Sprintf("%q", k)
}

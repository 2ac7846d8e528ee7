// Package dotenv is the .env grammar of envseal's FromDotenv (documented
// there): a parser of its own, which its tests and fuzz target check entry
// by entry against github.com/joho/godotenv as an independent second reader
// (crosscheck_test.go). It knows lines but not files: every error is an
// *Error with a line, which FromDotenv turns into a *secret.ParseError
// naming the file.
package dotenv

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/envseal/secret/internal/rules"
)

// MaxSize caps the size of one .env file, and the size its values may add up
// to once ${...} is expanded.
const MaxSize = 4 << 20

// Error is a syntax error of a .env file: what is wrong and on which line,
// never the file's content.
type Error struct {
	Line int   // 1-based; 0 when the error is not tied to a line
	Err  error // what is wrong
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Err)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// How the parser works, and why godotenv is its test oracle.
//
// godotenv v1.5.1 cannot be trusted with secrets on its own: it drops "$S"
// from pa$Sword, reads "\t" as "t", loses the last quote of "\"x\"", fails on
// "ends\\", cuts an unquoted value at the last " #" instead of the first,
// turns invalid UTF-8 in unquoted values into U+FFFD, reads ${X:-d} as ":-d}",
// takes \' as an escape in single quotes, stores a line without "=" under the
// empty key, accepts keys such as 1KEY and "MY KEY", expands an undefined name
// to "" without a word, fails on a byte order mark, returns partial maps
// with its errors, and quotes the file in its error messages. It has no line
// numbers and no notion of a duplicate key.
//
// So Parse is a complete parser of its own: a single pass over the bytes
// that knows lines, duplicates and the expansion rules. It once had
// godotenv read every file again at run time, which doubled the cost of
// every load; godotenv is now the oracle of the tests and of the fuzz
// target instead (crosscheck_test.go): each entry the parser records, with
// the text the user wrote, is handed to godotenv as written where godotenv
// reads that part of the syntax correctly, and re-quoted where it does not,
// and its result must equal ours byte for byte. godotenv is not linked into
// programs that use envseal.

// entry is one KEY=VALUE of a file, recorded for the tests' cross-check.
type entry struct {
	key   string
	value string
	line  int    // where the key is
	quote byte   // '\'', '"', or 0 for an unquoted value
	raw   []byte // the value as written: with its quotes; unquoted, the rest of the line
}

type parser struct {
	src     []byte
	pos     int
	line    int
	vals    map[string]string
	lines   map[string]int // the line where each key is defined
	record  bool           // keep entries, for the tests' cross-check
	entries []entry        // with record
	budget  int            // bytes that the values of the file may still take
}

// Parse parses the content of a .env file. Every error is an *Error.
func Parse(data []byte) (map[string]string, error) {
	p, err := parse(data, false)
	if err != nil {
		return nil, err
	}
	return p.vals, nil
}

// parse parses data; with record, the parser keeps every entry.
func parse(data []byte, record bool) (*parser, error) {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		// Windows editors save "Unicode" text so; read as bytes, it fails
		// on a confusing first line.
		return nil, &Error{Err: errors.New("file is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8")}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	data, err := crlfToLF(data)
	if err != nil {
		return nil, err
	}
	// About one entry per 40 bytes: the maps are sized once for a file
	// of typical lines.
	n := len(data) / 40
	p := &parser{src: data, line: 1, vals: make(map[string]string, n), lines: make(map[string]int, n), budget: MaxSize, record: record}
	for p.pos < len(p.src) {
		if err := p.statement(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// crlfToLF replaces CRLF with LF, and rejects a CR without LF: it could be a
// line end of old Mac files or a part of a value, and a guess might change
// the value.
func crlfToLF(data []byte) ([]byte, error) {
	if bytes.IndexByte(data, '\r') < 0 {
		return data, nil
	}
	out := make([]byte, 0, len(data))
	line := 1
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n':
			line++
		case c == '\r' && i+1 < len(data) && data[i+1] == '\n':
			continue
		case c == '\r':
			return nil, &Error{Line: line, Err: errors.New(`carriage return not followed by a line feed (write \r in double quotes)`)}
		}
		out = append(out, c)
	}
	return out, nil
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &Error{Line: line, Err: fmt.Errorf(format, args...)}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func (p *parser) skipBlanks() {
	for p.pos < len(p.src) && isBlank(p.src[p.pos]) {
		p.pos++
	}
}

// lineEnd returns the index of the end of the current line: its '\n' or the
// end of the file.
func (p *parser) lineEnd() int {
	if i := bytes.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
		return p.pos + i
	}
	return len(p.src)
}

// statement parses one blank line, comment or KEY=VALUE. It leaves p.pos at
// the end of the last line it read, before its '\n'.
func (p *parser) statement() error {
	p.skipBlanks()
	if p.pos == len(p.src) {
		return nil
	}
	switch p.src[p.pos] {
	case '\n':
		p.pos++
		p.line++
		return nil
	case '#':
		p.pos = p.lineEnd()
		return nil
	}
	text := p.src[p.pos:p.lineEnd()]
	eq := bytes.IndexByte(text, '=')
	if eq < 0 {
		return p.errorf(p.line, "no '=': want KEY=VALUE")
	}
	key := bytes.TrimRight(text[:eq], " \t")
	if rest, ok := bytes.CutPrefix(key, []byte("export")); ok && len(rest) > 0 && isBlank(rest[0]) {
		key = bytes.TrimLeft(rest, " \t")
	}
	k := string(key)
	if !rules.ValidKey(k) {
		return p.errorf(p.line, "invalid key: want "+rules.KeyRule)
	}
	if prev, dup := p.lines[k]; dup {
		return p.errorf(p.line, "key %s is already defined on line %d", k, prev)
	}
	e := entry{key: k, line: p.line}
	p.pos += eq + 1
	start := p.pos
	p.skipBlanks()
	var err error
	switch {
	case p.pos < len(p.src) && p.src[p.pos] == '\'':
		err = p.singleQuoted(&e)
	case p.pos < len(p.src) && p.src[p.pos] == '"':
		err = p.doubleQuoted(&e)
	default:
		err = p.unquoted(&e, p.pos > start)
	}
	if err != nil {
		return err
	}
	p.vals[k] = e.value
	p.budget -= len(e.value)
	p.lines[k] = e.line
	if p.record {
		p.entries = append(p.entries, e)
	}
	return nil
}

// afterQuote checks that only blanks and a comment follow a closing quote.
func (p *parser) afterQuote() error {
	p.skipBlanks()
	end := p.lineEnd()
	if p.pos < end && p.src[p.pos] != '#' {
		return p.errorf(p.line, "unexpected text after the closing quote")
	}
	p.pos = end
	return nil
}

func (p *parser) singleQuoted(e *entry) error {
	open := p.pos
	n := bytes.IndexByte(p.src[open+1:], '\'')
	if n < 0 {
		return p.errorf(p.line, "unterminated single-quoted value")
	}
	v := p.src[open+1 : open+1+n]
	e.value = string(v)
	e.quote, e.raw = '\'', p.src[open:open+n+2]
	p.line += bytes.Count(v, []byte("\n"))
	p.pos = open + n + 2
	return p.afterQuote()
}

func (p *parser) doubleQuoted(e *entry) error {
	open, openLine := p.pos, p.line
	v, end, err := p.expand(p.src, open+1, true)
	if err != nil {
		return err
	}
	if end == len(p.src) {
		return p.errorf(openLine, "unterminated double-quoted value")
	}
	e.value = v
	e.quote, e.raw = '"', p.src[open:end+1]
	p.pos = end + 1
	return p.afterQuote()
}

// unquoted parses an unquoted value; blank reports whether blanks came
// between the '=' and the value, which makes a '#' right after them a
// comment.
func (p *parser) unquoted(e *entry, blank bool) error {
	end := p.lineEnd()
	s := p.src[p.pos:end]
	for i, c := range s {
		if c == '#' && (i > 0 && isBlank(s[i-1]) || i == 0 && blank) {
			s = s[:i]
			break
		}
	}
	s = bytes.TrimRight(s, " \t")
	v, _, err := p.expand(s, 0, false)
	if err != nil {
		return err
	}
	e.value = v
	e.raw = p.src[p.pos:end]
	p.pos = end
	return nil
}

// expand reads s from i, replacing ${...} and, in double quotes (dq),
// escapes. In double quotes it stops at the closing quote and returns its
// index, or len(s) when there is none; otherwise it reads all of s, which is
// one line.
func (p *parser) expand(s []byte, i int, dq bool) (string, int, error) {
	// Runs of plain bytes are copied whole; a value that is one run (most
	// are) is one allocation, with no builder.
	var b strings.Builder
	start := i
	done := func(end int) string {
		if b.Len() == 0 {
			return string(s[start:end])
		}
		b.Write(s[start:end])
		return b.String()
	}
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case dq && c == '"':
			return done(i), i, nil
		case c == '\n':
			p.line++
		case c == '\\' && dq:
			r, ok := unescape(s, i)
			if !ok {
				return "", 0, p.errorf(p.line, `unsupported backslash escape in a double-quoted value: want \n \r \t \\ \" or \$`)
			}
			b.Write(s[start:i])
			b.WriteByte(r)
			i++
			start = i + 1
		case c == '\\' && !dq && i+1 < len(s) && s[i+1] == '$':
			return "", 0, p.errorf(p.line, `backslash before $ in an unquoted value: quote the value`)
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			b.Write(s[start:i])
			v, next, err := p.reference(s, i+2, dq)
			if err != nil {
				return "", 0, err
			}
			if b.Len()+len(v) > p.budget {
				// ${A}${A} on each of a few lines doubles a value each time.
				return "", 0, p.errorf(p.line, "${...} makes the values of the file larger than the limit of %d MiB", MaxSize>>20)
			}
			b.WriteString(v)
			i = next
			start = i + 1
		}
	}
	return done(len(s)), len(s), nil
}

// unescape returns the byte that the escape at s[i] stands for.
func unescape(s []byte, i int) (byte, bool) {
	if i+1 >= len(s) {
		return 0, false
	}
	switch s[i+1] {
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case '\\', '"', '$':
		return s[i+1], true
	}
	return 0, false
}

// reference expands ${NAME} or ${NAME:-default}, whose NAME starts at s[i].
// It returns the value and the index of the closing '}'.
func (p *parser) reference(s []byte, i int, dq bool) (string, int, error) {
	start := i
	for i < len(s) && (s[i] == '_' || '0' <= s[i] && s[i] <= '9' || 'A' <= s[i] && s[i] <= 'Z' || 'a' <= s[i] && s[i] <= 'z') {
		i++
	}
	name := string(s[start:i])
	if !rules.ValidKey(name) || i == len(s) {
		return "", 0, p.badReference(s[i:], dq)
	}
	v, defined := p.vals[name]
	if s[i] == '}' {
		if !defined {
			return "", 0, p.errorf(p.line, "${%s}: %s is not defined on an earlier line of this file", name, name)
		}
		return v, i, nil
	}
	if s[i] != ':' || i+1 == len(s) || s[i+1] != '-' {
		return "", 0, p.badReference(s[i:], dq)
	}
	def, end, err := p.referenceDefault(s, i+2, dq)
	if err != nil {
		return "", 0, err
	}
	if defined && v != "" {
		return v, end, nil
	}
	return def, end, nil
}

// referenceSyntax is what a ${...} must look like, for errors.
const referenceSyntax = "want ${NAME} or ${NAME:-default} with NAME a key defined earlier in the file"

// badReference reports a malformed ${...}, rest being what follows its NAME:
// an unterminated ${ when no } follows on the line (the likelier mistake),
// else an invalid one.
func (p *parser) badReference(rest []byte, dq bool) error {
	if n := bytes.IndexByte(rest, '\n'); n >= 0 {
		rest = rest[:n]
	}
	if dq {
		if n := bytes.IndexByte(rest, '"'); n >= 0 {
			rest = rest[:n]
		}
	}
	if bytes.IndexByte(rest, '}') < 0 {
		return p.errorf(p.line, "unterminated ${: %s", referenceSyntax)
	}
	return p.errorf(p.line, "invalid ${...}: %s", referenceSyntax)
}

// referenceDefault reads the default of a ${NAME:-default}, from s[i] up to
// its }, unescaping it in double quotes. It returns the default and the
// index of the }.
func (p *parser) referenceDefault(s []byte, i int, dq bool) (string, int, error) {
	var def strings.Builder
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '}':
			return def.String(), i, nil
		case c == '\n' || dq && c == '"':
			return "", 0, p.errorf(p.line, "unterminated ${: %s", referenceSyntax)
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			return "", 0, p.errorf(p.line, "${ inside the default of a ${...} is not supported")
		case c == '\\' && dq:
			r, ok := unescape(s, i)
			if !ok {
				return "", 0, p.errorf(p.line, `unsupported backslash escape in a double-quoted value: want \n \r \t \\ \" or \$`)
			}
			def.WriteByte(r)
			i++
		case c == '\\' && !dq && i+1 < len(s) && s[i+1] == '$':
			return "", 0, p.errorf(p.line, `backslash before $ in an unquoted value: quote the value`)
		default:
			def.WriteByte(c)
		}
	}
	return "", 0, p.errorf(p.line, "unterminated ${: %s", referenceSyntax)
}

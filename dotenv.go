package secret

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/joho/godotenv"
)

// maxDotenvSize caps the size of one .env file. Values are capped far lower
// by Resolve; the cap keeps a wrong path (a log, a disk image) from being read
// whole into memory.
const maxDotenvSize = 4 << 20

// FromDotenv returns a Source of the .env files at paths, read when it loads,
// in order: a later file wins on a clash. With no paths it reads ".env" in
// the current directory, as Modal's Secret.from_dotenv does. The name of the
// source is "dotenv:" followed by the path, or by the paths joined with ","
// when there are several; [Resolve] then treats each file as a source of its
// own, so [Env.Origin] and errors name the file a key came from.
//
// A file that does not exist is an error wrapping [ErrNotFound] (and so
// [io/fs.ErrNotExist]). A file over 4 MiB, one whose values add up to over
// 4 MiB once ${...} is expanded, or one that breaks the syntax below, is a
// [*ParseError] with the path and the line; the error never quotes the file.
// Each value is exactly what the file says, or the load fails: there is no
// partial result and no guessed value.
//
// # Syntax
//
// A file is a sequence of lines. A leading UTF-8 byte order mark is skipped;
// a UTF-16 one is an error, since the file must be UTF-8 (or ASCII).
// CRLF line ends are read as LF everywhere, inside quoted values too, so a
// multi-line value has LF line breaks; a CR not followed by LF is an error.
// Blank lines and lines whose first non-blank character is # are skipped.
// Every other line is
//
//	[export] KEY = VALUE
//
// with optional spaces or tabs around KEY and "=". KEY must match
// [A-Za-z_][A-Za-z0-9_]*. A line without "=", an invalid key, and a key
// defined twice in one file are errors. VALUE is one of:
//
//   - 'single-quoted': every byte up to the next ' is taken literally:
//     no escapes, no expansion. It may span lines. A value cannot contain '.
//   - "double-quoted": it may span lines; the escapes \n \r \t \\ \" and \$
//     are replaced by newline, carriage return, tab, \, " and $. Any other
//     backslash, including one at the end of a line, is an error rather
//     than a guess. ${...} is expanded (see below).
//   - unquoted: the rest of the line, up to an inline comment, with the
//     surrounding spaces and tabs removed. An inline comment starts at the
//     first # that follows a space or tab (so KEY= #note is empty, while
//     KEY=a#b is "a#b"), even inside ${...}. Backslashes and quotes are
//     literal, but a backslash right before $ is an error, since tools
//     disagree on what it means: quote the value. ${...} is expanded.
//   - empty: KEY= gives the empty string.
//
// After a closing quote only spaces, tabs and a # comment may follow on its
// line. An unterminated quote is an error on the line where it opened.
//
// Outside single quotes, ${NAME} is replaced by the value of NAME, and
// ${NAME:-default} by the value of NAME, or by default when NAME is not
// defined or is empty. NAME must be a key defined on an earlier line of the
// same file: the process environment and other files are never read. An
// undefined NAME without a default is an error naming the line and NAME. The
// default is literal text that ends at the first }; in double quotes it may
// use the escapes above, but it cannot contain } or another ${. Any other form
// after ${, or a ${ without its }, is an error. A $ not followed by { is
// literal, so pa$Sword and bcrypt hashes such as $2a$10$... need no quoting.
// To write ${ literally, use single quotes or \${ in double quotes.
//
// Unlike godotenv, whose parser this package checks every file against, there
// is no YAML-style "KEY: value", no $NAME expansion, no dots or dashes in
// keys, and no escapes in single quotes.
func FromDotenv(paths ...string) Source {
	if len(paths) == 0 {
		paths = []string{".env"}
	}
	if len(paths) == 1 {
		return dotenvFile{path: paths[0]}
	}
	return dotenvFiles{paths: append([]string(nil), paths...)}
}

// dotenvFile is one .env file.
type dotenvFile struct{ path string }

func (s dotenvFile) Name() string { return "dotenv:" + s.path }

func (s dotenvFile) Load(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDotenvSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxDotenvSize {
		return nil, &ParseError{Path: s.path, Err: fmt.Errorf("file is larger than the limit of %d MiB", maxDotenvSize>>20)}
	}
	return parseDotenv(s.path, data)
}

// dotenvFiles is several .env files. It implements multiSource so that
// Resolve loads each file as a source of its own.
type dotenvFiles struct{ paths []string }

var _ multiSource = dotenvFiles{}

func (s dotenvFiles) Name() string { return "dotenv:" + strings.Join(s.paths, ",") }

func (s dotenvFiles) parts() []Source {
	out := make([]Source, len(s.paths))
	for i, p := range s.paths {
		out[i] = dotenvFile{path: p}
	}
	return out
}

// Load merges the files in order, a later file winning on a clash.
func (s dotenvFiles) Load(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range s.parts() {
		m, err := p.Load(ctx)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, m)
	}
	return out, nil
}

// How the parser works, and what godotenv does in it.
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
// So parseDotenv is a complete parser of its own (a single pass over the
// bytes that knows lines, duplicates and the expansion rules), and godotenv
// is an independent second reader: every entry is handed to it in a
// normalised document, and its result must equal ours, byte for byte, or the
// load fails. An entry that lies in the part of the syntax where godotenv is
// correct (no $, no #, no escapes it gets wrong, no trailing \ or " in quotes)
// is handed over exactly as the user wrote it, so godotenv really parses it;
// any other value is first quoted in a form godotenv reads back exactly
// (godotenvQuote), so godotenv checks the quoting. The few values godotenv
// cannot represent at all (a trailing \ or " together with a ' or CR and a
// $, # or blank) rest on our parser alone. godotenv never sees a BOM, a
// CRLF, an invalid key or a duplicate, and its errors are never shown: they
// quote the file. godotenv v1.5.1 expands $NAME from its own map only, never
// from the process environment; since every $ it sees is escaped, it expands
// nothing here.

// errCrossCheck reports that godotenv read an entry differently from our
// parser: a bug in one of them, never a guess.
var errCrossCheck = errors.New("internal check: godotenv reads this entry differently (please report this bug)")

// dotenvEntry is one KEY=VALUE of a file.
type dotenvEntry struct {
	key   string
	value string
	line  int    // where the key is
	raw   []byte // the value as written, when godotenv reads it correctly; else nil
}

type dotenvParser struct {
	path    string
	src     []byte
	pos     int
	line    int
	vals    map[string]string
	lines   map[string]int // the line where each key is defined
	entries []dotenvEntry
	budget  int // bytes that the values of the file may still take
}

// parseDotenv parses the content of the .env file at path (used in errors
// only). Every error is a *ParseError.
func parseDotenv(path string, data []byte) (map[string]string, error) {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		// Windows editors save "Unicode" text so; read as bytes, it fails
		// on a confusing first line.
		return nil, &ParseError{Path: path, Err: errors.New("file is UTF-16 (it starts with a UTF-16 byte order mark): save it as UTF-8")}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	data, err := crlfToLF(path, data)
	if err != nil {
		return nil, err
	}
	p := &dotenvParser{path: path, src: data, line: 1, vals: map[string]string{}, lines: map[string]int{}, budget: maxDotenvSize}
	for p.pos < len(p.src) {
		if err := p.statement(); err != nil {
			return nil, err
		}
	}
	if err := p.crossCheck(); err != nil {
		return nil, err
	}
	return p.vals, nil
}

// crlfToLF replaces CRLF with LF, and rejects a CR without LF: it could be a
// line end of old Mac files or a part of a value, and a guess might change
// the value.
func crlfToLF(path string, data []byte) ([]byte, error) {
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
			return nil, &ParseError{Path: path, Line: line, Err: errors.New(`carriage return not followed by a line feed (write \r in double quotes)`)}
		}
		out = append(out, c)
	}
	return out, nil
}

func (p *dotenvParser) errorf(line int, format string, args ...any) error {
	return &ParseError{Path: p.path, Line: line, Err: fmt.Errorf(format, args...)}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func (p *dotenvParser) skipBlanks() {
	for p.pos < len(p.src) && isBlank(p.src[p.pos]) {
		p.pos++
	}
}

// lineEnd returns the index of the end of the current line: its '\n' or the
// end of the file.
func (p *dotenvParser) lineEnd() int {
	if i := bytes.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
		return p.pos + i
	}
	return len(p.src)
}

// statement parses one blank line, comment or KEY=VALUE. It leaves p.pos at
// the end of the last line it read, before its '\n'.
func (p *dotenvParser) statement() error {
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
	if !ValidKey(k) {
		return p.errorf(p.line, "invalid key: want [A-Za-z_][A-Za-z0-9_]*")
	}
	if prev, dup := p.lines[k]; dup {
		return p.errorf(p.line, "key %s is already defined on line %d", k, prev)
	}
	e := dotenvEntry{key: k, line: p.line}
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
	p.entries = append(p.entries, e)
	return nil
}

// afterQuote checks that only blanks and a comment follow a closing quote.
func (p *dotenvParser) afterQuote() error {
	p.skipBlanks()
	end := p.lineEnd()
	if p.pos < end && p.src[p.pos] != '#' {
		return p.errorf(p.line, "unexpected text after the closing quote")
	}
	p.pos = end
	return nil
}

func (p *dotenvParser) singleQuoted(e *dotenvEntry) error {
	open := p.pos
	n := bytes.IndexByte(p.src[open+1:], '\'')
	if n < 0 {
		return p.errorf(p.line, "unterminated single-quoted value")
	}
	v := p.src[open+1 : open+1+n]
	e.value = string(v)
	if !bytes.HasSuffix(v, []byte(`\`)) {
		e.raw = p.src[open : open+n+2]
	}
	p.line += bytes.Count(v, []byte("\n"))
	p.pos = open + n + 2
	return p.afterQuote()
}

func (p *dotenvParser) doubleQuoted(e *dotenvEntry) error {
	open, openLine := p.pos, p.line
	v, end, err := p.expand(p.src, open+1, true)
	if err != nil {
		return err
	}
	if end == len(p.src) {
		return p.errorf(openLine, "unterminated double-quoted value")
	}
	e.value = v
	if inner := p.src[open+1 : end]; godotenvReadsDoubleQuoted(inner, v) {
		e.raw = p.src[open : end+1]
	}
	p.pos = end + 1
	return p.afterQuote()
}

// unquoted parses an unquoted value; blank reports whether blanks came
// between the '=' and the value, which makes a '#' right after them a
// comment.
func (p *dotenvParser) unquoted(e *dotenvEntry, blank bool) error {
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
	if godotenvReadsUnquoted(p.src[p.pos:end]) {
		e.raw = p.src[p.pos:end]
	}
	p.pos = end
	return nil
}

// expand reads s from i, replacing ${...} and, in double quotes (dq),
// escapes. In double quotes it stops at the closing quote and returns its
// index, or len(s) when there is none; otherwise it reads all of s, which is
// one line.
func (p *dotenvParser) expand(s []byte, i int, dq bool) (string, int, error) {
	var b strings.Builder
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case dq && c == '"':
			return b.String(), i, nil
		case c == '\n':
			p.line++
		case c == '\\' && dq:
			r, ok := unescape(s, i)
			if !ok {
				return "", 0, p.errorf(p.line, `unsupported backslash escape in a double-quoted value: want \n \r \t \\ \" or \$`)
			}
			b.WriteByte(r)
			i++
			continue
		case c == '\\' && !dq && i+1 < len(s) && s[i+1] == '$':
			return "", 0, p.errorf(p.line, `backslash before $ in an unquoted value: quote the value`)
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			v, next, err := p.reference(s, i+2, dq)
			if err != nil {
				return "", 0, err
			}
			if b.Len()+len(v) > p.budget {
				// ${A}${A} on each of a few lines doubles a value each time.
				return "", 0, p.errorf(p.line, "${...} makes the values of the file larger than the limit of %d MiB", maxDotenvSize>>20)
			}
			b.WriteString(v)
			i = next
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), len(s), nil
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
func (p *dotenvParser) reference(s []byte, i int, dq bool) (string, int, error) {
	start := i
	for i < len(s) && (s[i] == '_' || '0' <= s[i] && s[i] <= '9' || 'A' <= s[i] && s[i] <= 'Z' || 'a' <= s[i] && s[i] <= 'z') {
		i++
	}
	name := string(s[start:i])
	const want = "want ${NAME} or ${NAME:-default} with NAME a key defined earlier in the file"
	bad := func() error {
		// An unterminated ${ is the likelier mistake when no } follows on the line.
		rest := s[i:]
		if n := bytes.IndexByte(rest, '\n'); n >= 0 {
			rest = rest[:n]
		}
		if dq {
			if n := bytes.IndexByte(rest, '"'); n >= 0 {
				rest = rest[:n]
			}
		}
		if bytes.IndexByte(rest, '}') < 0 {
			return p.errorf(p.line, "unterminated ${: %s", want)
		}
		return p.errorf(p.line, "invalid ${...}: %s", want)
	}
	if !ValidKey(name) || i == len(s) {
		return "", 0, bad()
	}
	v, defined := p.vals[name]
	if s[i] == '}' {
		if !defined {
			return "", 0, p.errorf(p.line, "${%s}: %s is not defined on an earlier line of this file", name, name)
		}
		return v, i, nil
	}
	if s[i] != ':' || i+1 == len(s) || s[i+1] != '-' {
		return "", 0, bad()
	}
	var def strings.Builder
	for i += 2; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '}':
			if defined && v != "" {
				return v, i, nil
			}
			return def.String(), i, nil
		case c == '\n' || dq && c == '"':
			return "", 0, p.errorf(p.line, "unterminated ${: %s", want)
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
	return "", 0, p.errorf(p.line, "unterminated ${: %s", want)
}

// godotenvReadsUnquoted reports whether godotenv reads the unquoted value
// text s (the rest of the line after "=" and blanks) as we do: no $ (it
// expands $NAME and unescapes \$), no # (it cuts at the last " #"), valid
// UTF-8 without the spaces it trims and we keep, no control bytes.
func godotenvReadsUnquoted(s []byte) bool {
	if !utf8.Valid(s) || bytes.ContainsAny(s, "$#\u0085\u00a0") {
		return false
	}
	for _, c := range s {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// godotenvReadsDoubleQuoted reports whether godotenv reads the double-quoted
// text inner, whose value is v, as we do: no $, only the escapes \n \r \\ \"
// (it reads \t as t), and no trailing \ or " in v (it loses or chokes on them).
func godotenvReadsDoubleQuoted(inner []byte, v string) bool {
	if bytes.IndexByte(inner, '$') >= 0 || strings.HasSuffix(v, `\`) || strings.HasSuffix(v, `"`) {
		return false
	}
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\\' {
			if i+1 == len(inner) || !strings.ContainsRune(`nr\"`, rune(inner[i+1])) {
				return false
			}
			i++
		}
	}
	return true
}

// godotenvQuote quotes v so that godotenv v1.5.1 reads it back exactly, and
// reports whether that is possible. Single quotes hold anything but ' and CR
// (godotenv turns CRLF into LF even there), unless v ends with \. Plain
// text that godotenvReadsUnquoted, without surrounding blanks or a leading
// quote, holds a trailing \. Double quotes hold anything once \ " $ CR LF are
// escaped, unless v ends with \ or ".
func godotenvQuote(v string) (string, bool) {
	if !strings.ContainsAny(v, "'\r") && !strings.HasSuffix(v, `\`) {
		return "'" + v + "'", true
	}
	if v != "" && !isBlank(v[0]) && !isBlank(v[len(v)-1]) && v[0] != '\'' && v[0] != '"' && godotenvReadsUnquoted([]byte(v)) {
		return v, true
	}
	if strings.HasSuffix(v, `\`) || strings.HasSuffix(v, `"`) {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\', '"', '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String(), true
}

// crossCheck has godotenv read every entry (see the comment above
// errCrossCheck) and fails on the first one it reads differently.
func (p *dotenvParser) crossCheck() error {
	var doc bytes.Buffer
	var checked []dotenvEntry
	for _, e := range p.entries {
		text := e.raw
		if text == nil {
			q, ok := godotenvQuote(e.value)
			if !ok {
				continue
			}
			text = []byte(q)
		}
		doc.WriteString(e.key)
		doc.WriteByte('=')
		doc.Write(text)
		doc.WriteByte('\n')
		checked = append(checked, e)
	}
	if len(checked) == 0 {
		return nil
	}
	// godotenv's error quotes the document: it is dropped, and the first
	// entry it did not return is reported instead.
	got, _ := godotenv.UnmarshalBytes(doc.Bytes())
	for _, e := range checked {
		if v, ok := got[e.key]; !ok || v != e.value {
			return &ParseError{Path: p.path, Line: e.line, Err: errCrossCheck}
		}
	}
	if len(got) != len(checked) {
		return &ParseError{Path: p.path, Err: errCrossCheck}
	}
	return nil
}

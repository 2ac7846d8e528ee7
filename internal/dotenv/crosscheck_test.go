package dotenv

// godotenv as the oracle of the parser: every test and the fuzz target parse
// through parseChecked, which has godotenv read every entry again.

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/joho/godotenv"
)

// ErrCrossCheck reports that godotenv read an entry differently from our
// parser: a bug in one of them.
var ErrCrossCheck = errors.New("godotenv reads this entry differently")

// parseChecked is Parse, then crossCheck.
func parseChecked(data []byte) (map[string]string, error) {
	p, err := parse(data, true)
	if err != nil {
		return nil, err
	}
	if err := p.crossCheck(); err != nil {
		return nil, err
	}
	return p.vals, nil
}

// godotenvReadsRaw returns the text of e as the user wrote it when godotenv
// reads it as we do, else nil.
func godotenvReadsRaw(e entry) []byte {
	switch e.quote {
	case '\'':
		if strings.HasSuffix(e.value, `\`) {
			return nil
		}
	case '"':
		if !godotenvReadsDoubleQuoted(e.raw[1:len(e.raw)-1], e.value) {
			return nil
		}
	default:
		if !godotenvReadsUnquoted(e.raw) {
			return nil
		}
	}
	return e.raw
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
// ErrCrossCheck) and fails on the first one it reads differently.
func (p *parser) crossCheck() error {
	var doc bytes.Buffer
	var checked []entry
	for _, e := range p.entries {
		text := godotenvReadsRaw(e)
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
			return &Error{Line: e.line, Err: ErrCrossCheck}
		}
	}
	if len(got) != len(checked) {
		return &Error{Err: ErrCrossCheck}
	}
	return nil
}

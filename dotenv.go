package secret

import (
	"context"
	"errors"
	"maps"
	"strings"

	"github.com/envseal/secret/internal/dotenv"
)

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
// Unlike godotenv, which this package's tests use as an oracle, there is no
// YAML-style "KEY: value", no $NAME expansion, no dots or dashes in
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
	data, err := readRegular(s.path, dotenv.MaxSize)
	if err != nil {
		return nil, err
	}
	m, err := dotenv.Parse(data)
	if err != nil {
		var e *dotenv.Error
		if errors.As(err, &e) {
			return nil, &ParseError{Path: s.path, Line: e.Line, Err: e.Err}
		}
		return nil, err
	}
	return m, nil
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

// Package yamldoc reads one YAML document into yaml.v3 nodes, for the
// parsers that walk the nodes themselves to check every field and keep its
// line: inf.yml manifests (package secret) and envseal.yml project files
// (the envseal command). Its errors carry the line at fault and never quote
// the document, in case a secret was pasted into it.
package yamldoc

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Error is a document that is not valid YAML, or holds more than one
// document. Its text never quotes the document.
type Error struct {
	Line int   // 1-based; 0 when yaml.v3 gives no line
	Err  error // what is wrong
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return "line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Decode decodes the single YAML document in data into its root node, nil
// when there is no document (empty input, or comments only). A second
// document (after ---) is an *Error whose text ends with holds, such as "an
// inf.yml holds one". Every error is an *Error.
func Decode(data []byte, holds string) (root *yaml.Node, err error) {
	defer func() {
		// yaml.v3 reports its own errors by panicking and recovering; any
		// other panic is a bug in it, which must not take the caller down.
		if r := recover(); r != nil {
			root, err = nil, &Error{Err: errors.New("invalid YAML")}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, yamlError(err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		return nil, yamlError(err)
	default:
		return nil, &Error{Line: next.Line, Err: errors.New("a second YAML document (after ---); " + holds)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// yamlErrorRE splits a yaml.v3 syntax error: "yaml: line 3: what".
var yamlErrorRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlError turns a yaml.v3 error into an *Error with the line at fault
// and a message that does not quote the document. yaml.v3's own text is kept
// only when it is one of its fixed messages; others, such as "unknown anchor
// 'x' referenced", quote the input and are replaced by "invalid YAML".
//
// yaml.v3 counts lines from 0 for parser errors and from 1 for scanner
// errors, and leaves out "line N: " for line 0; this undoes that.
func yamlError(err error) *Error {
	sm := yamlErrorRE.FindStringSubmatch(err.Error())
	if sm == nil {
		return &Error{Err: errors.New("invalid YAML")}
	}
	line, _ := strconv.Atoi(sm[1]) // 0 when yaml.v3 gave no line
	msg := sm[2]
	switch stageOf(msg) {
	case yamlParser:
		line++
	case yamlScanner:
		line = max(line, 1)
	case yamlReader:
		line = 0 // yaml.v3 gives no line; its offset is not kept
	default:
		return &Error{Line: line, Err: errors.New("invalid YAML")}
	}
	return &Error{Line: line, Err: errors.New("invalid YAML: " + msg)}
}

// yamlStage is the stage of yaml.v3 that reports a message.
type yamlStage int

const (
	yamlOther   yamlStage = iota // a message that may quote the input
	yamlParser                   // counts lines from 0
	yamlScanner                  // counts lines from 1
	yamlReader                   // gives no line
)

// stageOf returns the stage that reports msg when msg is one of the fixed
// messages of yaml.v3 (v3.0.1) that quote nothing of the input, and
// yamlOther for any other message.
func stageOf(msg string) yamlStage {
	switch msg {
	case "did not find expected <stream-start>",
		"did not find expected <document start>",
		"found undefined tag handle",
		"did not find expected node content",
		"did not find expected '-' indicator",
		"did not find expected key",
		"did not find expected ',' or ']'",
		"did not find expected ',' or '}'",
		"found duplicate %YAML directive",
		"found incompatible YAML document",
		"found duplicate %TAG directive":
		return yamlParser
	case "block sequence entries are not allowed in this context",
		"could not find expected ':'",
		"could not find expected directive name",
		"did not find URI escaped octet",
		"did not find expected '!'",
		"did not find expected alphabetic or numeric character",
		"did not find expected comment or line break",
		"did not find expected digit or '.' character",
		"did not find expected hexdecimal number",
		"did not find expected tag URI",
		"did not find expected version number",
		"did not find expected whitespace or line break",
		"did not find expected whitespace",
		"did not find the expected '>'",
		"exceeded max depth of 10000",
		"found a tab character that violates indentation",
		"found a tab character where an indentation space is expected",
		"found an incorrect leading UTF-8 octet",
		"found an incorrect trailing UTF-8 octet",
		"found an indentation indicator equal to 0",
		"found character that cannot start any token",
		"found extremely long version number",
		"found invalid Unicode character escape code",
		"found unexpected document indicator",
		"found unexpected end of stream",
		"found unexpected non-alphabetical character",
		"found unknown directive name",
		"found unknown escape character",
		"mapping keys are not allowed in this context",
		"mapping values are not allowed in this context":
		return yamlScanner
	case "control characters are not allowed",
		"incomplete UTF-16 character",
		"incomplete UTF-16 surrogate pair",
		"incomplete UTF-8 octet sequence",
		"invalid Unicode character",
		"invalid leading UTF-8 octet",
		"invalid length of a UTF-8 sequence",
		"invalid trailing UTF-8 octet",
		"expected low surrogate area",
		"unexpected low surrogate area":
		return yamlReader
	}
	return yamlOther
}

// IsNull reports whether n is a null scalar: ~, null or nothing.
func IsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// KindName names the kind of a node for an error, without its content.
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!str":
			return "a string"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!timestamp":
			return "a timestamp"
		}
		return "a tagged scalar"
	}
	return "an unknown node"
}

package secret

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// The sources of this package print as their Name, whatever prints them:
// String, every fmt verb with every flag, log/slog and encoding/json. The
// values they hold are out of reach of reflection too (see hidden), so a
// source held where fmt cannot call these methods prints no value either.
var (
	_ printedSource = mapSource{}
	_ printedSource = dotenvFile{}
	_ printedSource = dotenvFiles{}
	_ printedSource = dirSource{}
	_ printedSource = nameSource{}
	_ printedSource = environSource{}
)

// printedSource is what every source of this package implements.
type printedSource interface {
	Source
	fmt.Stringer
	fmt.GoStringer
	fmt.Formatter
	slog.LogValuer
	json.Marshaler
}

// sourceGoString is the GoString of s: "secret.Source(" followed by its
// quoted Name and ")".
func sourceGoString(s Source) string { return "secret.Source(" + strconv.Quote(s.Name()) + ")" }

// formatSource prints s for fmt: its GoString for %#v, its Name otherwise.
func formatSource(s Source, f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, sourceGoString(s))
		return
	}
	io.WriteString(f, s.Name())
}

// sourceJSON is the JSON of s: its Name, as a string.
func sourceJSON(s Source) ([]byte, error) { return json.Marshal(s.Name()) }

func (s mapSource) String() string                    { return s.Name() }
func (s mapSource) GoString() string                  { return sourceGoString(s) }
func (s mapSource) Format(f fmt.State, verb rune)     { formatSource(s, f, verb) }
func (s mapSource) LogValue() slog.Value              { return slog.StringValue(s.Name()) }
func (s mapSource) MarshalJSON() ([]byte, error)      { return sourceJSON(s) }
func (s dotenvFile) String() string                   { return s.Name() }
func (s dotenvFile) GoString() string                 { return sourceGoString(s) }
func (s dotenvFile) Format(f fmt.State, verb rune)    { formatSource(s, f, verb) }
func (s dotenvFile) LogValue() slog.Value             { return slog.StringValue(s.Name()) }
func (s dotenvFile) MarshalJSON() ([]byte, error)     { return sourceJSON(s) }
func (s dotenvFiles) String() string                  { return s.Name() }
func (s dotenvFiles) GoString() string                { return sourceGoString(s) }
func (s dotenvFiles) Format(f fmt.State, verb rune)   { formatSource(s, f, verb) }
func (s dotenvFiles) LogValue() slog.Value            { return slog.StringValue(s.Name()) }
func (s dotenvFiles) MarshalJSON() ([]byte, error)    { return sourceJSON(s) }
func (s dirSource) String() string                    { return s.Name() }
func (s dirSource) GoString() string                  { return sourceGoString(s) }
func (s dirSource) Format(f fmt.State, verb rune)     { formatSource(s, f, verb) }
func (s dirSource) LogValue() slog.Value              { return slog.StringValue(s.Name()) }
func (s dirSource) MarshalJSON() ([]byte, error)      { return sourceJSON(s) }
func (s nameSource) String() string                   { return s.Name() }
func (s nameSource) GoString() string                 { return sourceGoString(s) }
func (s nameSource) Format(f fmt.State, verb rune)    { formatSource(s, f, verb) }
func (s nameSource) LogValue() slog.Value             { return slog.StringValue(s.Name()) }
func (s nameSource) MarshalJSON() ([]byte, error)     { return sourceJSON(s) }
func (s environSource) String() string                { return s.Name() }
func (s environSource) GoString() string              { return sourceGoString(s) }
func (s environSource) Format(f fmt.State, verb rune) { formatSource(s, f, verb) }
func (s environSource) LogValue() slog.Value          { return slog.StringValue(s.Name()) }
func (s environSource) MarshalJSON() ([]byte, error)  { return sourceJSON(s) }

package secret

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/envseal/secret/internal/rules"
	"github.com/envseal/secret/internal/yamldoc"

	"gopkg.in/yaml.v3"
)

// Declaration declares one secret a workload uses, as an entry of the
// `secrets:` list of an inference.sh inf.yml file.
type Declaration struct {
	Key         string // the environment variable
	Description string // what it is for; shown when it is missing
	Optional    bool   // false: the workload must not run without it
}

// Manifest declares the secrets a workload uses. A [Resolver] with a Manifest
// refuses to resolve when a required secret is missing.
type Manifest struct {
	Secrets []Declaration
}

// maxManifestSize caps the size of a manifest: an inf.yml is a few hundred
// bytes, so anything near this is not one.
const maxManifestSize = 1 << 20 // 1 MiB

// ParseManifest parses an inference.sh inf.yml document: its top-level
// `secrets:` list of `{key, description, optional}` entries.
//
//	secrets:
//	  - key: OPENAI_API_KEY
//	    description: OpenAI API key for GPT models
//	    optional: false
//	  - key: WEBHOOK_SECRET
//	    description: Optional webhook signing secret
//	    optional: true
//
// The rules, strict where a mistake would change what is required:
//
//   - The document must be a mapping. Every top-level key other than
//     `secrets` (name, description, category, kernel, resources, images,
//     env, credentials, ...) is ignored, whatever its shape. `secrets` may
//     appear once. A top-level merge key (<<) is an error, since the list
//     it might bring in would not be read.
//   - `secrets` is a list of mappings. Null or an empty list, like an empty
//     document or one of comments only, gives a Manifest with no secrets.
//   - An entry has the fields key, description and optional, each at most
//     once. Any other field, such as the typo `optinal`, is an error: a
//     misspelt `optional: true` must not silently make a secret required,
//     nor the reverse.
//   - key is a string matching [A-Za-z_][A-Za-z0-9_]*, declared once in the
//     whole list. `key: 123` (a number) is an error; quote it if you mean a
//     string, and it is then still an invalid key.
//   - optional is a YAML boolean: true or false (also True, TRUE, False,
//     FALSE). Absent, it is false: the secret is required. A string is an
//     error, quoted ("true") or not: YAML 1.1's yes, no, on and off are
//     refused rather than guessed, since readers disagree on them (yaml.v3 and
//     YAML 1.2 read `yes` as a string, PyYAML as true).
//   - description is any scalar, taken as written; null or absent is "".
//   - Aliases (*name) are refused inside `secrets`; anchors are allowed.
//   - The input holds one YAML document; a second one (after `---`) is an
//     error, since its secrets would otherwise be silently dropped.
//   - The input is at most 1 MiB.
//
// Every error is a [*ParseError] with the line at fault (Path is ""). No error
// quotes the document: not a description, a field name, an invalid key nor
// the text near a YAML syntax error, in case a secret was pasted into the
// file by mistake. Errors name valid keys, field names of the format and
// line numbers only. The Manifest returned is valid for a [Resolver].
func ParseManifest(data []byte) (*Manifest, error) {
	m, perr := parseManifest(data)
	if perr != nil {
		return nil, perr
	}
	return m, nil
}

// LoadManifest reads and parses the inf.yml file at path, with the rules of
// [ParseManifest]. A file that does not exist is an error wrapping
// [ErrNotFound] (and [io/fs.ErrNotExist]) that names path. A parse error is a
// [*ParseError] whose Path is path. A file over 1 MiB is refused without
// being read further.
func LoadManifest(path string) (*Manifest, error) {
	data, err := readRegular(path, maxManifestSize)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, err
		}
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	m, perr := parseManifest(data)
	if perr != nil {
		perr.Path = path
		return nil, perr
	}
	return m, nil
}

// parseManifest returns a *ParseError, not an error, so that LoadManifest
// can set its Path.
func parseManifest(data []byte) (m *Manifest, perr *ParseError) {
	if len(data) > maxManifestSize {
		return nil, &ParseError{Err: fmt.Errorf("manifest is over the limit of %d bytes", maxManifestSize)}
	}
	root, perr := decodeYAML(data)
	if perr != nil {
		return nil, perr
	}
	m = &Manifest{}
	if root == nil || isNull(root) {
		return m, nil // an empty document, or one of comments only
	}
	if root.Kind != yaml.MappingNode {
		return nil, lineError(root, "the document must be a mapping (name:, secrets:, ...), not %s", kindName(root))
	}
	var list *yaml.Node
	var listKeyLine int
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			// yaml.v3 leaves merging to the decoder: a secrets list merged
			// in here would be silently dropped.
			return nil, lineError(k, "a merge key (<<) at the top level is not supported: write secrets: directly")
		}
		if k.Kind != yaml.ScalarNode || k.Value != "secrets" {
			continue // another top-level key: not ours
		}
		if list != nil {
			return nil, lineError(k, "secrets appears twice at the top level (first on line %d)", listKeyLine)
		}
		list, listKeyLine = v, k.Line
	}
	if list == nil || isNull(list) {
		return m, nil
	}
	switch list.Kind {
	case yaml.AliasNode:
		return nil, lineError(list, "secrets: aliases are not supported here")
	case yaml.SequenceNode:
	default:
		return nil, lineError(list, "secrets must be a list of {key, description, optional} entries, not %s", kindName(list))
	}
	seen := make(map[string]int, len(list.Content)) // key -> line
	for i, entry := range list.Content {
		d, perr := parseDeclaration(i+1, entry)
		if perr != nil {
			return nil, perr
		}
		if line, ok := seen[d.Key]; ok {
			return nil, &ParseError{Line: valueLine(entry, "key"), Err: fmt.Errorf("secret %d: key %s is already declared on line %d", i+1, d.Key, line)}
		}
		seen[d.Key] = valueLine(entry, "key")
		m.Secrets = append(m.Secrets, d)
	}
	return m, nil
}

// parseDeclaration parses the n-th entry of the secrets list.
func parseDeclaration(n int, entry *yaml.Node) (Declaration, *ParseError) {
	var d Declaration
	switch entry.Kind {
	case yaml.AliasNode:
		return d, lineError(entry, "secret %d: aliases are not supported here", n)
	case yaml.MappingNode:
	default:
		return d, lineError(entry, "secret %d must be a mapping of key, description and optional, not %s", n, kindName(entry))
	}
	var hasKey bool
	fieldLine := map[string]int{}
	for i := 0; i+1 < len(entry.Content); i += 2 {
		f, v := entry.Content[i], entry.Content[i+1]
		name := ""
		if f.Kind == yaml.ScalarNode {
			name = f.Value
		}
		switch name {
		case "key", "description", "optional":
		default:
			// The field name is not quoted: it is the document's text.
			msg := fmt.Sprintf("secret %d: unknown field (want key, description or optional)", n)
			if s := suggestField(name); s != "" {
				msg = fmt.Sprintf("secret %d: unknown field; did you mean %s?", n, s)
			}
			return d, &ParseError{Line: f.Line, Err: errors.New(msg)}
		}
		if line, ok := fieldLine[name]; ok {
			return d, lineError(f, "secret %d: field %s appears twice (first on line %d)", n, name, line)
		}
		fieldLine[name] = f.Line
		if v.Kind == yaml.AliasNode {
			return d, lineError(v, "secret %d: %s: aliases are not supported here", n, name)
		}
		if name == "key" {
			hasKey = true
		}
		if perr := setField(&d, n, name, v); perr != nil {
			return d, perr
		}
	}
	if !hasKey {
		return d, lineError(entry, "secret %d: missing key", n)
	}
	return d, nil
}

// setField sets the field name of d, declaration n, from the node v.
func setField(d *Declaration, n int, name string, v *yaml.Node) *ParseError {
	switch name {
	case "key":
		switch {
		case isNull(v) || v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" && v.Value == "":
			return lineError(v, "secret %d: empty key", n)
		case v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str":
			return lineError(v, "secret %d: key must be a string, not %s", n, kindName(v))
		case len(v.Value) > rules.MaxKeyLen:
			return lineError(v, "secret %d: key is %d bytes, over the limit of %d", n, len(v.Value), rules.MaxKeyLen)
		case !rules.ValidKey(v.Value):
			// Not quoted: an invalid key may be a pasted value.
			return lineError(v, "secret %d: invalid key: want %s", n, rules.KeyRule)
		}
		d.Key = v.Value
	case "description":
		switch {
		case isNull(v):
		case v.Kind == yaml.ScalarNode:
			d.Description = v.Value
		default:
			return lineError(v, "secret %d: description must be a string, not %s", n, kindName(v))
		}
	case "optional":
		b, err := parseOptional(v)
		if err != nil {
			return &ParseError{Line: v.Line, Err: fmt.Errorf("secret %d: %w", n, err)}
		}
		d.Optional = b
	}
	return nil
}

// parseOptional reads the value of an optional field: a YAML boolean only.
func parseOptional(v *yaml.Node) (bool, error) {
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		switch v.Value {
		case "true", "True", "TRUE":
			return true, nil
		case "false", "False", "FALSE":
			return false, nil
		}
	}
	if v.Kind == yaml.ScalarNode && v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
		switch v.Value {
		case "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N":
			return false, errors.New("optional must be true or false; YAML 1.1 yes/no/on/off are not accepted")
		}
	}
	return false, fmt.Errorf("optional must be true or false, not %s", kindName(v))
}

// valueLine returns the line of field's value in the mapping entry, or the
// entry's line.
func valueLine(entry *yaml.Node, field string) int {
	for i := 0; i+1 < len(entry.Content); i += 2 {
		if entry.Content[i].Value == field {
			return entry.Content[i+1].Line
		}
	}
	return entry.Line
}

// suggestField returns the field of the format that name is a likely typo
// of, or "". It names only the format's own words, never the document's.
func suggestField(name string) string {
	if len(name) > 32 {
		return ""
	}
	for _, f := range []string{"key", "description", "optional"} {
		if rules.EditDistance(strings.ToLower(name), f) <= 2 {
			return f
		}
	}
	return ""
}

// decodeYAML decodes the single document in data into its root node, nil
// when there is no document.
func decodeYAML(data []byte) (*yaml.Node, *ParseError) {
	root, err := yamldoc.Decode(data, "an inf.yml holds one")
	if err != nil {
		var ye *yamldoc.Error
		if errors.As(err, &ye) {
			return nil, &ParseError{Line: ye.Line, Err: ye.Err}
		}
		return nil, &ParseError{Err: err}
	}
	return root, nil
}

func isNull(n *yaml.Node) bool     { return yamldoc.IsNull(n) }
func kindName(n *yaml.Node) string { return yamldoc.KindName(n) }

// lineError returns a *ParseError at n's line.
func lineError(n *yaml.Node, format string, args ...any) *ParseError {
	return &ParseError{Line: n.Line, Err: fmt.Errorf(format, args...)}
}

// validate reports a manifest that cannot be checked against: an empty,
// invalid or repeated key.
func (m *Manifest) validate() error {
	seen := make(map[string]int, len(m.Secrets))
	for i, d := range m.Secrets {
		switch {
		case d.Key == "":
			return fmt.Errorf("secret %d: empty key", i+1)
		case !ValidKey(d.Key):
			return fmt.Errorf("secret %d: invalid key %s: want %s", i+1, rules.QuoteKey(d.Key), rules.KeyRule)
		}
		if j, ok := seen[d.Key]; ok {
			return fmt.Errorf("secret %d: key %s is already declared by secret %d", i+1, d.Key, j+1)
		}
		seen[d.Key] = i
	}
	return nil
}

// Check validates env, resolved secrets, against m, as a [Resolver] with this
// Manifest does: every declared key that is not Optional must be present
// with a non-empty value, and with strict, every key of env must be
// declared. It returns nil, or a [*ValidationError] listing every missing
// (and, with strict, undeclared) key; or an error if m itself is invalid (a
// duplicate or invalid key), as Resolve would.
func (m *Manifest) Check(env map[string]string, strict bool) error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("invalid manifest: %w", err)
	}
	return m.check(env, strict)
}

// check is Check on a Manifest already validated.
func (m *Manifest) check(vars map[string]string, strict bool) error {
	return checkManifest(m, vars, func(v string) string { return v }, strict)
}

// checkManifest is Manifest.check over a map of any value type, whose
// value gives the value of a key. The keys are sorted only when some fail.
func checkManifest[V any](m *Manifest, vars map[string]V, value func(V) string, strict bool) error {
	var verr ValidationError
	present := 0 // declared keys that vars has
	for _, d := range m.Secrets {
		v, ok := vars[d.Key]
		if ok {
			present++
		}
		if d.Optional || ok && value(v) != "" {
			continue
		}
		verr.Missing = append(verr.Missing, d.Key)
		if d.Description != "" {
			if verr.Descriptions == nil {
				verr.Descriptions = map[string]string{}
			}
			verr.Descriptions[d.Key] = d.Description
		}
	}
	if strict && present < len(vars) {
		// Some key is not declared: find which (m is valid, so its keys
		// are distinct).
		declared := make(map[string]bool, len(m.Secrets))
		for _, d := range m.Secrets {
			declared[d.Key] = true
		}
		for k := range vars {
			if !declared[k] {
				verr.Undeclared = append(verr.Undeclared, k)
			}
		}
		slices.Sort(verr.Undeclared)
	}
	if len(verr.Missing) == 0 && len(verr.Undeclared) == 0 {
		return nil
	}
	slices.Sort(verr.Missing)
	return &verr
}

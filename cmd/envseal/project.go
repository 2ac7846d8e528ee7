package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/envseal/secret"
	"github.com/envseal/secret/internal/regular"
	"github.com/envseal/secret/internal/rules"
	"github.com/envseal/secret/internal/yamldoc"
)

// projectFileName is the project file: init writes it in the current
// folder, and run and check read it from there.
const projectFileName = "envseal.yml"

// defaultManifest is the manifest a project uses when its file names none
// and this file exists beside it.
const defaultManifest = "inf.yml"

// maxProjectSize caps the size of envseal.yml: it lists names and paths, a
// few hundred bytes.
const maxProjectSize = 1 << 20 // 1 MiB

// sourceKind is the kind of a source that envseal.yml lists. The kinds are
// in the order they apply.
type sourceKind int

const (
	kindSecret sourceKind = iota // a bundle of the store, as --secret
	kindDir                      // a secret folder, as --dir
	kindDotenv                   // a .env file, as --dotenv
	kindPass                     // a variable of envseal's environment, as --pass
)

// sourceField describes the list field of one kind: its name, and the field
// that holds the entry in an entry's mapping form.
type sourceField struct {
	name  string // secrets, dirs, dotenv, pass
	kind  sourceKind
	entry string // name or path
}

// sourceFields are the list fields, in the order their sources apply.
var sourceFields = []sourceField{
	{"secrets", kindSecret, "name"},
	{"dirs", kindDir, "path"},
	{"dotenv", kindDotenv, "path"},
	{"pass", kindPass, "name"},
}

// projectSource is one entry of a list of envseal.yml.
type projectSource struct {
	kind     sourceKind
	value    string // a bundle name, a path as written, or KEY[=LOCAL_NAME]
	optional bool   // it may be absent
	line     int
}

// sourceSet is what the project as a whole, or one function, declares: its
// manifest and its sources.
type sourceSet struct {
	manifest     string // as written; "" when not given
	manifestLine int
	sources      []projectSource // in file order; kinds are sorted when they apply
}

// projectFunction is one entry of functions: in envseal.yml.
type projectFunction struct {
	name string
	line int
	sourceSet
}

// project is a parsed envseal.yml.
type project struct {
	path      string // the file, as errors name it
	dir       string // relative paths in the file are relative to it; "" is the current folder
	sourceSet        // the project's, for every function
	functions []*projectFunction
}

// function returns the function name, or nil.
func (p *project) function(name string) *projectFunction {
	for _, f := range p.functions {
		if f.name == name {
			return f
		}
	}
	return nil
}

// functionNames returns the names of the functions, in file order.
func (p *project) functionNames() []string {
	names := make([]string, len(p.functions))
	for i, f := range p.functions {
		names[i] = f.name
	}
	return names
}

// loadProject reads envseal.yml in dir ("" is the current folder). It
// returns nil, and no error, when there is no such file.
func loadProject(dir string) (*project, error) {
	path := filepath.Join(dir, projectFileName)
	data, _, err := regular.ReadFile(path, maxProjectSize)
	var tl *regular.TooLargeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.Is(err, regular.ErrNotRegular):
		return nil, fmt.Errorf("%s is not a regular file", path)
	case errors.As(err, &tl):
		return nil, fmt.Errorf("%s is over the limit of %d bytes", path, maxProjectSize)
	case err != nil:
		return nil, err
	}
	p, err := parseProject(path, data)
	if err != nil {
		return nil, err
	}
	p.dir = dir
	return p, nil
}

// parseProject parses data, the envseal.yml at path. Every error is a
// *secret.ParseError with path and the line at fault. No error quotes the
// file: it names the fields of the format, line numbers, and bundle names,
// paths and variable names that are valid; anything else may be a secret
// pasted in the wrong place.
//
// The format, every field optional:
//
//	manifest: inf.yml            # a path; default inf.yml when it exists
//	secrets: [NAME, ...]         # bundles of the store
//	dirs: [DIR, ...]             # secret folders
//	dotenv: [FILE, ...]          # .env files
//	pass: [KEY, KEY=LOCAL, ...]  # variables of envseal's environment
//	functions:
//	  NAME:                      # manifest, secrets, dirs, dotenv, pass again
//
// An entry of a list is a string, or a mapping of the string (name: for
// secrets and pass, path: for dirs and dotenv) and optional: true or false.
// An unknown field, a field given twice, a value of the wrong type, an
// alias (*x) and a second YAML document are errors.
func parseProject(path string, data []byte) (*project, error) {
	pp := projectParser{path: path}
	root, err := yamldoc.Decode(data, "an envseal.yml holds one")
	if err != nil {
		var ye *yamldoc.Error
		if errors.As(err, &ye) {
			return nil, &secret.ParseError{Path: path, Line: ye.Line, Err: ye.Err}
		}
		return nil, &secret.ParseError{Path: path, Err: err}
	}
	p := &project{path: path}
	if root == nil || yamldoc.IsNull(root) {
		return p, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, pp.errorf(root, "the file must be a mapping (secrets:, dotenv:, functions: ...), not %s", yamldoc.KindName(root))
	}
	var functions *yaml.Node
	fields := []string{"manifest", "secrets", "dirs", "dotenv", "pass", "functions"}
	err = pp.mapping(root, "at the top level", fields, func(name string, v *yaml.Node) error {
		if name == "functions" {
			functions = v
			return nil
		}
		return pp.setField(&p.sourceSet, "", name, v)
	})
	if err != nil {
		return nil, err
	}
	if functions != nil {
		if p.functions, err = pp.functions(functions); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// projectParser walks the nodes of one envseal.yml.
type projectParser struct{ path string }

// errorf is a *secret.ParseError at n's line.
func (pp projectParser) errorf(n *yaml.Node, format string, args ...any) error {
	return &secret.ParseError{Path: pp.path, Line: n.Line, Err: fmt.Errorf(format, args...)}
}

// mapping calls set for each field of the mapping m, in order, after
// checking that its name is one of fields and is not repeated, and that its
// value is not an alias. where says where m is, for errors ("at the top
// level", "in function api").
func (pp projectParser) mapping(m *yaml.Node, where string, fields []string, set func(name string, v *yaml.Node) error) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		name := ""
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!str" {
			name = k.Value
		}
		if !slices.Contains(fields, name) {
			// The field's name is not quoted: it is the file's text.
			if s := suggestField(name, fields); s != "" {
				return pp.errorf(k, "unknown field %s; did you mean %s?", where, s)
			}
			return pp.errorf(k, "unknown field %s (want %s)", where, orList(fields))
		}
		if line, ok := seen[name]; ok {
			return pp.errorf(k, "%s appears twice %s (first on line %d)", name, where, line)
		}
		seen[name] = k.Line
		if v.Kind == yaml.AliasNode {
			return pp.errorf(v, "%s: aliases (*name) are not supported in %s", name, projectFileName)
		}
		if err := set(name, v); err != nil {
			return err
		}
	}
	return nil
}

// setField sets the field name of set, the project's or function fn's,
// from v.
func (pp projectParser) setField(set *sourceSet, fn, name string, v *yaml.Node) error {
	what := name
	if fn != "" {
		what = "functions." + fn + "." + name
	}
	if name == "manifest" {
		switch {
		case yamldoc.IsNull(v):
		case v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str":
			return pp.errorf(v, "%s must be a path, not %s", what, yamldoc.KindName(v))
		case v.Value == "" || strings.ContainsRune(v.Value, 0):
			return pp.errorf(v, "%s: empty or invalid path", what)
		default:
			set.manifest, set.manifestLine = v.Value, v.Line
		}
		return nil
	}
	i := slices.IndexFunc(sourceFields, func(f sourceField) bool { return f.name == name })
	srcs, err := pp.list(v, what, sourceFields[i])
	if err != nil {
		return err
	}
	set.sources = append(set.sources, srcs...)
	return nil
}

// list parses the list v of the field f, called what in errors.
func (pp projectParser) list(v *yaml.Node, what string, f sourceField) ([]projectSource, error) {
	if yamldoc.IsNull(v) {
		return nil, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, pp.errorf(v, "%s must be a list, not %s", what, yamldoc.KindName(v))
	}
	out := make([]projectSource, 0, len(v.Content))
	for i, e := range v.Content {
		src := projectSource{kind: f.kind, line: e.Line}
		entry := fmt.Sprintf("%s entry %d", what, i+1)
		switch {
		case e.Kind == yaml.ScalarNode && e.ShortTag() == "!!str":
			src.value = e.Value
		case e.Kind == yaml.MappingNode:
			var has bool
			err := pp.mapping(e, "in "+entry, []string{f.entry, "optional"}, func(name string, v *yaml.Node) error {
				if name == "optional" {
					b, err := parseBool(v)
					if err != nil {
						return pp.errorf(v, "%s: optional %v", entry, err)
					}
					src.optional = b
					return nil
				}
				if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
					return pp.errorf(v, "%s: %s must be a string, not %s", entry, f.entry, yamldoc.KindName(v))
				}
				src.value, has = v.Value, true
				return nil
			})
			if err != nil {
				return nil, err
			}
			if !has {
				return nil, pp.errorf(e, "%s: missing %s", entry, f.entry)
			}
		case e.Kind == yaml.AliasNode:
			return nil, pp.errorf(e, "%s: aliases (*name) are not supported in %s", entry, projectFileName)
		default:
			return nil, pp.errorf(e, "%s must be a string or a mapping of %s and optional, not %s%s", entry, f.entry, yamldoc.KindName(e), quoteHint(e))
		}
		if err := checkEntry(src); err != nil {
			return nil, pp.errorf(e, "%s: %v", entry, err)
		}
		out = append(out, src)
	}
	return out, nil
}

// checkEntry checks the value of an entry as its flag would. An invalid
// value is not quoted: it may be a secret.
func checkEntry(src projectSource) error {
	switch src.kind {
	case kindSecret:
		if !validBundleName(src.value) {
			return fmt.Errorf("not a bundle name: %s", notANameHint(src.value, bundleNameRule))
		}
	case kindDir, kindDotenv:
		if src.value == "" || strings.ContainsRune(src.value, 0) {
			return errors.New("empty or invalid path")
		}
	case kindPass:
		if _, _, err := parsePass(src.value); err != nil {
			return err
		}
	}
	return nil
}

// functions parses the functions: mapping.
func (pp projectParser) functions(m *yaml.Node) ([]*projectFunction, error) {
	if yamldoc.IsNull(m) {
		return nil, nil
	}
	if m.Kind != yaml.MappingNode {
		return nil, pp.errorf(m, "functions must be a mapping of function names, not %s", yamldoc.KindName(m))
	}
	var out []*projectFunction
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" || !validBundleName(k.Value) {
			// Not quoted: the file's text, which is no name.
			return nil, pp.errorf(k, "a function name must be a string matching %s%s", bundleNameRule, quoteHint(k))
		}
		name := k.Value
		if line, ok := seen[name]; ok {
			return nil, pp.errorf(k, "function %s appears twice (first on line %d)", name, line)
		}
		seen[name] = k.Line
		fn := &projectFunction{name: name, line: k.Line}
		switch {
		case yamldoc.IsNull(v):
		case v.Kind == yaml.MappingNode:
			fields := []string{"manifest", "secrets", "dirs", "dotenv", "pass"}
			err := pp.mapping(v, "in function "+name, fields, func(field string, v *yaml.Node) error {
				return pp.setField(&fn.sourceSet, name, field, v)
			})
			if err != nil {
				return nil, err
			}
		case v.Kind == yaml.AliasNode:
			return nil, pp.errorf(v, "function %s: aliases (*name) are not supported in %s", name, projectFileName)
		default:
			return nil, pp.errorf(v, "function %s must be a mapping (secrets:, dotenv: ...), not %s", name, yamldoc.KindName(v))
		}
		out = append(out, fn)
	}
	return out, nil
}

// quoteHint suggests quotes for a scalar that YAML reads as a number, a
// boolean or null, such as a name 001, which is a number unless quoted.
func quoteHint(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!str" && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
		return ` (a name that YAML reads as another type needs quotes: "001")`
	}
	return ""
}

// parseBool reads a YAML boolean: true or false, as the manifest's
// optional. YAML 1.1's yes, no, on and off are refused, not guessed.
func parseBool(v *yaml.Node) (bool, error) {
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		switch v.Value {
		case "true", "True", "TRUE":
			return true, nil
		case "false", "False", "FALSE":
			return false, nil
		}
	}
	return false, fmt.Errorf("must be true or false, not %s", yamldoc.KindName(v))
}

// suggestField returns the field among fields that name is likely a typo
// of, or "". It returns only the format's own words, never the file's.
func suggestField(name string, fields []string) string {
	if len(name) > 32 {
		return ""
	}
	for _, f := range fields {
		if rules.EditDistance(strings.ToLower(name), f) <= 2 {
			return f
		}
	}
	return ""
}

// orList is "a", "a or b", "a, b or c".
func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// plannedSource is one source that run or check loads from envseal.yml.
type plannedSource struct {
	src      secret.Source
	bundle   string // the name of a store bundle ("" for other kinds)
	optional bool   // secret.Optional made src: it may be absent
	where    string // "envseal.yml:4", for errors
}

// projectPlan is what envseal.yml gives run and check for the project, or
// one function of it.
type projectPlan struct {
	manifest string // the manifest's path; "" for none
	sources  []plannedSource
}

// unknownFunctionError is a -f NAME that envseal.yml does not define.
type unknownFunctionError struct {
	path  string
	name  string   // shown only when it is a valid function name
	names []string // the functions of the file
}

func (e *unknownFunctionError) Error() string {
	if len(e.names) == 0 {
		return fmt.Sprintf("%s defines no functions (add them under functions:)", e.path)
	}
	if !validBundleName(e.name) {
		return fmt.Sprintf("--function: not a function name (not shown: it may be a value): want one of %s", quoteList(e.names))
	}
	msg := fmt.Sprintf("no function %q in %s", e.name, e.path)
	if s := suggestNames(e.name, e.names); len(s) > 0 {
		return fmt.Sprintf("%s; did you mean %s?", msg, quoteList(s))
	}
	return fmt.Sprintf("%s (it has %s)", msg, quoteList(e.names))
}

// plan returns the manifest and the sources of the project, and of the
// function fn when it is not "". Its sources apply by kind: bundles, secret
// folders, .env files, variables; in each kind the project's first, then the
// function's. A function's manifest replaces the project's, and when neither
// names one, inf.yml beside envseal.yml is the manifest if it exists.
//
// Files and folders are checked now: a required one that does not exist is
// an error naming the line that lists it. An optional one stays, as a
// secret.Optional source, so that run --watch picks it up if it appears; so
// does an optional bundle. A variable of pass is looked up now, in envseal's
// environment, and an optional one that is not set is left out. Every such
// problem is reported at once. Bundles are checked when the store is open.
func (p *project) plan(fn string, lookup func(string) (string, bool)) (*projectPlan, error) {
	sets := []*sourceSet{&p.sourceSet}
	if fn != "" {
		f := p.function(fn)
		if f == nil {
			return nil, &unknownFunctionError{path: p.path, name: fn, names: p.functionNames()}
		}
		sets = append(sets, &f.sourceSet)
	}
	pl := &projectPlan{}
	var errs []error
	manifest, manifestLine := "", 0
	for _, s := range sets {
		if s.manifest != "" {
			manifest, manifestLine = s.manifest, s.manifestLine
		}
	}
	if manifest != "" {
		path := p.file(manifest)
		if _, err := os.Stat(path); err != nil {
			errs = append(errs, p.lineError(manifestLine, "manifest %s: %v", path, statProblem(err)))
		}
		pl.manifest = path
	} else if path := p.file(defaultManifest); exists(path) {
		pl.manifest = path
	}
	for _, f := range sourceFields {
		for _, s := range sets {
			for _, e := range s.sources {
				if e.kind != f.kind {
					continue
				}
				ps, err := p.source(e, lookup)
				if err != nil {
					errs = append(errs, err)
				}
				if ps != nil {
					pl.sources = append(pl.sources, *ps)
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return pl, nil
}

// source returns the source of the entry e, or nil when it is an optional
// variable of pass that is not set.
func (p *project) source(e projectSource, lookup func(string) (string, bool)) (*plannedSource, error) {
	ps := &plannedSource{optional: e.optional, where: fmt.Sprintf("%s:%d", p.path, e.line)}
	switch e.kind {
	case kindSecret:
		ps.src, ps.bundle = secret.FromName(e.value), e.value
		if e.optional {
			ps.src = secret.Optional(ps.src)
		}
	case kindDir, kindDotenv:
		path := p.file(e.value)
		if _, err := os.Stat(path); err != nil && !(e.optional && errors.Is(err, fs.ErrNotExist)) {
			what := ".env file"
			if e.kind == kindDir {
				what = "secret folder"
			}
			hint := ""
			if errors.Is(err, fs.ErrNotExist) {
				hint = " (optional: true lets it be absent)"
			}
			return nil, p.lineError(e.line, "%s %s: %v%s", what, path, statProblem(err), hint)
		}
		if e.kind == kindDir {
			ps.src = secret.FromDir(path)
		} else {
			ps.src = secret.FromDotenv(path)
		}
		if e.optional {
			ps.src = secret.Optional(ps.src)
		}
	case kindPass:
		key, local, _ := parsePass(e.value) // checked by the parser
		v, ok := lookup(local)
		if !ok {
			if e.optional {
				return nil, nil
			}
			name := local
			if !conventionalName(local) {
				name = "the variable (lower case, not shown)"
			}
			return nil, p.lineError(e.line, "pass: %s is not set in envseal's environment (optional: true lets it be unset)", name)
		}
		ps.src = passSource{key: key, local: local, value: v, set: true}
	}
	return ps, nil
}

// file is path, as written in envseal.yml, relative to the project's folder.
func (p *project) file(path string) string {
	path = filepath.FromSlash(path)
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(p.dir, path)
}

// lineError is an error at line of envseal.yml.
func (p *project) lineError(line int, format string, args ...any) error {
	return &secret.ParseError{Path: p.path, Line: line, Err: fmt.Errorf(format, args...)}
}

// statProblem says what os.Stat's err means, without the path, which the
// caller names.
func statProblem(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("does not exist")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

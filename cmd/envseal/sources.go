package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/envseal/secret"
)

// resolution holds the flags shared by run and check: the sources, in the
// order their flags appear on the command line, the manifest, and what to
// take from envseal.yml.
type resolution struct {
	sources   []secret.Source
	names     []string // of the --secret flags, in order
	manifest  string
	strict    bool
	function  string // -f: the function of envseal.yml; "" for the project
	noProject bool   // --no-project: envseal.yml is not read

	// lookup finds a variable of envseal's own environment, for --pass.
	lookup func(string) (string, bool)
}

// sourceFlag is a pflag.Value that appends a source to a list shared with
// the other source flags, so that their relative order is kept however they
// are interleaved.
type sourceFlag struct {
	r         *resolution
	name      string // the flag's name
	newSource func(value string) (secret.Source, error)
}

func (f sourceFlag) String() string { return "" }
func (f sourceFlag) Type() string   { return "string" }

func (f sourceFlag) Set(v string) error {
	src, err := f.newSource(v)
	if err != nil {
		return &sourceFlagError{pos: len(f.r.sources) + 1, flag: f.name, err: err}
	}
	f.r.sources = append(f.r.sources, src)
	return nil
}

// sourceFlagError is a source flag whose value is malformed. It never holds
// the value, which may be a secret; pflag's error around it does, and is
// not printed (see flagUsageError).
type sourceFlagError struct {
	pos  int // of the flag among the source flags, from 1
	flag string
	err  error
}

func (e *sourceFlagError) Error() string {
	return fmt.Sprintf("source flag %d: --%s %v", e.pos, e.flag, e.err)
}

// addFlags adds the resolution flags to fs.
func (r *resolution) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&r.manifest, "manifest", "", "validate against the inf.yml `FILE`")
	fs.BoolVar(&r.strict, "strict", false, "also reject keys the manifest does not declare")
	fs.Var(sourceFlag{r, "dotenv", fromDotenv}, "dotenv", "load the .env `FILE` (repeatable)")
	fs.Var(sourceFlag{r, "secret", r.fromName}, "secret", "load the bundle `NAME` from the store (repeatable)")
	fs.Var(sourceFlag{r, "dir", fromDir}, "dir", "load a secret folder `DIR`, one file per key (repeatable)")
	fs.Var(sourceFlag{r, "dir-mapped", fromDirMapped}, "dir-mapped", "load a secret folder `DIR` whose file names map to keys: api-key is API_KEY, tls.crt TLS_CRT (repeatable)")
	fs.Var(sourceFlag{r, "env", fromEnvFlag}, "env", "set `KEY=VALUE` (repeatable)")
	fs.Var(sourceFlag{r, "pass", r.fromPass}, "pass", "pass envseal's variable `KEY`, or LOCAL_NAME as KEY with KEY=LOCAL_NAME (repeatable)")
	fs.StringVarP(&r.function, "function", "f", "", "add the sources of the function `NAME` of envseal.yml to the project's")
	fs.BoolVar(&r.noProject, "no-project", false, "do not read envseal.yml")
}

// addSourceCompletion completes the bundle names of --secret and the
// function names of --function.
func (a *app) addSourceCompletion(cmd *cobra.Command) {
	// The flags exist: the errors cannot happen.
	_ = cmd.RegisterFlagCompletionFunc("secret", a.completeBundleNames)
	_ = cmd.RegisterFlagCompletionFunc("function", a.completeFunctions)
}

func fromDotenv(path string) (secret.Source, error) { return secret.FromDotenv(path), nil }
func fromDir(dir string) (secret.Source, error)     { return secret.FromDir(dir), nil }

// fromDirMapped is a secret folder whose file names map to keys.
func fromDirMapped(dir string) (secret.Source, error) {
	return secret.FromDirOptions(dir, secret.DirOptions{MapNames: true}), nil
}

// fromName is a bundle of the store, which resolve then opens. A name that
// is not a bundle name is not repeated: it may be a value.
func (r *resolution) fromName(name string) (secret.Source, error) {
	if !validBundleName(name) {
		hint := notANameHint(name, bundleNameRule)
		if strings.Contains(name, "=") {
			hint += "; to set one key, use --env KEY=VALUE"
		}
		return nil, fmt.Errorf("wants a bundle name: %s", hint)
	}
	r.names = append(r.names, name)
	return secret.FromName(name), nil
}

// fromPass is the source of one --pass KEY or --pass KEY=LOCAL_NAME: the
// variable LOCAL_NAME (or KEY) of envseal's own environment, as KEY. It
// looks the variable up now: envseal's environment does not change while it
// runs. An unset variable is reported by resolve, with the others unset.
func (r *resolution) fromPass(arg string) (secret.Source, error) {
	key, local, err := parsePass(arg)
	if err != nil {
		return nil, err
	}
	v, ok := r.lookup(local)
	return passSource{key: key, local: local, value: v, set: ok}, nil
}

// parsePass splits KEY or KEY=LOCAL_NAME, as --pass and the pass: list of
// envseal.yml take it, into the key and the variable it comes from. Its
// errors do not quote arg.
func parsePass(arg string) (key, local string, err error) {
	key, local, renamed := strings.Cut(arg, "=")
	if !renamed {
		local = key
	}
	switch {
	case !secret.ValidKey(key):
		return "", "", fmt.Errorf("wants KEY or KEY=LOCAL_NAME, KEY a key name %s", keyRule)
	case !secret.ValidKey(local):
		return "", "", fmt.Errorf("wants KEY=LOCAL_NAME, LOCAL_NAME a variable name %s (not shown: it may be a value; --env KEY=VALUE sets a value)", keyRule)
	case local == envKey || local == envKeyFile:
		return "", "", fmt.Errorf("will not pass %s: the store key is not given to COMMAND", local)
	}
	return key, local, nil
}

// passSource is one --pass. Its name is "pass:" and the variable's name.
type passSource struct {
	key, local string
	value      string
	set        bool
}

func (s passSource) Name() string { return "pass:" + s.local }

// Format prints the source's name, never its value, whatever the verb.
func (s passSource) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.Name()) }

func (s passSource) Load(context.Context) (map[string]string, error) {
	if !s.set {
		return nil, fmt.Errorf("%w: not set in envseal's environment", secret.ErrNotFound)
	}
	return map[string]string{s.key: s.value}, nil
}

// unsetPassed checks that the variables of every --pass are set, and
// otherwise names them all, in one error. The name of a variable is shown
// when it is written as environment variables are by convention (capitals,
// digits, _); another one is named by its flag's position, as it may be a
// value typed in the wrong place.
func (r *resolution) unsetPassed() error {
	var unset []string
	for i, src := range r.sources {
		p, ok := src.(passSource)
		if !ok || p.set {
			continue
		}
		if conventionalName(p.local) {
			unset = append(unset, p.local)
		} else {
			unset = append(unset, fmt.Sprintf("the variable of source flag %d (lower case, not shown)", i+1))
		}
	}
	if len(unset) == 0 {
		return nil
	}
	return fmt.Errorf("--pass: not set in envseal's environment: %s", strings.Join(unset, ", "))
}

// conventionalName reports whether s is written as environment variables
// usually are: [A-Z_][A-Z0-9_]*.
func conventionalName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || c == '_' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// fromEnvFlag is the source of one --env KEY=VALUE.
func fromEnvFlag(kv string) (secret.Source, error) {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || !secret.ValidKey(k) {
		return nil, fmt.Errorf("wants KEY=VALUE, KEY a key name %s", keyRule)
	}
	return flagSource{key: k, value: v}, nil
}

// resolutionHelp explains precedence for the help of run and check.
const resolutionHelp = `Sources apply in the order their flags are given on the command line: for
each key, the last source that sets it wins, whatever the kinds of the flags
(--secret base --dotenv .env --env MODE=dev: .env overrides the bundle, MODE
overrides both). The store is opened only when a bundle is wanted, and its
folder is never created.

--dir reads a folder with one file per key, named as the key (API_KEY);
--dir-mapped reads one whose files are named as Kubernetes and OpenFaaS name
secrets, upper-casing letters and making - and . into _ (api-key is API_KEY,
tls.crt is TLS_CRT); two names that map to one key are an error.

--pass KEY takes the variable KEY of envseal's own environment; --pass
KEY=LOCAL_NAME takes LOCAL_NAME and calls it KEY (as a CI job whose secrets
arrive as variables needs). Its origin is pass:LOCAL_NAME. A variable set to
"" counts as set; an unset one is an error naming it (its value is never
shown). ENVSEAL_KEY and ENVSEAL_KEY_FILE cannot be passed.

` + projectHelp + `

` + storeHelp

// projectHelp says how run and check read envseal.yml.
const projectHelp = `The project file: when the current folder has an envseal.yml (see 'envseal
init'), its sources come first and the flags' after them, so a flag adds a
source and, for the keys it sets, overrides the file. The file's sources
apply by kind: bundles (secrets:), secret folders (dirs:), .env files
(dotenv:), then variables (pass:); in each kind the project's entries, then
those of the function given with -f NAME (functions: NAME:). The manifest is
--manifest, else the function's, else the project's, else inf.yml in the
folder when it exists. A required .env file, folder or variable that is
absent is an error naming its line in envseal.yml; an optional one is left
out. --no-project ignores the file.`

// loadProject reads envseal.yml from the current folder, unless
// --no-project; nil when there is none. A -f without a file is a usage
// error of cmd.
func (a *app) loadProject(cmd *cobra.Command, r *resolution) (*project, error) {
	switch {
	case r.noProject && r.function != "":
		return nil, usagef(cmd.CommandPath(), "--function reads %s, and --no-project ignores it: give one of them", projectFileName)
	case r.noProject:
		return nil, nil
	}
	p, err := loadProject(a.env.dir)
	if err != nil {
		return nil, err
	}
	if p == nil && r.function != "" {
		return nil, usagef(cmd.CommandPath(), "--function: there is no %s in this folder ('envseal init' writes one)", projectFileName)
	}
	return p, nil
}

// bundleRef is a bundle that a source of run or check names, and where:
// "--secret" or the line of envseal.yml, which may make it optional.
type bundleRef struct {
	name, where string
	optional    bool
}

// resolve loads the manifest, if any, and the sources in order: those of
// the project p (nil: none) and its function fn ("" for the project
// alone), then those of the flags. With validate, the result is checked
// against the manifest, and a *secret.ValidationError reports what is
// missing; without, it is not (check validates on its own, to print a row
// per key either way).
func (a *app) resolve(cmd *cobra.Command, r *resolution, p *project, fn string, validate bool) (*secret.Env, *secret.Manifest, error) {
	pl, err := a.plan(cmd, r, p, fn, validate)
	if err != nil {
		return nil, nil, err
	}
	env, err := pl.res.Resolve(cmd.Context(), pl.sources...)
	return env, pl.manifest, pl.explain(cmd.Context(), err)
}

// resolvePlan is what a resolution of run or check is made of.
type resolvePlan struct {
	res      *secret.Resolver
	sources  []secret.Source // the project's, then the flags'
	manifest *secret.Manifest
	st       bundleStore // nil when no source names a bundle
	refs     []bundleRef // the bundles named, and where
}

// plan gathers the sources of resolve, loads the manifest and opens the
// store when a source names a bundle.
func (a *app) plan(cmd *cobra.Command, r *resolution, p *project, fn string, validate bool) (*resolvePlan, error) {
	var planned []plannedSource
	manifest := r.manifest
	if p != nil {
		pl, err := p.plan(fn, r.lookup)
		var ufe *unknownFunctionError
		if errors.As(err, &ufe) {
			return nil, &usageError{cmd: cmd.CommandPath(), err: err}
		}
		if err != nil {
			return nil, err
		}
		planned = pl.sources
		if manifest == "" {
			manifest = pl.manifest
		}
	}
	out := &resolvePlan{res: &secret.Resolver{}}
	if manifest != "" {
		var err error
		if out.manifest, err = secret.LoadManifest(manifest); err != nil {
			return nil, err
		}
	}
	if r.strict && out.manifest == nil {
		return nil, usagef(cmd.CommandPath(), "--strict needs --manifest (or a manifest that %s names or finds)", projectFileName)
	}
	if validate {
		out.res.Manifest, out.res.Strict = out.manifest, r.strict
	}
	if err := r.unsetPassed(); err != nil {
		return nil, err
	}
	for _, ps := range planned {
		if ps.bundle != "" {
			out.refs = append(out.refs, bundleRef{ps.bundle, ps.where, ps.optional})
		}
	}
	for _, n := range r.names {
		out.refs = append(out.refs, bundleRef{name: n, where: "--secret"})
	}
	if len(out.refs) > 0 {
		var err error
		if out.st, err = a.openExistingStore(); err != nil {
			return nil, err
		}
		out.res.Store = out.st
	}
	out.sources = make([]secret.Source, 0, len(planned)+len(r.sources))
	for _, ps := range planned {
		out.sources = append(out.sources, ps.src)
	}
	out.sources = append(out.sources, r.sources...)
	return out, nil
}

// explain adds to err, a resolution's error, the bundle names close to one
// that the store does not have.
func (pl *resolvePlan) explain(ctx context.Context, err error) error {
	if err != nil && pl.st != nil && errors.Is(err, secret.ErrNotFound) {
		return suggestBundle(ctx, pl.st, pl.refs, err)
	}
	return err
}

// suggestBundle adds to err, the error of a bundle not found, the names of
// the store st close to it, and, when envseal.yml named the bundle, the
// line that did.
func suggestBundle(ctx context.Context, st bundleStore, refs []bundleRef, err error) error {
	var be *secret.BundleError
	if !errors.As(err, &be) {
		return err
	}
	// Bundle is ENVIRONMENT/NAME outside the default environment.
	// An optional bundle that does not exist is no error: the ref is a
	// required one of that name.
	i := slices.IndexFunc(refs, func(r bundleRef) bool {
		return !r.optional && (r.name == be.Bundle || strings.HasSuffix(be.Bundle, "/"+r.name))
	})
	if i < 0 {
		return err
	}
	ref := refs[i]
	var s []string
	if have, lerr := st.List(ctx); lerr == nil {
		s = suggestNames(ref.name, have)
	}
	switch {
	case ref.where == "--secret" && len(s) > 0:
		return fmt.Errorf("%w; did you mean --secret %s?", err, quoteList(s))
	case ref.where == "--secret":
		return err
	case len(s) > 0:
		return fmt.Errorf("%s: %w; did you mean %s?", ref.where, err, quoteList(s))
	}
	return fmt.Errorf("%s: %w ('envseal secrets set %s KEY=VALUE' creates it)", ref.where, err, ref.name)
}

// flagSource is one --env KEY=VALUE. Its name is "flag:--env".
type flagSource struct{ key, value string }

func (flagSource) Name() string { return "flag:--env" }

// Format prints the source's name, never its value, whatever the verb.
func (s flagSource) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.Name()) }

func (s flagSource) Load(context.Context) (map[string]string, error) {
	return map[string]string{s.key: s.value}, nil
}

// keyRule is the rule for key names, as the library checks it.
const keyRule = "([A-Za-z_][A-Za-z0-9_]*)"

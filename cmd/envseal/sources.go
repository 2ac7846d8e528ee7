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
// order their flags appear on the command line, and the manifest.
type resolution struct {
	sources    []secret.Source
	needsStore bool     // a --secret was given
	names      []string // of the --secret flags, in order
	manifest   string
	strict     bool

	// lookup finds a variable of envseal's own environment, for --pass.
	lookup func(string) (string, bool)

	// store is the store the --secret flags were read from, once resolve
	// has opened it.
	store bundleStore
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
}

// addSourceCompletion completes the bundle names of --secret.
func (a *app) addSourceCompletion(cmd *cobra.Command) {
	// The flag exists: the error cannot happen.
	_ = cmd.RegisterFlagCompletionFunc("secret", a.completeBundleNames)
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
	r.needsStore = true
	r.names = append(r.names, name)
	return secret.FromName(name), nil
}

// fromPass is the source of one --pass KEY or --pass KEY=LOCAL_NAME: the
// variable LOCAL_NAME (or KEY) of envseal's own environment, as KEY. It
// looks the variable up now: envseal's environment does not change while it
// runs. An unset variable is reported by resolve, with the others unset.
func (r *resolution) fromPass(arg string) (secret.Source, error) {
	key, local, renamed := strings.Cut(arg, "=")
	if !renamed {
		local = key
	}
	switch {
	case !secret.ValidKey(key):
		return nil, fmt.Errorf("wants KEY or KEY=LOCAL_NAME, KEY a key name %s", keyRule)
	case !secret.ValidKey(local):
		return nil, fmt.Errorf("wants KEY=LOCAL_NAME, LOCAL_NAME a variable name %s (not shown: it may be a value; --env KEY=VALUE sets a value)", keyRule)
	case local == envKey || local == envKeyFile:
		return nil, fmt.Errorf("will not pass %s: the store key is not given to COMMAND", local)
	}
	v, ok := r.lookup(local)
	return passSource{key: key, local: local, value: v, set: ok}, nil
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

// strictNeedsManifest is the PreRunE of run and check.
func (r *resolution) strictNeedsManifest(cmd *cobra.Command, _ []string) error {
	if r.strict && r.manifest == "" {
		return usagef(cmd.CommandPath(), "--strict needs --manifest")
	}
	return nil
}

// resolutionHelp explains precedence for the help of run and check.
const resolutionHelp = `Sources apply in the order their flags are given on the command line: for
each key, the last source that sets it wins, whatever the kinds of the flags
(--secret base --dotenv .env --env MODE=dev: .env overrides the bundle, MODE
overrides both). The store is opened only when --secret is given, and its
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

` + storeHelp

// resolve loads the manifest, if any, and the sources in order. With
// validate, the result is checked against the manifest, and a
// *secret.ValidationError reports what is missing; without, it is not (check
// validates on its own, to print a row per key either way).
func (a *app) resolve(ctx context.Context, r *resolution, validate bool) (*secret.Env, *secret.Manifest, error) {
	var res secret.Resolver
	var m *secret.Manifest
	if r.manifest != "" {
		var err error
		if m, err = secret.LoadManifest(r.manifest); err != nil {
			return nil, nil, err
		}
	}
	if validate {
		res.Manifest, res.Strict = m, r.strict
	}
	if err := r.unsetPassed(); err != nil {
		return nil, nil, err
	}
	var st bundleStore
	if r.needsStore {
		var err error
		if st, err = a.openExistingStore(); err != nil {
			return nil, nil, err
		}
		res.Store = st
		r.store = st
	}
	env, err := res.Resolve(ctx, r.sources...)
	if err != nil && st != nil && errors.Is(err, secret.ErrNotFound) {
		err = suggestBundle(ctx, st, r.names, err)
	}
	return env, m, err
}

// suggestBundle adds to err, the error of a source not found, the names
// close to the first of names that the store st does not have: the bundle
// whose --secret failed, as sources load in order.
func suggestBundle(ctx context.Context, st bundleStore, names []string, err error) error {
	have, lerr := st.List(ctx)
	if lerr != nil {
		return err
	}
	for _, n := range names {
		if slices.Contains(have, n) {
			continue
		}
		if s := suggestNames(n, have); len(s) > 0 {
			return fmt.Errorf("%w; did you mean --secret %s?", err, quoteList(s))
		}
		return err
	}
	return err
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

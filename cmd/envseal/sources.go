package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/envseal/secret"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// resolution holds the flags shared by run and check: the sources, in the
// order their flags appear on the command line, and the manifest.
type resolution struct {
	sources    []secret.Source
	needsStore bool // a --secret was given
	manifest   string
	strict     bool
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
	fs.Var(sourceFlag{r, "env", fromEnvFlag}, "env", "set `KEY=VALUE` (repeatable)")
}

func fromDotenv(path string) (secret.Source, error) { return secret.FromDotenv(path), nil }
func fromDir(dir string) (secret.Source, error)     { return secret.FromDir(dir), nil }

// fromName is a bundle of the store, which resolve then opens.
func (r *resolution) fromName(name string) (secret.Source, error) {
	r.needsStore = true
	return secret.FromName(name), nil
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
overrides both). The store is opened only when --secret is given.

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
	if r.needsStore {
		st, err := a.openStore()
		if err != nil {
			return nil, nil, err
		}
		res.Store = st
	}
	env, err := res.Resolve(ctx, r.sources...)
	return env, m, err
}

// flagSource is one --env KEY=VALUE. Its name is "flag:--env".
type flagSource struct{ key, value string }

func (flagSource) Name() string { return "flag:--env" }

func (s flagSource) Load(context.Context) (map[string]string, error) {
	return map[string]string{s.key: s.value}, nil
}

// keyRule is the rule for key names, as the library checks it.
const keyRule = "([A-Za-z_][A-Za-z0-9_]*)"

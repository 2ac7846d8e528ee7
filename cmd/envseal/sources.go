package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/envseal/secret"
	"github.com/spf13/pflag"
)

// resolution holds the flags shared by run and check: the sources, in the
// order their flags appear on the command line, and the manifest.
type resolution struct {
	sources  []sourceFlag
	manifest string
	strict   bool
}

// sourceFlag is one --dotenv, --secret, --dir or --env flag.
type sourceFlag struct {
	kind  string // the flag's name
	value string
}

// orderedFlag is a pflag.Value that appends each use of its flag to a list
// shared with the other source flags, so that their relative order is kept
// however they are interleaved.
type orderedFlag struct {
	kind string
	list *[]sourceFlag
}

func (f orderedFlag) String() string { return "" }
func (f orderedFlag) Type() string   { return "string" }
func (f orderedFlag) Set(v string) error {
	// No check here: pflag would quote v, which may be a value, in its error.
	*f.list = append(*f.list, sourceFlag{kind: f.kind, value: v})
	return nil
}

// addFlags adds the resolution flags to fs.
func (r *resolution) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&r.manifest, "manifest", "", "validate against the inf.yml `FILE`")
	fs.BoolVar(&r.strict, "strict", false, "also reject keys the manifest does not declare")
	fs.Var(orderedFlag{"dotenv", &r.sources}, "dotenv", "load the .env `FILE` (repeatable)")
	fs.Var(orderedFlag{"secret", &r.sources}, "secret", "load the bundle `NAME` from the store (repeatable)")
	fs.Var(orderedFlag{"dir", &r.sources}, "dir", "load a secret folder `DIR`, one file per key (repeatable)")
	fs.Var(orderedFlag{"env", &r.sources}, "env", "set `KEY=VALUE` (repeatable)")
}

// check reports a malformed flag as a usage error of cmdPath, never quoting
// a value.
func (r *resolution) check(cmdPath string) error {
	if r.strict && r.manifest == "" {
		return usagef(cmdPath, "--strict needs --manifest")
	}
	for i, s := range r.sources {
		if s.kind != "env" {
			continue
		}
		if k, _, ok := strings.Cut(s.value, "="); !ok || !secret.ValidKey(k) {
			// Never echoed: it may be a value given in the wrong place.
			return usagef(cmdPath, "source flag %d: --env wants KEY=VALUE, KEY a key name %s", i+1, keyRule)
		}
	}
	return nil
}

// resolutionHelp explains precedence for the help of run and check.
const resolutionHelp = `Sources apply in the order their flags are given on the command line: for
each key, the last source that sets it wins, whatever the kinds of the flags
(--secret base --dotenv .env --env MODE=dev: .env overrides the bundle, MODE
overrides both). The store is opened only when --secret is given.

` + storeHelp

// resolve loads the sources in order. With validate, the result is checked
// against the manifest, and a *secret.ValidationError reports what is
// missing; without, it is not (check validates on its own, to print a row
// per key either way).
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
	srcs := make([]secret.Source, 0, len(r.sources))
	for _, s := range r.sources {
		switch s.kind {
		case "dotenv":
			srcs = append(srcs, secret.FromDotenv(s.value))
		case "secret":
			if res.Store == nil {
				st, err := a.openStore()
				if err != nil {
					return nil, nil, err
				}
				res.Store = st
			}
			srcs = append(srcs, secret.FromName(s.value))
		case "dir":
			srcs = append(srcs, secret.FromDir(s.value))
		case "env":
			k, v, _ := strings.Cut(s.value, "=")
			srcs = append(srcs, flagSource{key: k, value: v})
		default:
			return nil, nil, fmt.Errorf("unknown source flag --%s", s.kind)
		}
	}
	env, err := res.Resolve(ctx, srcs...)
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

// Package secret declares and resolves the secrets of a workload.
//
// A Go function runtime calls [Resolve] before it starts a workload. Resolve
// loads secrets from an ordered list of sources, merges them, validates the
// result against a [Manifest] and returns an immutable [Env] ready for
// [os/exec.Cmd.Env]. It does for a Go program what serverless platforms do
// for their functions: Modal's ordered secrets and .env files, inference.sh's
// inf.yml declarations, OpenFaaS and Kubernetes secret folders, and fxn's
// encrypted account-wide secrets with per-function overrides.
//
//	env, err := secret.Resolve(ctx,
//		secret.FromName("openai"),          // a bundle in the encrypted local store
//		secret.FromDotenv(".env"),          // overrides the bundle
//		secret.FromMap(map[string]string{"MODE": "dev"}),
//	)
//	if err != nil {
//		return err // names the source and key; never contains a value
//	}
//	cmd := exec.Command("./worker")
//	cmd.Env = env.Overlay(os.Environ())
//
// A [Runner] does the same and what envseal run does around it: it passes
// signals on to the workload, stops it with a grace period when the context
// is done, reports its exit code as a shell does, can redact its output, and
// can restart it with rotated secrets:
//
//	r := secret.Command(env, "./worker")
//	err = r.Run(ctx) // r.ExitCode(): the workload's code, 128+N, 126 or 127
//
// # Sources and precedence
//
// A [Source] has a name, its provenance label, and loads a map of keys to
// values. The package provides [FromMap], [FromDotenv], [FromName], [FromDir]
// and [FromEnviron]; any other type that implements Source works too.
//
// [FromDotenv] never silently changes a value: each value is exactly what the
// file says or the load fails with a [*ParseError]; with no paths it reads
// ".env". [FromDir] refuses file names that are not valid keys rather than
// rewriting them, and never mixes two versions of a Kubernetes volume.
// [ParseManifest] reads the `secrets:` list of an inf.yml file and ignores
// its other keys.
//
// Sources load in the order given, one after the other. For each key, the last
// source that sets it wins, and [Env.Origin] reports the Name of that source. A
// key set to the empty string is set: it overrides an earlier value. Several
// files given to one FromDotenv behave as that many sources, so Origin names
// the file a value came from.
//
// Every key must match [A-Za-z_][A-Za-z0-9_]* and be at most 16,384 bytes;
// every value must be at most 32,768 bytes and contain no NUL byte (Modal's
// limits; a NUL cannot cross exec). A source that fails to load, or that yields
// a key or value breaking these rules, makes Resolve fail: there is never a
// partial Env.
//
// With a [Resolver] that has a Manifest, every declared key that is not
// Optional must be present with a non-empty value; every missing key is
// reported at once, each with its description, in one [*ValidationError]. With
// Strict set, keys the manifest does not declare are reported too.
//
// # Encrypted store
//
// [FromName] reads named bundles from a [Store]. The default one, a
// [FileStore] opened by [DefaultStore], is a folder ($ENVSEAL_STORE, else
// <user config dir>/envseal/store) of files sealed with AES-256-GCM under a
// 32-byte [Key] found by [LoadKey]: $ENVSEAL_KEY, else the file named by
// $ENVSEAL_KEY_FILE, else <user config dir>/envseal/key. Each file's name is
// authenticated with it, so a file copied or renamed to another bundle does
// not open; any authentication failure is one opaque error wrapping
// [ErrAuthFailed]. Writers serialise on a lock file and replace files
// atomically. A Key never prints; [Key.Encode] is its only text form. The
// store does not protect against an attacker who restores an older sealed
// file of the same bundle, deletes bundles, or reads names, sizes and times.
//
// # Errors
//
// Check errors with [errors.Is] and [errors.As], never by their text:
//
//   - [ErrNotFound]: a named bundle, a file or a folder that does not exist.
//     Missing files also match [io/fs.ErrNotExist].
//   - [*SourceError]: a source failed or produced an invalid entry; it names
//     the source and, where one is at fault, the key.
//   - [*ParseError]: a syntax error in a .env file or a manifest, with its path
//     and line.
//   - [*ValidationError]: the merged secrets do not satisfy the manifest.
//   - [ErrAuthFailed]: a sealed bundle did not open: wrong key, or a file
//     modified, truncated or renamed.
//
// # Security
//
// No error, panic, log line or printed form made by this package contains a
// secret value, or file content that might be one: errors name keys, sources,
// paths and line numbers instead. [Env] implements [fmt.Formatter],
// [fmt.Stringer], [fmt.GoStringer], [log/slog.LogValuer] and [json.Marshaler]
// so that every way of printing it shows keys and origins only; the values are
// reachable only through [Env.Get], [Env.Map], [Env.Environ] and
// [Env.Overlay].
//
// A [Redactor] wraps an [io.Writer], such as a workload's log, and replaces
// every secret value of an Env with "[REDACTED:KEY]", also when a value is
// split across writes.
//
// The workload gets its secrets, never the key to the store: [Env.Overlay]
// drops ENVSEAL_KEY and ENVSEAL_KEY_FILE from the base environment it is
// given, so cmd.Env = env.Overlay(os.Environ()) does not hand the key of
// every bundle to the child. Only an Env that sets one of them itself passes
// it on.
//
// Resolve never changes the process environment. It reads the process
// environment only in [FromEnviron] and when it opens the default store for
// [FromName]. It is safe for concurrent use, and so is an Env.
package secret

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"
)

// Source is a place secrets come from.
//
// Name returns the provenance label reported by [Env.Origin] and in errors,
// such as "map", "dotenv:.env", "name:openai", "dir:/run/secrets" or
// "environ". It must not contain a secret value.
//
// Load returns the source's keys and values. The caller may keep and modify
// the map. Errors must not contain secret values; [Resolve] adds the source's
// name to them.
type Source interface {
	Name() string
	Load(ctx context.Context) (map[string]string, error)
}

// FromMap returns a Source of the entries of m. It copies m at call time, so
// later changes to m are not seen. Its name is "map".
func FromMap(m map[string]string) Source {
	return mapSource{m: maps.Clone(m)}
}

type mapSource struct{ m map[string]string }

func (mapSource) Name() string { return "map" }

func (s mapSource) Load(context.Context) (map[string]string, error) {
	return maps.Clone(s.m), nil
}

// FromEnviron returns a Source of the named variables of this process's
// environment, read when it loads. A variable that is set to the empty string
// is loaded as empty; one that is not set at all is an error naming it. With
// no keys it loads nothing: the process environment is never copied
// wholesale. Its name is "environ".
func FromEnviron(keys ...string) Source {
	return environSource{keys: append([]string(nil), keys...)}
}

type environSource struct{ keys []string }

func (environSource) Name() string { return "environ" }

func (s environSource) Load(context.Context) (map[string]string, error) {
	m := make(map[string]string, len(s.keys))
	var unset []string
	for _, k := range s.keys {
		v, ok := os.LookupEnv(k)
		if !ok {
			unset = append(unset, k)
			continue
		}
		m[k] = v
	}
	if len(unset) > 0 {
		return nil, fmt.Errorf("%w: environment variable not set: %s", ErrNotFound, strings.Join(unset, ", "))
	}
	return m, nil
}

// FromName returns a Source of the named bundle in a [Store]. Through a
// [Resolver] it reads the Resolver's Store, looked up at Resolve time; loaded
// directly, or through a Resolver whose Store is nil, it reads the default
// local encrypted store ([DefaultStore]). A bundle that does not exist is an
// error wrapping [ErrNotFound]. Its name is "name:" followed by name.
func FromName(name string) Source {
	return nameSource{name: name}
}

type nameSource struct{ name string }

func (s nameSource) Name() string { return "name:" + s.name }

func (s nameSource) Load(ctx context.Context) (map[string]string, error) {
	st, err := defaultStore()
	if err != nil {
		return nil, err
	}
	return s.loadFrom(ctx, st)
}

// loadFrom reads the bundle from st. The Resolver calls it with its Store.
func (s nameSource) loadFrom(ctx context.Context, st Store) (map[string]string, error) {
	m, err := st.Get(ctx, s.name)
	if err != nil {
		return nil, err
	}
	return maps.Clone(m), nil
}

// Store holds named bundles of secrets. [FromName] reads from one.
//
// Get returns the bundle called name. When there is no such bundle, the error
// wraps [ErrNotFound]. Errors must not contain secret values.
type Store interface {
	Get(ctx context.Context, name string) (map[string]string, error)
}

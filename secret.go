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
// is done, reports its exit code as a shell does, can redact its output, can
// hand it its secrets as files instead of variables (Files, the OpenFaaS
// way), and can restart it with rotated secrets:
//
//	r := secret.Command(env, "./worker")
//	err = r.Run(ctx) // r.ExitCode(): the workload's code, 128+N, 126 or 127
//
// # Sources and precedence
//
// A [Source] has a name, its provenance label, and loads a map of keys to
// values. The package provides [FromMap], [FromDotenv], [FromName], [FromDir]
// and [FromEnviron]; any other type that implements Source works too.
// [Optional] makes a source whose file, folder, bundle or variables may be
// absent: absent, it yields no keys; any other failure is still an error.
//
// [FromDotenv] never silently changes a value: each value is exactly what the
// file says or the load fails with a [*ParseError]; with no paths it reads
// ".env". [FromDir] refuses file names that are not valid keys rather than
// rewriting them, unless [FromDirOptions] is asked to map them
// (api-key to API_KEY), and never mixes two versions of a Kubernetes volume.
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
// not open; any authentication failure is an error wrapping [ErrAuthFailed],
// which names the bundle and, for a bundle sealed under another key, the key
// ids involved, and nothing else. Writers serialise on a lock file and
// replace files atomically. Beside its entries, a bundle keeps a
// [BundleInfo], sealed with it: a description of each key, and whether the
// bundle is write-only ([InfoStore]). A Key never prints; [Key.Encode] is its only text form. The
// store does not protect against an attacker who restores an older sealed
// file of the same bundle, deletes bundles, or reads names, sizes and times.
//
// # Errors
//
// Errors say what went wrong and where (a file and line, a source, a key, a
// bundle), each layer adding only what the error it wraps does not say; none
// starts with the package's name. A key or name that breaks the rules is
// shown only as a short hint, since it may be a value typed in the wrong
// place. Check errors with [errors.Is] and [errors.As], never by their text:
//
//   - [ErrNotFound]: a named bundle, a file or a folder that does not exist.
//     Missing files also match [io/fs.ErrNotExist].
//   - [ErrAuthFailed]: a sealed bundle did not open: wrong key, or a bundle
//     modified, truncated or renamed.
//   - [*SourceError]: a source failed or produced an invalid entry; it names
//     the source and, where one is at fault, the key.
//   - [*BundleError]: a store failed on one bundle, which it names.
//   - [*ParseError]: a syntax error in a .env file or a manifest, with its path
//     and line.
//   - [*ValidationError]: the merged secrets do not satisfy the manifest.
//
// # Security
//
// No error, panic, log line or printed form made by this package contains a
// secret value, or file content that might be one: errors name keys, sources,
// paths and line numbers instead. [Env] implements [fmt.Formatter],
// [fmt.Stringer], [fmt.GoStringer], [log/slog.LogValuer] and [json.Marshaler]
// so that every way of printing it shows keys and origins only; the values are
// reachable only through [Env.Get], [Env.Map], [Env.Environ] and
// [Env.Overlay]. So it is with every other type of the package: a
// [Key], a [FileStore], a [Runner] and a [Redactor] print no key and no
// value, and every source made by the From functions prints as its Name. A
// bundle name or a variable name that is not valid may be a value typed in
// the wrong place, so neither a source's Name nor an error shows more than a
// short hint of it.
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

package secret

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/envseal/secret/internal/rules"
)

// Store holds named bundles of secrets. [FromName] reads from one.
//
// Get returns the bundle called name. When there is no such bundle, the error
// wraps [ErrNotFound]. Errors must not contain secret values.
type Store interface {
	Get(ctx context.Context, name string) (map[string]string, error)
}

// WritableStore is a [Store] whose bundles can be changed: [FileStore], and
// the etcd store of package github.com/envseal/secret/etcdstore. The
// conformance suite in package github.com/envseal/secret/secrettest pins
// down what each method must do; FileStore's methods document it in full.
//
// Bundle names match [a-z0-9][a-z0-9_-]{0,63} and are checked before any
// I/O. Errors never contain a value or key material; a missing bundle wraps
// [ErrNotFound] and one that does not open wraps [ErrAuthFailed].
type WritableStore interface {
	Store
	// Set replaces the bundle called name with the entries of env.
	Set(ctx context.Context, name string, env map[string]string) error
	// Update changes the bundle called name with fn, atomically: concurrent
	// updates, from this process or any other, are never lost.
	Update(ctx context.Context, name string, fn func(env map[string]string) error) error
	// Delete removes the bundle called name.
	Delete(ctx context.Context, name string) error
	// List returns the names of the bundles, sorted.
	List(ctx context.Context) ([]string, error)
	// Rotate re-seals every bundle under newKey, resumably.
	Rotate(ctx context.Context, newKey Key) error
}

// DefaultEnvironment is the name of the default environment. A store's
// bundles in it are where they were before environments existed: a
// FileStore keeps them in its folder itself, and their sealed names are the
// bundle names alone.
const DefaultEnvironment = "default"

// StoreOptions are the options of a store, the same for every backend.
type StoreOptions struct {
	// Environment selects the store's environment, as Modal's
	// environment_name or faas-cli --namespace do: the same bundle name can
	// exist in "dev" and in "prod". Names follow the rule of bundle names;
	// "" means DefaultEnvironment. Outside the default environment, a
	// bundle's full name is "ENVIRONMENT/NAME" ("prod/openai"): errors and
	// Env.Origin ("name:prod/openai") show it, and the sealed bundle is
	// bound to it, so one copied to another environment does not open.
	Environment string

	// KeySource says where the store's key came from ("ENVSEAL_KEY", a key
	// file's path), so that an error about a bundle sealed under another
	// key can say which key was used. FindKey returns it.
	KeySource string

	// AllowKeyChange lets Set and Update seal a bundle under the store's
	// key when the store's other bundles are sealed under another one.
	// Without it such a write is refused with a *WrongKeyError, so that a
	// mistyped or stale key never splits a store in two.
	AllowKeyChange bool

	// History is how many past versions of each bundle the store keeps, as
	// Vault's KV v2 does: every Set, Update, Delete and Rollback records the
	// bundle's new version, and versions older than the last History ones
	// (besides the current) are removed. 0 means DefaultHistory; a negative
	// number keeps no history.
	History int
}

// DefaultHistory is the number of past versions a store keeps of each
// bundle when its options do not say.
const DefaultHistory = 10

// Version is one version of a bundle in a store's history ([HistoryStore]).
// It says which keys changed, never a value.
type Version struct {
	Number  int       // 1 for the first version recorded, then one more for each change
	Time    time.Time // when the version was written
	Deleted bool      // the bundle was deleted in this version
	// The keys the version added, removed and changed, compared with the
	// version before it, sorted. For the oldest version kept, every key is
	// in Added.
	Added, Removed, Changed []string
}

// HistoryStore is a store that keeps past versions of its bundles:
// [FileStore] and the etcd store are. Pass StoreOptions.History to say how
// many.
type HistoryStore interface {
	WritableStore
	// History returns the versions of bundle name that the store keeps,
	// oldest first, the current one last. A bundle with no version (never
	// written) is an error wrapping ErrNotFound.
	History(ctx context.Context, name string) ([]Version, error)
	// GetVersion returns the entries of version number of bundle name. A
	// version that is not kept wraps ErrNotFound; one that records a
	// deletion has no entries and is an error.
	GetVersion(ctx context.Context, name string, number int) (map[string]string, error)
	// Rollback makes the entries of version number of bundle name the
	// bundle's entries again, as a new version: history is never
	// rewritten.
	Rollback(ctx context.Context, name string, number int) error
}

// MaxDescriptionLen is the longest description of a key that a store keeps,
// in bytes.
const MaxDescriptionLen = rules.MaxDescriptionLen

// BundleInfo is what a store keeps with a bundle beside its entries: what
// each key is for, as inference.sh's `secrets set KEY VALUE -d "..."` keeps
// it, and whether the bundle is write-only, as fxn's secrets are. It holds
// no secret value and may be printed, but a description is text anyone who
// can write to the bundle chose: print it with its control characters
// escaped (the envseal command does). It is sealed with the bundle, so it is
// authenticated as the entries are, and hidden from whoever holds only the
// sealed bytes (the etcd cluster, a backup).
type BundleInfo struct {
	// Descriptions holds the description of some keys of the bundle. A
	// description lives and dies with its key: a write that removes a key
	// removes its description, and one of a key the bundle does not have
	// is dropped, as is an empty one. Each is valid UTF-8 without NUL, at
	// most MaxDescriptionLen bytes.
	Descriptions map[string]string

	// WriteOnly marks a bundle whose values can be used where they are
	// needed (resolved, and run with) but not viewed: envseal secrets get
	// --reveal and secrets export refuse it, as fxn shows a secret only
	// where it was set. It is chosen when the bundle is created and kept
	// by every write after (Set, Update, Rollback); only Delete ends it.
	//
	// It is a promise the envseal command keeps, not a cryptographic
	// control: whoever holds the store's key can open the bundle with this
	// package, and a workload that gets the values can print them. It
	// keeps values off screens, terminals' scrollback and exported files
	// by mistake.
	WriteOnly bool
}

// InfoStore is a store that keeps a [BundleInfo] with each bundle:
// [FileStore] and the etcd store are. Its Set and Update keep a bundle's
// info: the write-only flag, and the descriptions of the keys that remain.
// A Set that replaces a bundle that does not open under the store's key
// (sealed under another key, with StoreOptions.AllowKeyChange) cannot know
// it, and replaces it whole.
type InfoStore interface {
	WritableStore
	// GetWithInfo returns the entries of bundle name and its info, read
	// together. A bundle that does not exist is an error wrapping
	// ErrNotFound. The maps are the caller's, and never nil.
	GetWithInfo(ctx context.Context, name string) (map[string]string, BundleInfo, error)
	// UpdateWithInfo changes the entries of bundle name and its info
	// together, atomically, as Update does: fn gets a copy of the entries
	// (an empty map for a new bundle) and of the info, and changes them in
	// place. When fn returns nil they are written, with the rules of
	// BundleInfo: descriptions must be valid; WriteOnly may be set only
	// when the bundle is created, and never cleared. A refused write
	// writes nothing, and its error names the bundle.
	UpdateWithInfo(ctx context.Context, name string, fn func(env map[string]string, info *BundleInfo) error) error
}

// environment returns the options' environment, "" for the default one, or
// an error for an invalid name.
func (o StoreOptions) environment() (string, error) {
	switch env := o.Environment; {
	case env == "" || env == DefaultEnvironment:
		return "", nil
	case !rules.ValidName(env):
		return "", fmt.Errorf("invalid environment name %s: want %s", rules.QuoteName(env), rules.NameRule)
	default:
		return env, nil
	}
}

// fullName is the name of bundle name in environment env ("" for the
// default one): what errors show and what a sealed bundle is bound to.
func fullName(env, name string) string {
	if env == "" {
		return name
	}
	return env + "/" + name
}

// DefaultStore opens the default store: the folder named by ENVSEAL_STORE if
// that variable is not empty, else <user config dir>/envseal/store (see
// [os.UserConfigDir]), in the environment named by ENVSEAL_ENVIRONMENT (the
// default one if empty), under the key found by [FindKey]. A [Resolver]
// whose Store is nil, and a [FromName] source loaded on its own, use it.
//
// ENVSEAL_STORE may also name an etcd store (etcd://HOST:PORT/PREFIX): the
// default store is a folder, so that is an error saying to open it with
// package github.com/envseal/secret/etcdstore and set Resolver.Store. A
// value with any other scheme is an error too.
func DefaultStore() (*FileStore, error) {
	return openDefaultStore(os.Getenv, os.UserConfigDir)
}

// openDefaultStore is DefaultStore with its environment and config dir
// injected, so that tests run in parallel.
func openDefaultStore(getenv func(string) string, configDir func() (string, error)) (*FileStore, error) {
	dir, err := defaultStoreDir(getenv, configDir)
	if err != nil {
		return nil, err
	}
	key, source, err := findKey(getenv, configDir)
	if err != nil {
		return nil, err
	}
	return OpenFileStoreOptions(dir, key, StoreOptions{Environment: getenv(envEnvironment), KeySource: source})
}

// DefaultStoreDir returns the folder of the default store: the value of
// ENVSEAL_STORE if it is not empty, else <user config dir>/envseal/store
// (see [os.UserConfigDir]). It neither creates nor checks the folder. An
// ENVSEAL_STORE that is a URL (etcd://...) is an error: see DefaultStore.
func DefaultStoreDir() (string, error) {
	return defaultStoreDir(os.Getenv, os.UserConfigDir)
}

func defaultStoreDir(getenv func(string) string, configDir func() (string, error)) (string, error) {
	if dir := getenv(envStore); dir != "" {
		switch scheme, ok := urlScheme(dir); {
		case ok && scheme == "etcd":
			return "", fmt.Errorf("%s names an etcd store, and the default store is a folder: open it with package github.com/envseal/secret/etcdstore (etcdstore.DefaultStore) and set Resolver.Store", envStore)
		case ok:
			return "", fmt.Errorf("%s starts with %s://, a kind of store envseal does not know: want a folder or etcd://HOST:PORT/PREFIX", envStore, scheme)
		}
		return dir, nil
	}
	cd, err := configDir()
	if err != nil {
		return "", fmt.Errorf("no store folder: %s is not set, and the user config dir is unknown: %w", envStore, err)
	}
	return filepath.Join(cd, "envseal", "store"), nil
}

// urlScheme returns the scheme of s when s starts like a URL, SCHEME://,
// the scheme being a letter then letters, digits, +, - or . (RFC 3986). A
// Windows path (C:\store) has no "//" after its colon.
func urlScheme(s string) (string, bool) {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok || scheme == "" {
		return "", false
	}
	for i := 0; i < len(scheme); i++ {
		c := scheme[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return "", false
		}
	}
	return strings.ToLower(scheme), true
}

// defaultStore opens the default store for FromName. It never returns a nil
// *FileStore inside a non-nil Store.
func defaultStore() (Store, error) {
	s, err := DefaultStore()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ValidBundleName reports whether name is a bundle name that stores accept:
// it matches [a-z0-9][a-z0-9_-]{0,63}.
func ValidBundleName(name string) bool { return rules.ValidName(name) }

// checkName returns an error unless name is a valid bundle name. An invalid
// one is shown only as a hint: it may be a value typed in the wrong place.
func checkName(name string) error {
	if rules.ValidName(name) {
		return nil
	}
	return fmt.Errorf("invalid bundle name %s: want %s", rules.QuoteName(name), rules.NameRule)
}

// checkBundle applies the key and value rules of Resolve to every entry of
// env, reporting each bad key, never a value.
func checkBundle(name string, env map[string]string) error {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if err := rules.CheckEntry(k, env[k]); err != nil {
			errs = append(errs, &BundleError{Bundle: name, Err: fmt.Errorf("key %s: %w", rules.QuoteKey(k), err)})
		}
	}
	return errors.Join(errs...)
}

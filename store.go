package secret

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

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

// DefaultStore opens the default store: the folder named by ENVSEAL_STORE if
// that variable is not empty, else <user config dir>/envseal/store (see
// [os.UserConfigDir]), under the key found by [LoadKey]. A [Resolver] whose
// Store is nil, and a [FromName] source loaded on its own, use it.
func DefaultStore() (*FileStore, error) {
	return openDefaultStore(os.Getenv, os.UserConfigDir)
}

// openDefaultStore is DefaultStore with its environment and config dir
// injected, so that tests run in parallel.
func openDefaultStore(getenv func(string) string, configDir func() (string, error)) (*FileStore, error) {
	key, err := loadKey(getenv, configDir)
	if err != nil {
		return nil, err
	}
	dir, err := defaultStoreDir(getenv, configDir)
	if err != nil {
		return nil, err
	}
	return OpenFileStore(dir, key)
}

// DefaultStoreDir returns the folder of the default store: the value of
// ENVSEAL_STORE if it is not empty, else <user config dir>/envseal/store
// (see [os.UserConfigDir]). It neither creates nor checks the folder.
func DefaultStoreDir() (string, error) {
	return defaultStoreDir(os.Getenv, os.UserConfigDir)
}

func defaultStoreDir(getenv func(string) string, configDir func() (string, error)) (string, error) {
	if dir := getenv(envStore); dir != "" {
		return dir, nil
	}
	cd, err := configDir()
	if err != nil {
		return "", fmt.Errorf("no store folder: %s is not set, and the user config dir is unknown: %w", envStore, err)
	}
	return filepath.Join(cd, "envseal", "store"), nil
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

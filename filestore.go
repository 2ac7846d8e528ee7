package secret

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/envseal/secret/internal/lockfile"
	"github.com/envseal/secret/internal/regular"
	"github.com/envseal/secret/internal/rules"
	"github.com/envseal/secret/internal/seal"
)

// sealedExt ends the file name of every bundle: bundle "openai" is the file
// "openai.sealed". Lock and temporary files start with "." and are never
// bundles.
const sealedExt = ".sealed"

// lockName is the writers' lock file in a store folder (see package
// internal/lockfile). Readers never take it: a bundle file is only ever
// replaced whole, by rename.
const lockName = ".lock"

// environmentsDir is the subfolder of a store folder that holds a folder
// per environment other than the default one. No bundle file can have its
// name: bundle files end in ".sealed".
const environmentsDir = "environments"

// FileStore is the local encrypted store: a folder holding one sealed file per
// bundle, each encrypted and authenticated under the store's [Key] (package
// internal/seal documents the format). It is a [WritableStore], and the
// default Store of [FromName].
//
// Bundle names match [a-z0-9][a-z0-9_-]{0,63}; a name is checked before any
// file-system call, and every access goes through an [os.Root] on the folder.
// Bundle files are created with mode 0600, and symbolic links in their place
// are refused. A write seals the bundle into a new temporary file in the
// folder, syncs it, renames it over the old file and syncs the folder, so a
// reader sees the old bundle or the new one, never a mix; a crash leaves at
// worst a stray ".<name>.<random>.tmp" file, which readers ignore and the
// next writer removes. Writers (Set, Update, Delete, Rotate) hold an
// exclusive flock(2) on the folder's ".lock" file, which serialises them
// across goroutines and processes; readers take no lock. Writing needs
// flock, so it works on Unix systems only; elsewhere (Windows) the writing
// methods return an error saying so, and Get and List work.
//
// The default environment's bundles are in the folder itself, as they were
// before environments existed; those of environment "prod" are in
// environments/prod, created on the first write. All environments share the
// key, the lock, and Rotate.
//
// Any failure to authenticate a bundle file (a wrong key, a modified,
// truncated or renamed file) is an error that wraps [ErrAuthFailed] and
// names the bundle; a bundle sealed under another key is a [*WrongKeyError]
// naming the key ids. A missing bundle wraps [ErrNotFound]. Errors never
// contain a value or key material.
//
// A FileStore is safe for concurrent use.
type FileStore struct {
	base string // the store's folder, absolute
	env  string // the environment; "" for the default one
	opts StoreOptions
	keys *keyring // shared by the environments of one store

	// beforeRename, when not nil, runs after the new sealed file is written
	// and synced and before it is renamed into place; an error aborts the
	// write. Tests inject failures with it.
	beforeRename func(name string) error
}

var (
	_ WritableStore = (*FileStore)(nil)
	_ HistoryStore  = (*FileStore)(nil)
	_ InfoStore     = (*FileStore)(nil)
)

// keyring is the key of a store, which Rotate changes, and what Update's
// callbacks are running, for the environments of one store.
type keyring struct {
	mu  sync.RWMutex // guards key, next and gen
	key Key
	// next is the key a running Rotate is re-sealing bundles under, and the
	// zero Key at other times. gen counts the changes to key and next.
	next Key
	gen  uint64

	// updating holds the goroutines running an Update callback of the
	// store, so that a write from one of them fails at once instead of
	// waiting for a lock its own Update holds.
	updating sync.Map // goroutine id -> struct{}
}

// OpenFileStore returns the store in folder dir, in the default
// environment, sealed under key: OpenFileStoreOptions with no options.
func OpenFileStore(dir string, key Key) (*FileStore, error) {
	return OpenFileStoreOptions(dir, key, StoreOptions{})
}

// OpenFileStoreOptions returns the store in folder dir, sealed under key,
// with opts. It creates dir, and any missing parents, with mode 0700. An
// existing dir that group or others may access is refused, with an error
// saying to run chmod 700 on it: the store never changes the mode of a
// folder it did not create. The zero Key is refused.
func OpenFileStoreOptions(dir string, key Key, opts StoreOptions) (*FileStore, error) {
	if key.isZero() {
		return nil, errors.New("OpenFileStore: the key is the zero Key; use GenerateKey, ParseKey or LoadKey")
	}
	if dir == "" {
		return nil, errors.New("OpenFileStore: empty folder name")
	}
	env, err := opts.environment()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store folder %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("store folder: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("store folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("store folder %s is not a folder", abs)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("store folder %s is accessible by group or others (mode %04o); refusing to use it: run `chmod 700 %s`",
			abs, perm, abs)
	}
	return &FileStore{base: abs, env: env, opts: opts, keys: &keyring{key: key}}, nil
}

// InEnvironment returns the same store in environment env ("" or "default"
// for the default one), sharing its key and its lock.
func (s *FileStore) InEnvironment(env string) (*FileStore, error) {
	opts := s.opts
	opts.Environment = env
	e, err := opts.environment()
	if err != nil {
		return nil, err
	}
	return &FileStore{base: s.base, env: e, opts: opts, keys: s.keys}, nil
}

// Dir returns the store's folder, as an absolute path. Bundles of the
// default environment are in it; those of others in subfolders.
func (s *FileStore) Dir() string { return s.base }

// Environment returns the store's environment: DefaultEnvironment, or the
// name given in StoreOptions or to InEnvironment.
func (s *FileStore) Environment() string {
	if s.env == "" {
		return DefaultEnvironment
	}
	return s.env
}

// bundleDir returns the folder of the bundles of environment env.
func (s *FileStore) bundleDir(env string) string {
	if env == "" {
		return s.base
	}
	return filepath.Join(s.base, environmentsDir, env)
}

// get returns the store's key, the key a running Rotate is sealing under
// (or the zero Key), and their generation.
func (r *keyring) get() (key, next Key, gen uint64) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.key, r.next, r.gen
}

// set sets the store's key and the key of a running Rotate.
func (r *keyring) set(key, next Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.key, r.next = key, next
	r.gen++
}

// Get returns the bundle called name. A bundle that does not exist is an
// error wrapping [ErrNotFound]; one that does not authenticate under the
// store's key, an error wrapping [ErrAuthFailed]. The map is the caller's.
func (s *FileStore) Get(ctx context.Context, name string) (map[string]string, error) {
	b, err := s.get(ctx, name)
	return b.Env, err
}

// get is Get with the bundle's info.
func (s *FileStore) get(ctx context.Context, name string) (seal.Bundle, error) {
	if err := checkName(name); err != nil {
		return seal.Bundle{}, err
	}
	if err := ctx.Err(); err != nil {
		return seal.Bundle{}, err
	}
	full := fullName(s.env, name)
	root, err := os.OpenRoot(s.bundleDir(s.env))
	if errors.Is(err, fs.ErrNotExist) && s.env != "" {
		return seal.Bundle{}, &BundleError{Bundle: full, Err: ErrNotFound} // no bundle in this environment yet
	}
	if err != nil {
		return seal.Bundle{}, fmt.Errorf("store folder: %w", err)
	}
	defer root.Close()
	// Readers take no lock, so a Rotate of this store may be re-sealing
	// bundles meanwhile: a bundle under the key Rotate is sealing under opens
	// with that key, and a read that raced with the start or the end of a
	// Rotate is tried again. Other processes get no such help.
	for try := 0; ; try++ {
		key, next, gen := s.keys.get()
		data, err := readSealed(root, name, full)
		if err != nil {
			return seal.Bundle{}, err
		}
		if id, ok := seal.SealedKeyID(data); ok && !next.isZero() && id == next.id() {
			key = next
		}
		b, err := s.openBundle(key, full, data)
		if err == nil || try == 2 {
			return b, err
		}
		if _, _, now := s.keys.get(); now == gen {
			return seal.Bundle{}, err
		}
	}
}

// Set replaces the entries of the bundle called name with those of env,
// creating it if needed; a nil env stores an empty bundle. Every key and
// value must obey the rules of [Resolve], so that the store never holds a
// bundle that Resolve would reject; otherwise nothing is written and the
// error names each bad key. The bundle's [BundleInfo] is kept: its
// write-only flag, and the descriptions of the keys env still has (see
// [InfoStore]). A store whose other bundles are sealed under another key
// refuses the write (see [StoreOptions.AllowKeyChange]).
func (s *FileStore) Set(ctx context.Context, name string, env map[string]string) error {
	if err := checkName(name); err != nil {
		return err
	}
	full := fullName(s.env, name)
	if err := checkBundle(full, env); err != nil {
		return err
	}
	return s.write(ctx, name, func(root *os.Root, key Key) ([]byte, error) {
		if err := s.checkStoreKey(key, name); err != nil {
			return nil, err
		}
		// A bundle that does not open is replaced whole, as before bundles
		// had info: nothing of it is kept, so nothing of it is shown.
		cur, _, _ := s.readBundle(root, name, full, key)
		return sealBundleInfo(key, full, seal.Kept(cur, env))
	})
}

// readBundle reads and opens bundle name, whose full name is full, under
// key. exists reports whether there is such a bundle; when there is none,
// the error wraps ErrNotFound.
func (s *FileStore) readBundle(root *os.Root, name, full string, key Key) (b seal.Bundle, exists bool, err error) {
	data, err := readSealed(root, name, full)
	if err != nil {
		return seal.Bundle{}, !errors.Is(err, ErrNotFound), err
	}
	b, err = s.openBundle(key, full, data)
	return b, true, err
}

// Update changes the bundle called name under the store's writer lock, so
// that concurrent updates, in this process or others, are never lost.
//
// fn gets a copy of the bundle, or an empty map if there is no such bundle,
// and changes it in place. If fn returns nil, the map as fn left it replaces
// the bundle (an empty map leaves an empty bundle; use Delete to remove it).
// If fn returns an error, nothing is written and Update returns that error,
// wrapped. A bundle that does not authenticate is an error and is never
// overwritten. The entries fn leaves must obey the rules of [Resolve]. fn
// must not write to the store itself: such a write would wait for the lock
// that Update holds, so it fails at once with an error saying so.
func (s *FileStore) Update(ctx context.Context, name string, fn func(env map[string]string) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	full := fullName(s.env, name)
	if fn == nil {
		return &BundleError{Bundle: full, Err: errors.New("Update with a nil func")}
	}
	return s.write(ctx, name, func(root *os.Root, key Key) ([]byte, error) {
		cur, _, err := s.current(root, name, full, key)
		if err != nil {
			return nil, err
		}
		env := cur.Env
		if err := s.keys.callback(func() error { return fn(env) }); err != nil {
			return nil, &BundleError{Bundle: full, Err: err}
		}
		if err := checkBundle(full, env); err != nil {
			return nil, err
		}
		return sealBundleInfo(key, full, seal.Kept(cur, env))
	})
}

// current returns the bundle name, whose full name is full, for a change
// under key: opened, or an empty one when it does not exist, the store's
// key being checked then. exists reports which. A bundle that does not open
// is an error: a change never overwrites it.
func (s *FileStore) current(root *os.Root, name, full string, key Key) (cur seal.Bundle, exists bool, err error) {
	cur, exists, err = s.readBundle(root, name, full, key)
	switch {
	case errors.Is(err, ErrNotFound):
		if err := s.checkStoreKey(key, name); err != nil {
			return seal.Bundle{}, false, err
		}
		return seal.Bundle{Env: map[string]string{}, Descriptions: map[string]string{}}, false, nil
	case err != nil:
		return seal.Bundle{}, exists, err
	}
	return cur, true, nil
}

// Delete removes the bundle called name. A bundle that does not exist is an
// error wrapping [ErrNotFound].
func (s *FileStore) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	full := fullName(s.env, name)
	return s.locked(ctx, s.env, func(root *os.Root) error {
		file := name + sealedExt
		if _, err := root.Lstat(file); errors.Is(err, fs.ErrNotExist) {
			return &BundleError{Bundle: full, Err: ErrNotFound}
		}
		if err := s.recordVersion(root, name, full, nil); err != nil {
			return err
		}
		if err := root.Remove(file); err != nil {
			return &BundleError{Bundle: full, Err: err}
		}
		return syncDir(root)
	})
}

// List returns the names of the bundles of the store's environment, sorted.
// Lock and temporary files, and files that are not bundles, are left out.
// It does not open the bundles.
func (s *FileStore) List(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.listNames(s.env)
}

// Environments returns the store's environments that hold bundles, or held
// some, sorted, DefaultEnvironment always among them.
func (s *FileStore) Environments(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	envs, err := s.environments()
	if err != nil {
		return nil, err
	}
	out := append([]string{DefaultEnvironment}, envs[1:]...)
	slices.Sort(out)
	return out, nil
}

// environments returns the environments of the store, the default one
// first, as "".
func (s *FileStore) environments() ([]string, error) {
	envs := []string{""}
	d, err := os.Open(filepath.Join(s.base, environmentsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return envs, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store folder: %w", err)
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("store folder: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() && rules.ValidName(e.Name()) && e.Name() != DefaultEnvironment {
			envs = append(envs, e.Name())
		}
	}
	slices.Sort(envs[1:])
	return envs, nil
}

// Rotate re-seals every bundle, in every environment, under newKey, then
// makes newKey the store's key. It holds the writer lock throughout. Get on
// this FileStore keeps working while Rotate runs, whichever key each bundle
// is under at that moment; other processes reading the store with the old
// key fail to open the bundles already re-sealed, with a *WrongKeyError
// naming the key id they need.
//
// Each bundle file is replaced atomically, so an interrupted Rotate (an error,
// a cancelled ctx, a crash) leaves every bundle whole, some sealed under the
// old key and the rest under newKey; the store keeps the old key. Keep the old
// key until Rotate returns nil: running Rotate again with newKey, from a store
// opened with the old key, skips the bundles already sealed under newKey and
// finishes the rest. Other processes writing with the old key while Rotate
// runs, or after, would seal their bundles under the old key: stop them first.
//
// A bundle that opens under neither key stops Rotate with an error wrapping
// [ErrAuthFailed]. The zero Key is refused.
func (s *FileStore) Rotate(ctx context.Context, newKey Key) error {
	if newKey.isZero() {
		return errors.New("Rotate: the new key is the zero Key")
	}
	if err := s.keys.checkNotInCallback(); err != nil {
		return err
	}
	envs, err := s.environments()
	if err != nil {
		return err
	}
	return s.locked(ctx, "", func(*os.Root) error {
		oldKey, _, _ := s.keys.get()
		// Let Get open the bundles already re-sealed. The store keeps oldKey
		// unless every bundle is done.
		s.keys.set(oldKey, newKey)
		done := false
		defer func() {
			if done {
				s.keys.set(newKey, Key{})
			} else {
				s.keys.set(oldKey, Key{})
			}
		}()
		for _, env := range envs {
			if err := s.rotateEnvironment(ctx, env, oldKey, newKey); err != nil {
				return err
			}
		}
		done = true
		return nil
	})
}

// rotateEnvironment re-seals the bundles of environment env under newKey.
// The caller holds the lock.
func (s *FileStore) rotateEnvironment(ctx context.Context, env string, oldKey, newKey Key) error {
	current, err := s.listNames(env)
	if err != nil {
		return err
	}
	past, err := s.historyNames(env)
	if err != nil {
		return err
	}
	names := slices.Compact(slices.Sorted(slices.Values(append(current, past...))))
	if len(names) == 0 {
		return nil
	}
	root, err := os.OpenRoot(s.bundleDir(env))
	if err != nil {
		return fmt.Errorf("store folder: %w", err)
	}
	defer root.Close()
	for _, name := range names {
		full := fullName(env, name)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("Rotate stopped before bundle %q; run it again to finish: %w", full, err)
		}
		if slices.Contains(current, name) {
			if err := s.rotateBundle(root, name, full, oldKey, newKey); err != nil {
				return fmt.Errorf("Rotate stopped; run it again to finish: %w", err)
			}
		}
		if err := s.rotateHistory(root, name, full, oldKey, newKey); err != nil {
			return fmt.Errorf("Rotate stopped; run it again to finish: %w", err)
		}
	}
	return nil
}

// rotateBundle re-seals bundle name, sealed under oldKey, under newKey. A
// bundle already under newKey (an earlier Rotate was interrupted) is left
// as it is.
func (s *FileStore) rotateBundle(root *os.Root, name, full string, oldKey, newKey Key) error {
	data, err := readSealed(root, name, full)
	if err != nil {
		return err
	}
	if id, ok := seal.SealedKeyID(data); ok && id == newKey.id() {
		if _, err := s.open(newKey, full, data); err == nil {
			return nil
		}
	}
	b, err := s.openBundle(oldKey, full, data)
	if err != nil {
		return err
	}
	sealed, err := sealBundleInfo(newKey, full, b)
	if err != nil {
		return err
	}
	return s.replace(root, name, full, sealed)
}

// checkStoreKey refuses to seal bundle name under key when the store's other
// bundles, in any environment, are sealed under another key, unless the
// options allow it. It looks at the header of one other bundle. The caller
// holds the lock.
func (s *FileStore) checkStoreKey(key Key, name string) error {
	if s.opts.AllowKeyChange {
		return nil
	}
	envs, err := s.environments()
	if err != nil {
		return err
	}
	for _, env := range envs {
		names, err := s.listNames(env)
		if err != nil {
			return err
		}
		for _, other := range names {
			if env == s.env && other == name {
				continue
			}
			id, ok := s.sealedKeyID(env, other)
			if !ok {
				continue
			}
			if id != key.id() {
				return &WrongKeyError{Bundle: fullName(s.env, name), Sealed: id.String(), Used: key.ID(),
					KeySource: s.opts.KeySource, Writing: true}
			}
			return nil
		}
	}
	return nil
}

// sealedKeyID returns the key id in the header of bundle name of env, if it
// can be read.
func (s *FileStore) sealedKeyID(env, name string) (seal.KeyID, bool) {
	root, err := os.OpenRoot(s.bundleDir(env))
	if err != nil {
		return seal.KeyID{}, false
	}
	defer root.Close()
	data, err := readSealed(root, name, fullName(env, name))
	if err != nil {
		return seal.KeyID{}, false
	}
	return seal.SealedKeyID(data)
}

// locked runs fn, holding the writer lock, on the folder of environment env,
// creating it if needed. The lock, in the store's folder, serialises Set,
// Update, Delete and Rotate across goroutines, processes and environments.
// Stray temporary files of crashed writers are removed first.
func (s *FileStore) locked(ctx context.Context, env string, fn func(root *os.Root) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.keys.checkNotInCallback(); err != nil {
		return err
	}
	base, err := os.OpenRoot(s.base)
	if err != nil {
		return fmt.Errorf("store folder: %w", err)
	}
	defer base.Close()
	unlock, err := lockfile.Lock(ctx, base, lockName)
	if err != nil {
		return fmt.Errorf("store lock: %w", err)
	}
	defer unlock()
	if env != "" {
		for _, dir := range []string{environmentsDir, filepath.Join(environmentsDir, env)} {
			if err := base.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("store folder of environment %s: %w", env, err)
			}
		}
	}
	root, err := os.OpenRoot(s.bundleDir(env))
	if err != nil {
		return fmt.Errorf("store folder: %w", err)
	}
	defer root.Close()
	removeStrayTemps(root)
	return fn(root)
}

// write takes the writer lock and replaces bundle name with what build
// returns, given the folder and the store's key.
func (s *FileStore) write(ctx context.Context, name string, build func(*os.Root, Key) ([]byte, error)) error {
	return s.locked(ctx, s.env, func(root *os.Root) error {
		key, _, _ := s.keys.get()
		data, err := build(root, key)
		if err != nil {
			return err
		}
		full := fullName(s.env, name)
		if err := s.recordVersion(root, name, full, data); err != nil {
			return err
		}
		return s.replace(root, name, full, data)
	})
}

// replace atomically replaces the file of bundle name with data: a new file
// in the folder, created 0600, synced, renamed into place, and the folder
// synced. The caller holds the writer lock. On failure no temporary file is
// left and the old bundle is untouched.
func (s *FileStore) replace(root *os.Root, name, full string, data []byte) (err error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return &BundleError{Bundle: full, Err: fmt.Errorf("writing: %w", err)}
	}
	tmp := "." + name + "." + hex.EncodeToString(rnd[:]) + ".tmp"
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return &BundleError{Bundle: full, Err: fmt.Errorf("writing: %w", err)}
	}
	defer func() {
		if err != nil {
			root.Remove(tmp)
			err = &BundleError{Bundle: full, Err: fmt.Errorf("writing: %w", err)}
		}
	}()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if s.beforeRename != nil {
		if err := s.beforeRename(name); err != nil {
			return err
		}
	}
	// os.Root.Rename needs Go 1.25 and the module says go 1.24, so rename by
	// path. Both names are plain file names checked by checkName, the rename
	// replaces whatever entry is at the target (a symlink included, never its
	// target), and the folder is 0700: only someone who can replace the
	// folder itself could redirect it. TODO(go1.25): root.Rename.
	if err := os.Rename(filepath.Join(root.Name(), tmp), filepath.Join(root.Name(), name+sealedExt)); err != nil {
		return err
	}
	return syncDir(root)
}

// removeStrayTemps removes the temporary files that writers killed between
// creating and renaming them left in root: ".<name>.<16 hex digits>.tmp".
// The caller holds the writer lock, so no write is under way. A failure
// changes nothing that matters: readers ignore them.
func removeStrayTemps(root *os.Root) {
	d, err := root.Open(".")
	if err != nil {
		return
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return
	}
	for _, e := range entries {
		if isTempName(e.Name()) && e.Type().IsRegular() {
			root.Remove(e.Name())
		}
	}
}

// isTempName reports whether file is the name of a temporary file of
// replace.
func isTempName(file string) bool {
	rest, ok := strings.CutPrefix(file, ".")
	if !ok {
		return false
	}
	rest, ok = strings.CutSuffix(rest, ".tmp")
	if !ok {
		return false
	}
	name, rnd, ok := strings.Cut(rest, ".")
	if !ok || !rules.ValidName(name) || len(rnd) != 16 {
		return false
	}
	_, err := hex.DecodeString(rnd)
	return err == nil
}

// syncDir makes a rename or removal in the root folder durable.
func syncDir(root *os.Root) error {
	d, err := root.Open(".")
	if err != nil {
		return fmt.Errorf("syncing store folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing store folder: %w", err)
	}
	return nil
}

// readSealed reads the file of bundle name, whose full name is full,
// refusing a symbolic link or anything but a regular file, and a file over
// seal.MaxSize.
//
// It opens first and checks after: the open is non-blocking, so a FIFO put
// in the bundle's place cannot make it wait, and what was opened is checked
// to be the regular file at the bundle's path (os.Root follows symbolic links
// inside the root even with O_NOFOLLOW). A writer may rename a new bundle
// into place meanwhile; then it reads again, so that readers racing with
// writers see the old bundle or the new one, never an error.
func readSealed(root *os.Root, name, full string) ([]byte, error) {
	file := name + sealedExt
	for try := 0; try < 10; try++ {
		data, again, err := readSealedOnce(root, file)
		if !again {
			if err != nil {
				return nil, &BundleError{Bundle: full, Err: err}
			}
			return data, nil
		}
	}
	return nil, &BundleError{Bundle: full, Err: fmt.Errorf("%s kept changing while it was being opened; refusing it", file)}
}

// readSealedOnce is one try of readSealed. again reports that the file at
// the path changed between the open and the check.
func readSealedOnce(root *os.Root, file string) (data []byte, again bool, err error) {
	f, err := root.OpenFile(file, os.O_RDONLY|regular.ONonblock, 0)
	if err != nil {
		// Say "symbolic link" for one that dangles or leaves the folder.
		if li, lerr := root.Lstat(file); lerr == nil && li.Mode()&fs.ModeSymlink != 0 {
			return nil, false, fmt.Errorf("%s is a symbolic link; refusing to follow it", file)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, ErrNotFound
		}
		return nil, false, err
	}
	defer f.Close()
	li, err := root.Lstat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, true, nil // removed since the open: look again
	}
	if err != nil {
		return nil, false, err
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		return nil, false, fmt.Errorf("%s is a symbolic link; refusing to follow it", file)
	}
	data, fi, err := regular.Read(f, seal.MaxSize)
	var tl *regular.TooLargeError
	switch {
	case fi != nil && !os.SameFile(li, fi):
		return nil, true, nil // replaced since the open: look again
	case errors.Is(err, regular.ErrNotRegular):
		return nil, false, fmt.Errorf("%s is not a regular file", file)
	case errors.As(err, &tl):
		return nil, false, fmt.Errorf("sealed file is %d bytes, over the limit of %d: %w", tl.Size, seal.MaxSize, ErrAuthFailed)
	case err != nil:
		return nil, false, err
	}
	return data, false, nil
}

// listNames returns the sorted names of the bundle files of environment env.
func (s *FileStore) listNames(env string) ([]string, error) {
	d, err := os.Open(s.bundleDir(env))
	if errors.Is(err, fs.ErrNotExist) && env != "" {
		return nil, nil // no bundle in this environment yet
	}
	if err != nil {
		return nil, fmt.Errorf("store folder: %w", err)
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("store folder: %w", err)
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), sealedExt)
		if ok && rules.ValidName(name) && e.Type().IsRegular() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// sealBundleInfo seals b as the bundle whose full name is full, under key.
func sealBundleInfo(key Key, full string, b seal.Bundle) ([]byte, error) {
	data, err := seal.SealBundle(key.bytes(), full, b, rand.Reader)
	if err != nil {
		return nil, &BundleError{Bundle: full, Err: err}
	}
	return data, nil
}

// open authenticates and decodes data, the sealed bundle whose full name is
// full, under key, and returns its entries. Every failure wraps
// ErrAuthFailed and names the bundle.
func (s *FileStore) open(key Key, full string, data []byte) (map[string]string, error) {
	b, err := s.openBundle(key, full, data)
	return b.Env, err
}

// openBundle is open with the bundle's info.
func (s *FileStore) openBundle(key Key, full string, data []byte) (seal.Bundle, error) {
	return openSealed(key, full, data, s.opts.KeySource)
}

// openSealed authenticates and decodes data, the sealed bundle whose full
// name is full, under key, which came from keySource. A bundle sealed under
// another key is a *WrongKeyError; every other failure a *BundleError
// wrapping ErrAuthFailed.
func openSealed(key Key, full string, data []byte, keySource string) (seal.Bundle, error) {
	b, err := seal.OpenBundle(key.bytes(), full, data)
	var wk *seal.WrongKeyError
	switch {
	case err == nil:
		return b, nil
	case errors.As(err, &wk):
		return seal.Bundle{}, &WrongKeyError{Bundle: full, Sealed: wk.Sealed.String(), Used: wk.Used.String(), KeySource: keySource}
	}
	return seal.Bundle{}, &BundleError{Bundle: full, Err: err}
}

package secret

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/envseal/secret/internal/regular"

	"github.com/envseal/secret/internal/lockfile"
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

// FileStore is the local encrypted store: a folder holding one sealed file per
// bundle, each encrypted and authenticated under the store's [Key] (see
// package internal/seal for the format). It is a [Store], and the default Store of
// [FromName].
//
// Bundle names match [a-z0-9][a-z0-9_-]{0,63}; a name is checked before any
// file-system call, and every access goes through an [os.Root] on the folder.
// Bundle files are created with mode 0600, and symbolic links in their place
// are refused. A write seals the bundle into a new temporary file in the
// folder, syncs it, renames it over the old file and syncs the folder, so a
// reader sees the old bundle or the new one, never a mix, and a crash leaves
// at worst a stray ".<name>.<random>.tmp" file, which is ignored. Writers (Set,
// Update, Delete, Rotate) hold an exclusive flock(2) on the folder's ".lock"
// file, which serialises them across goroutines and processes; readers take
// no lock. Writing needs flock, so it works on Unix systems only; elsewhere
// (Windows) the writing methods return an error saying so, and Get and List
// work.
//
// Any failure to authenticate a bundle file (wrong key, a modified, truncated
// or renamed file) is one opaque error that wraps [ErrAuthFailed] and names
// the bundle. A missing bundle wraps [ErrNotFound]. Errors never contain a
// value or key material.
//
// A FileStore is safe for concurrent use.
type FileStore struct {
	dir string

	mu  sync.RWMutex // guards key, next and gen, which Rotate changes
	key Key
	// next is the key a running Rotate is re-sealing bundles under, and the
	// zero Key at other times. gen counts the changes to key and next.
	next Key
	gen  uint64

	// beforeRename, when not nil, runs after the new sealed file is written
	// and synced and before it is renamed into place; an error aborts the
	// write. Tests inject failures with it.
	beforeRename func(name string) error
}

var _ WritableStore = (*FileStore)(nil)

// OpenFileStore returns the store in folder dir, sealed under key. It creates
// dir, and any missing parents, with mode 0700. An existing dir that group or
// others may access is refused, with an error saying to run chmod 700 on it:
// the store never changes the mode of a folder it did not create. The zero
// Key is refused.
func OpenFileStore(dir string, key Key) (*FileStore, error) {
	if key.isZero() {
		return nil, errors.New("OpenFileStore: the key is the zero Key; use GenerateKey, ParseKey or LoadKey")
	}
	if dir == "" {
		return nil, errors.New("OpenFileStore: empty folder name")
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
	return &FileStore{dir: abs, key: key}, nil
}

// Dir returns the store's folder, as an absolute path.
func (s *FileStore) Dir() string { return s.dir }

func (s *FileStore) currentKey() Key {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.key
}

// keys returns the store's key, the key a running Rotate is sealing under
// (or the zero Key), and their generation.
func (s *FileStore) keys() (key, next Key, gen uint64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.key, s.next, s.gen
}

// setKeys sets the store's key and the key of a running Rotate.
func (s *FileStore) setKeys(key, next Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key, s.next = key, next
	s.gen++
}

// Get returns the bundle called name. A bundle that does not exist is an
// error wrapping [ErrNotFound]; one that does not authenticate under the
// store's key, an error wrapping [ErrAuthFailed]. The map is the caller's.
func (s *FileStore) Get(ctx context.Context, name string) (map[string]string, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := s.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	// Readers take no lock, so a Rotate of this store may be re-sealing
	// bundles meanwhile: a bundle under the key Rotate is sealing under opens
	// with that key, and a read that raced with the start or the end of a
	// Rotate is tried again. Other processes get no such help.
	for try := 0; ; try++ {
		key, next, gen := s.keys()
		data, err := readSealed(root, name)
		if err != nil {
			return nil, err
		}
		if id, ok := seal.SealedKeyID(data); ok && !next.isZero() && id == next.id() {
			key = next
		}
		env, err := openBundle(key, name, data)
		if err == nil || try == 2 {
			return env, err
		}
		if _, _, now := s.keys(); now == gen {
			return nil, err
		}
	}
}

// Set replaces the bundle called name with the entries of env, creating it
// if needed; a nil env stores an empty bundle. Every key and value must obey
// the rules of [Resolve], so that the store never holds a bundle that Resolve
// would reject; otherwise nothing is written and the error names each bad key.
func (s *FileStore) Set(ctx context.Context, name string, env map[string]string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := checkBundle(name, env); err != nil {
		return err
	}
	return s.write(ctx, name, func(root *os.Root, key Key) ([]byte, error) {
		return sealBundle(key, name, env)
	})
}

// Update changes the bundle called name under the store's writer lock, so
// that concurrent updates, in this process or others, are never lost.
//
// fn gets a copy of the bundle, or an empty map if there is no such bundle,
// and changes it in place. If fn returns nil, the map as fn left it replaces
// the bundle (an empty map leaves an empty bundle; use Delete to remove it).
// If fn returns an error, nothing is written and Update returns that error,
// wrapped. A bundle that does not authenticate is an error and is never
// overwritten. The entries fn leaves must obey the rules of [Resolve].
func (s *FileStore) Update(ctx context.Context, name string, fn func(env map[string]string) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	if fn == nil {
		return &BundleError{Bundle: name, Err: errors.New("Update with a nil func")}
	}
	return s.write(ctx, name, func(root *os.Root, key Key) ([]byte, error) {
		env := map[string]string{}
		data, err := readSealed(root, name)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return nil, err
		default:
			if env, err = openBundle(key, name, data); err != nil {
				return nil, err
			}
		}
		if err := fn(env); err != nil {
			return nil, &BundleError{Bundle: name, Err: err}
		}
		if err := checkBundle(name, env); err != nil {
			return nil, err
		}
		return sealBundle(key, name, env)
	})
}

// Delete removes the bundle called name. A bundle that does not exist is an
// error wrapping [ErrNotFound].
func (s *FileStore) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	return s.locked(ctx, func(root *os.Root) error {
		file := name + sealedExt
		if _, err := root.Lstat(file); errors.Is(err, fs.ErrNotExist) {
			return &BundleError{Bundle: name, Err: ErrNotFound}
		}
		if err := root.Remove(file); err != nil {
			return &BundleError{Bundle: name, Err: err}
		}
		return syncDir(root)
	})
}

// List returns the names of the bundles in the store, sorted. Lock and
// temporary files, and files that are not bundles, are left out. It does not
// open the bundles.
func (s *FileStore) List(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := s.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return listNames(root)
}

// Rotate re-seals every bundle under newKey, then makes newKey the store's
// key. It holds the writer lock throughout. Get on this FileStore keeps
// working while Rotate runs, whichever key each bundle is under at that
// moment; other processes reading the store with the old key fail to open
// the bundles already re-sealed.
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
	return s.locked(ctx, func(root *os.Root) error {
		names, err := listNames(root)
		if err != nil {
			return err
		}
		oldKey := s.currentKey()
		// Let Get open the bundles already re-sealed. The store keeps oldKey
		// unless every bundle is done.
		s.setKeys(oldKey, newKey)
		done := false
		defer func() {
			if done {
				s.setKeys(newKey, Key{})
			} else {
				s.setKeys(oldKey, Key{})
			}
		}()
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("Rotate stopped before bundle %q; run it again to finish: %w", name, err)
			}
			if err := s.rotateBundle(root, name, oldKey, newKey); err != nil {
				return fmt.Errorf("Rotate stopped; run it again to finish: %w", err)
			}
		}
		done = true
		return nil
	})
}

// rotateBundle re-seals bundle name, sealed under oldKey, under newKey. A
// bundle already under newKey (an earlier Rotate was interrupted) is left
// as it is.
func (s *FileStore) rotateBundle(root *os.Root, name string, oldKey, newKey Key) error {
	data, err := readSealed(root, name)
	if err != nil {
		return err
	}
	env, err := openBundle(oldKey, name, data)
	if err != nil {
		if id, ok := seal.SealedKeyID(data); ok && id == newKey.id() {
			if _, err2 := openBundle(newKey, name, data); err2 == nil {
				return nil
			}
		}
		return err
	}
	sealed, err := sealBundle(newKey, name, env)
	if err != nil {
		return err
	}
	return s.replace(root, name, sealed)
}

// locked opens the store's folder and runs fn on it holding the writer lock,
// which serialises Set, Update, Delete and Rotate across goroutines and
// processes.
func (s *FileStore) locked(ctx context.Context, fn func(root *os.Root) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	root, err := s.openRoot()
	if err != nil {
		return err
	}
	defer root.Close()
	unlock, err := lockfile.Lock(ctx, root, lockName)
	if err != nil {
		return err
	}
	defer unlock()
	return fn(root)
}

// write takes the writer lock and replaces bundle name with what build
// returns, given the root and the store's key.
func (s *FileStore) write(ctx context.Context, name string, build func(*os.Root, Key) ([]byte, error)) error {
	return s.locked(ctx, func(root *os.Root) error {
		data, err := build(root, s.currentKey())
		if err != nil {
			return err
		}
		return s.replace(root, name, data)
	})
}

// replace atomically replaces the file of bundle name with data: a new file
// in the folder, created 0600, synced, renamed into place, and the folder
// synced. The caller holds the writer lock. On failure no temporary file is
// left and the old bundle is untouched.
func (s *FileStore) replace(root *os.Root, name string, data []byte) (err error) {
	var rnd [8]byte
	if _, err := io.ReadFull(rand.Reader, rnd[:]); err != nil {
		return &BundleError{Bundle: name, Err: fmt.Errorf("writing: %w", err)}
	}
	tmp := "." + name + "." + hex.EncodeToString(rnd[:]) + ".tmp"
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return &BundleError{Bundle: name, Err: fmt.Errorf("writing: %w", err)}
	}
	defer func() {
		if err != nil {
			root.Remove(tmp)
			err = &BundleError{Bundle: name, Err: fmt.Errorf("writing: %w", err)}
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
	if err := os.Rename(filepath.Join(s.dir, tmp), filepath.Join(s.dir, name+sealedExt)); err != nil {
		return err
	}
	return syncDir(root)
}

func (s *FileStore) openRoot() (*os.Root, error) {
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, fmt.Errorf("store folder: %w", err)
	}
	return root, nil
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

// readSealed reads the file of bundle name, refusing a symbolic link or
// anything but a regular file, and a file over seal.MaxSize.
//
// It opens first and checks after: the open is non-blocking, so a FIFO put
// in the bundle's place cannot make it wait, and what was opened is checked
// to be the regular file at the bundle's path (os.Root follows symbolic links
// inside the root even with O_NOFOLLOW). A writer may rename a new bundle
// into place meanwhile; then it reads again, so that readers racing with
// writers see the old bundle or the new one, never an error.
func readSealed(root *os.Root, name string) ([]byte, error) {
	file := name + sealedExt
	for try := 0; try < 10; try++ {
		data, again, err := readSealedOnce(root, name, file)
		if !again {
			return data, err
		}
	}
	return nil, &BundleError{Bundle: name, Err: fmt.Errorf("%s kept changing while it was being opened; refusing it", file)}
}

// readSealedOnce is one try of readSealed. again reports that the file at
// the path changed between the open and the check.
func readSealedOnce(root *os.Root, name, file string) (data []byte, again bool, err error) {
	f, err := root.OpenFile(file, os.O_RDONLY|regular.ONonblock, 0)
	if err != nil {
		// Say "symbolic link" for one that dangles or leaves the folder.
		if li, lerr := root.Lstat(file); lerr == nil && li.Mode()&fs.ModeSymlink != 0 {
			return nil, false, &BundleError{Bundle: name, Err: fmt.Errorf("%s is a symbolic link; refusing to follow it", file)}
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, &BundleError{Bundle: name, Err: ErrNotFound}
		}
		return nil, false, &BundleError{Bundle: name, Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, false, &BundleError{Bundle: name, Err: err}
	}
	li, err := root.Lstat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, true, nil // removed since the open: look again
	}
	if err != nil {
		return nil, false, &BundleError{Bundle: name, Err: err}
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		return nil, false, &BundleError{Bundle: name, Err: fmt.Errorf("%s is a symbolic link; refusing to follow it", file)}
	}
	if !os.SameFile(li, fi) {
		return nil, true, nil // replaced since the open: look again
	}
	if !fi.Mode().IsRegular() {
		return nil, false, &BundleError{Bundle: name, Err: fmt.Errorf("%s is not a regular file", file)}
	}
	if fi.Size() > seal.MaxSize {
		return nil, false, &BundleError{Bundle: name, Err: fmt.Errorf("sealed file is %d bytes, over the limit of %d: %w", fi.Size(), seal.MaxSize, ErrAuthFailed)}
	}
	data, err = io.ReadAll(io.LimitReader(f, seal.MaxSize+1))
	if err != nil {
		return nil, false, &BundleError{Bundle: name, Err: err}
	}
	return data, false, nil
}

// listNames returns the sorted names of the bundle files in root.
func listNames(root *os.Root) ([]string, error) {
	d, err := root.Open(".")
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

// sealBundle seals env as bundle name under key.
func sealBundle(key Key, name string, env map[string]string) ([]byte, error) {
	data, err := seal.Seal(key.bytes(), name, env, rand.Reader)
	if err != nil {
		return nil, &BundleError{Bundle: name, Err: err}
	}
	return data, nil
}

// openBundle authenticates and decodes data, the sealed bundle name, under
// key. Every failure wraps ErrAuthFailed and names the bundle.
func openBundle(key Key, name string, data []byte) (map[string]string, error) {
	env, err := seal.Open(key.bytes(), name, data)
	if err != nil {
		return nil, &BundleError{Bundle: name, Err: err}
	}
	return env, nil
}

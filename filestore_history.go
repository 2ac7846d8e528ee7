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
	"strconv"
	"time"

	"github.com/envseal/secret/internal/history"
	"github.com/envseal/secret/internal/regular"
	"github.com/envseal/secret/internal/seal"
)

// historyDir is the folder, in an environment's folder, of the histories of
// its bundles: one subfolder per bundle, one file per version, named by its
// number and holding a history record (see package internal/seal).
const historyDir = ".history"

var _ HistoryStore = (*FileStore)(nil)

// historyPath returns the path, relative to an environment's folder, of the
// history of bundle name, or of its version n when n > 0.
func historyPath(name string, n int) string {
	if n == 0 {
		return filepath.Join(historyDir, name)
	}
	return filepath.Join(historyDir, name, strconv.Itoa(n))
}

// versions returns the version numbers kept of bundle name in root, sorted.
func versions(root *os.Root, name string) ([]int, error) {
	d, err := root.Open(historyPath(name, 0))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var ns []int
	for _, n := range names {
		if v, err := strconv.Atoi(n); err == nil && v > 0 && strconv.Itoa(v) == n {
			ns = append(ns, v)
		}
	}
	slices.Sort(ns)
	return ns, nil
}

// recordVersion adds the next version of bundle name to its history, before
// the write that makes it current: the bundle's new sealed bytes, or its
// deletion (sealed nil). A bundle that has a current file but no history yet
// (written before histories existed) gets that file as its version 1 first.
// Versions beyond the store's limit are removed. The caller holds the lock.
func (s *FileStore) recordVersion(root *os.Root, name, full string, sealed []byte) error {
	limit := history.Limit(s.opts.History)
	if limit == 0 {
		return nil
	}
	ns, err := versions(root, name)
	if err != nil {
		return &BundleError{Bundle: full, Err: fmt.Errorf("history: %w", err)}
	}
	next := 1
	if len(ns) > 0 {
		next = ns[len(ns)-1] + 1
	}
	for _, dir := range []string{historyDir, historyPath(name, 0)} {
		if err := root.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return &BundleError{Bundle: full, Err: fmt.Errorf("history: %w", err)}
		}
	}
	if len(ns) == 0 {
		if cur, err := readSealed(root, name, full); err == nil {
			t := time.Now()
			if fi, err := root.Stat(name + sealedExt); err == nil {
				t = fi.ModTime()
			}
			if err := writeRecord(root, name, full, 1, seal.Record{Time: t, Sealed: cur}); err != nil {
				return err
			}
			ns, next = []int{1}, 2
		}
	}
	rec := seal.Record{Deleted: sealed == nil, Time: time.Now(), Sealed: sealed}
	if err := writeRecord(root, name, full, next, rec); err != nil {
		return err
	}
	for _, n := range history.Pruned(ns, next, limit) {
		root.Remove(historyPath(name, n))
	}
	return nil
}

// writeRecord writes version n of bundle name atomically: a temporary file
// in its history folder, synced, renamed into place, the folder synced.
func writeRecord(root *os.Root, name, full string, n int, rec seal.Record) (err error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return &BundleError{Bundle: full, Err: fmt.Errorf("history: %w", err)}
	}
	dir := historyPath(name, 0)
	tmp := filepath.Join(dir, "."+strconv.Itoa(n)+"."+hex.EncodeToString(rnd[:])+".tmp")
	defer func() {
		if err != nil {
			root.Remove(tmp)
			err = &BundleError{Bundle: full, Err: fmt.Errorf("history: %w", err)}
		}
	}()
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(seal.EncodeRecord(rec))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// By path, as replace does: os.Root.Rename needs Go 1.25.
	if err := os.Rename(filepath.Join(root.Name(), tmp), filepath.Join(root.Name(), historyPath(name, n))); err != nil {
		return err
	}
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// readRecord reads version n of bundle name.
func readRecord(root *os.Root, name, full string, n int) (seal.Record, error) {
	f, err := root.OpenFile(historyPath(name, n), os.O_RDONLY|regular.ONonblock, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return seal.Record{}, &BundleError{Bundle: full, Err: fmt.Errorf("version %d: %w", n, ErrNotFound)}
	}
	if err != nil {
		return seal.Record{}, &BundleError{Bundle: full, Err: fmt.Errorf("version %d: %w", n, err)}
	}
	defer f.Close()
	data, _, err := regular.Read(f, seal.MaxSize+64)
	if err != nil {
		return seal.Record{}, &BundleError{Bundle: full, Err: fmt.Errorf("version %d: %w", n, err)}
	}
	rec, err := seal.DecodeRecord(data)
	if err != nil {
		return seal.Record{}, &BundleError{Bundle: full, Err: fmt.Errorf("version %d: %w", n, err)}
	}
	return rec, nil
}

// openEnvRoot opens the folder of the store's environment for reading; ok
// is false when it does not exist yet (no bundle was ever written in it).
func (s *FileStore) openEnvRoot() (root *os.Root, ok bool, err error) {
	root, err = os.OpenRoot(s.bundleDir(s.env))
	if errors.Is(err, fs.ErrNotExist) && s.env != "" {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store folder: %w", err)
	}
	return root, true, nil
}

// History returns the versions of bundle name that the store keeps, oldest
// first, the current one last. A bundle written before histories existed
// has its current file as its only version. Opening each version to compare
// it with the one before needs the key it is sealed under.
func (s *FileStore) History(ctx context.Context, name string) ([]Version, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	full := fullName(s.env, name)
	root, ok, err := s.openEnvRoot()
	if err != nil || !ok {
		return nil, orNotFound(err, full)
	}
	defer root.Close()
	ns, err := versions(root, name)
	if err != nil {
		return nil, &BundleError{Bundle: full, Err: fmt.Errorf("history: %w", err)}
	}
	key, _, _ := s.keys.get()
	if len(ns) == 0 {
		// Written before histories existed, or with History < 0.
		data, err := readSealed(root, name, full)
		if err != nil {
			return nil, err
		}
		env, err := s.open(key, full, data)
		if err != nil {
			return nil, err
		}
		v := Version{Number: 1, Added: history.Keys(env)}
		if fi, err := root.Stat(name + sealedExt); err == nil {
			v.Time = fi.ModTime()
		}
		return []Version{v}, nil
	}
	records := make([]seal.Record, len(ns))
	for i, n := range ns {
		if records[i], err = readRecord(root, name, full, n); err != nil {
			return nil, err
		}
	}
	entries, err := history.Versions(ns, records, func(n int, sealed []byte) (map[string]string, error) {
		env, err := s.open(key, full, sealed)
		if err != nil {
			return nil, fmt.Errorf("version %d: %w", n, err)
		}
		return env, nil
	})
	if err != nil {
		return nil, err
	}
	return versionsOf(entries), nil
}

// versionsOf converts the entries of package history.
func versionsOf(entries []history.Entry) []Version {
	out := make([]Version, len(entries))
	for i, e := range entries {
		out[i] = Version(e)
	}
	return out
}

// orNotFound returns err, or for no error (an environment with no folder)
// the error of a bundle that does not exist.
func orNotFound(err error, full string) error {
	if err != nil {
		return err
	}
	return &BundleError{Bundle: full, Err: ErrNotFound}
}

// GetVersion returns the entries of version number of bundle name.
func (s *FileStore) GetVersion(ctx context.Context, name string, number int) (map[string]string, error) {
	b, err := s.getVersion(ctx, name, number)
	return b.Env, err
}

// getVersion returns version number of bundle name, with its info.
func (s *FileStore) getVersion(ctx context.Context, name string, number int) (seal.Bundle, error) {
	if err := checkName(name); err != nil {
		return seal.Bundle{}, err
	}
	if err := ctx.Err(); err != nil {
		return seal.Bundle{}, err
	}
	full := fullName(s.env, name)
	root, ok, err := s.openEnvRoot()
	if err != nil || !ok {
		return seal.Bundle{}, orNotFound(err, full)
	}
	defer root.Close()
	ns, err := versions(root, name)
	if err != nil {
		return seal.Bundle{}, &BundleError{Bundle: full, Err: fmt.Errorf("history: %w", err)}
	}
	key, _, _ := s.keys.get()
	if len(ns) == 0 && number == 1 {
		// A bundle from before histories: its current file is version 1.
		data, err := readSealed(root, name, full)
		if err != nil {
			return seal.Bundle{}, err
		}
		return s.openBundle(key, full, data)
	}
	rec, err := readRecord(root, name, full, number)
	if err != nil {
		return seal.Bundle{}, err
	}
	if rec.Deleted {
		return seal.Bundle{}, &BundleError{Bundle: full, Err: fmt.Errorf("version %d is the bundle's deletion: it has no entries", number)}
	}
	b, err := s.openBundle(key, full, rec.Sealed)
	if err != nil {
		return seal.Bundle{}, fmt.Errorf("version %d: %w", number, err)
	}
	return b, nil
}

// Rollback makes the entries of version number of bundle name current
// again, with the descriptions they had then, as a new version (Set's rules
// apply). The bundle is write-only after it if the version was, or if the
// bundle is now: a rollback never makes a bundle readable.
func (s *FileStore) Rollback(ctx context.Context, name string, number int) error {
	b, err := s.getVersion(ctx, name, number)
	if err != nil {
		return err
	}
	full := fullName(s.env, name)
	if err := checkBundle(full, b.Env); err != nil {
		return err
	}
	return s.write(ctx, name, func(root *os.Root, key Key) ([]byte, error) {
		if err := s.checkStoreKey(key, name); err != nil {
			return nil, err
		}
		if cur, _, err := s.readBundle(root, name, full, key); err == nil && cur.WriteOnly {
			b.WriteOnly = true
		}
		return sealBundleInfo(key, full, b)
	})
}

// rotateHistory re-seals the history of bundle name under newKey. The
// caller holds the lock.
func (s *FileStore) rotateHistory(root *os.Root, name, full string, oldKey, newKey Key) error {
	ns, err := versions(root, name)
	if err != nil {
		return &BundleError{Bundle: full, Err: fmt.Errorf("history: %w", err)}
	}
	for _, n := range ns {
		rec, err := readRecord(root, name, full, n)
		if err != nil {
			return err
		}
		if rec.Deleted {
			continue
		}
		if id, ok := seal.SealedKeyID(rec.Sealed); ok && id == newKey.id() {
			continue
		}
		b, err := s.openBundle(oldKey, full, rec.Sealed)
		if err != nil {
			return fmt.Errorf("version %d: %w", n, err)
		}
		if rec.Sealed, err = sealBundleInfo(newKey, full, b); err != nil {
			return err
		}
		if err := writeRecord(root, name, full, n, rec); err != nil {
			return err
		}
	}
	return nil
}

// historyNames returns the names of the bundles of env that have a history,
// deleted ones included.
func (s *FileStore) historyNames(env string) ([]string, error) {
	d, err := os.Open(filepath.Join(s.bundleDir(env), historyDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
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
		if e.IsDir() && ValidBundleName(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

package secret

import (
	"context"
	"errors"
	"maps"
	"os"

	"github.com/envseal/secret/internal/seal"
)

// GetWithInfo returns the entries of the bundle called name and its
// [BundleInfo], read together from one sealed file. A bundle that does not
// exist is an error wrapping [ErrNotFound]; one that does not open, an error
// wrapping [ErrAuthFailed]. The maps are the caller's.
func (s *FileStore) GetWithInfo(ctx context.Context, name string) (map[string]string, BundleInfo, error) {
	b, err := s.get(ctx, name)
	if err != nil {
		return nil, BundleInfo{}, err
	}
	return b.Env, infoOf(b), nil
}

// UpdateWithInfo changes the entries of the bundle called name and its
// [BundleInfo] together, under the store's writer lock, as [FileStore.Update]
// does, with the rules of [InfoStore]: fn gets copies of both (for a new
// bundle, an empty map and the zero BundleInfo), and when it returns nil
// they are written, if they obey the rules of entries and of BundleInfo. A
// description that breaks them is an error naming its key; a write that
// would clear WriteOnly, or set it on an existing bundle, is refused. fn
// must not write to the store itself.
func (s *FileStore) UpdateWithInfo(ctx context.Context, name string, fn func(env map[string]string, info *BundleInfo) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	full := fullName(s.env, name)
	if fn == nil {
		return &BundleError{Bundle: full, Err: errors.New("UpdateWithInfo with a nil func")}
	}
	return s.write(ctx, name, func(root *os.Root, key Key) ([]byte, error) {
		cur, exists, err := s.current(root, name, full, key)
		if err != nil {
			return nil, err
		}
		next, err := changeInfo(full, exists, cur, func(env map[string]string, info *BundleInfo) error {
			return s.keys.callback(func() error { return fn(env, info) })
		})
		if err != nil {
			return nil, err
		}
		return sealBundleInfo(key, full, next)
	})
}

// changeInfo calls fn on copies of the entries and info of cur, the bundle
// whose full name is full (exists reports whether it exists), and returns
// the bundle they make, or an error naming the bundle when fn fails or what
// it left breaks the rules. Every InfoStore applies it.
func changeInfo(full string, exists bool, cur seal.Bundle, fn func(env map[string]string, info *BundleInfo) error) (seal.Bundle, error) {
	env := maps.Clone(cur.Env)
	if env == nil {
		env = map[string]string{}
	}
	info := infoOf(cur)
	if err := fn(env, &info); err != nil {
		return seal.Bundle{}, &BundleError{Bundle: full, Err: err}
	}
	if err := checkBundle(full, env); err != nil {
		return seal.Bundle{}, err
	}
	next, err := seal.Changed(exists, cur, env, info.Descriptions, info.WriteOnly)
	if err != nil {
		return seal.Bundle{}, &BundleError{Bundle: full, Err: err}
	}
	return next, nil
}

// infoOf returns the info of b, with a map of descriptions of its own.
func infoOf(b seal.Bundle) BundleInfo {
	d := maps.Clone(b.Descriptions)
	if d == nil {
		d = map[string]string{}
	}
	return BundleInfo{Descriptions: d, WriteOnly: b.WriteOnly}
}

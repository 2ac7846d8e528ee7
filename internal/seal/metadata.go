package seal

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/envseal/secret/internal/rules"
)

// The rules of a bundle's metadata as every store applies them on a write,
// in one place for the store backends.

// ErrWriteOnlyStays refuses a write that would make a write-only bundle
// readable again.
var ErrWriteOnlyStays = errors.New("the bundle is write-only, and stays so: only deleting it ends that")

// ErrWriteOnlyAtCreation refuses to make an existing bundle write-only.
var ErrWriteOnlyAtCreation = errors.New("write-only is chosen when a bundle is created, since the values of an existing bundle may have been shown already: delete the bundle and set it again as write-only")

// Kept returns the bundle that a write of the entries env makes of cur, the
// bundle it replaces (the zero Bundle when there is none): env, with cur's
// write-only flag and the descriptions of cur's keys that env still has.
func Kept(cur Bundle, env map[string]string) Bundle {
	b := Bundle{Env: env, WriteOnly: cur.WriteOnly}
	for k, d := range cur.Descriptions {
		if _, ok := env[k]; ok {
			if b.Descriptions == nil {
				b.Descriptions = map[string]string{}
			}
			b.Descriptions[k] = d
		}
	}
	return b
}

// Changed returns the bundle that a write of the entries env and the
// metadata descriptions and writeOnly makes of cur, the bundle it replaces
// (exists reports whether there is one), or why the write is refused: a
// write-only bundle stays write-only, and an existing bundle does not
// become write-only; each description must pass rules.CheckDescription.
// Empty descriptions, and those of keys that env does not have, are
// dropped.
func Changed(exists bool, cur Bundle, env, descriptions map[string]string, writeOnly bool) (Bundle, error) {
	switch {
	case cur.WriteOnly && !writeOnly:
		return Bundle{}, ErrWriteOnlyStays
	case exists && !cur.WriteOnly && writeOnly:
		return Bundle{}, ErrWriteOnlyAtCreation
	}
	b := Bundle{Env: env, WriteOnly: writeOnly, Descriptions: map[string]string{}}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(descriptions)) {
		d := descriptions[k]
		if _, ok := env[k]; !ok || d == "" {
			continue
		}
		if err := rules.CheckDescription(d); err != nil {
			errs = append(errs, fmt.Errorf("key %s: %w", rules.QuoteKey(k), err))
			continue
		}
		b.Descriptions[k] = d
	}
	if err := errors.Join(errs...); err != nil {
		return Bundle{}, err
	}
	return b, nil
}

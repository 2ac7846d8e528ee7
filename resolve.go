package secret

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/envseal/secret/internal/rules"
)

// Resolver resolves sources into an [Env]. Its zero value resolves without
// declaration checks, reading [FromName] bundles from the default store.
//
// A Resolver is safe for concurrent use as long as its fields are not changed
// while Resolve runs.
type Resolver struct {
	// Store is where FromName sources look. When nil, FromName uses the
	// default local encrypted store, opened at most once per Resolve and only
	// when a FromName source is given.
	Store Store

	// Manifest declares the keys the workload needs. When nil, no declaration
	// checks are made.
	Manifest *Manifest

	// Strict also rejects keys that Manifest does not declare. It requires a
	// Manifest.
	Strict bool
}

// Resolve resolves sources with the zero [Resolver]: no declaration checks,
// and FromName bundles from the default store.
func Resolve(ctx context.Context, sources ...Source) (*Env, error) {
	var r Resolver
	return r.Resolve(ctx, sources...)
}

// Resolve loads the sources in order, merges them (for each key, the last
// source that sets it wins), checks every key and value, and validates the
// result against the Manifest.
//
// If a source fails, the error is a [*SourceError] naming it. If the merged
// secrets do not satisfy the Manifest, the error is a [*ValidationError] that
// lists every missing key. No partial Env is ever returned. A nil *Resolver
// resolves as the zero Resolver.
func (r *Resolver) Resolve(ctx context.Context, sources ...Source) (*Env, error) {
	if r == nil {
		r = &Resolver{}
	}
	if r.Strict && r.Manifest == nil {
		return nil, errors.New("Resolver.Strict is set but Resolver.Manifest is nil")
	}
	if r.Manifest != nil {
		// Checked before any source loads: a bad manifest is the caller's bug.
		if err := r.Manifest.validate(); err != nil {
			return nil, fmt.Errorf("invalid manifest: %w", err)
		}
	}
	for i, s := range sources {
		if s == nil {
			return nil, fmt.Errorf("source %d of %d is nil", i+1, len(sources))
		}
	}
	type loaded struct {
		name string
		m    map[string]string
	}
	var all []loaded
	total := 0
	var store Store // opened on first use
	for _, s := range flatten(sources) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name, m, err := r.load(ctx, s, &store)
		if err != nil {
			return nil, sourceError(name, err)
		}
		if err := checkEntries(name, m); err != nil {
			return nil, err
		}
		all = append(all, loaded{name, m})
		total += len(m)
	}
	// Sized once: for the keys of all sources, as if none overrode another.
	vars := make(map[string]envVar, total)
	for _, l := range all {
		for k, v := range l.m {
			vars[k] = envVar{value: v, origin: l.name}
		}
	}
	if r.Manifest != nil {
		if err := checkManifest(r.Manifest, vars, func(v envVar) string { return v.value }, r.Strict); err != nil {
			return nil, err
		}
	}
	return newEnv(vars), nil
}

// sourceError wraps err, from loading the source called name, in a
// *SourceError, unless it already is one (or several, joined) for that source.
func sourceError(name string, err error) error {
	var se *SourceError
	if errors.As(err, &se) && se.Source == name {
		return err
	}
	return &SourceError{Source: name, Err: err}
}

// load loads s, giving a FromName source the Resolver's store, and returns
// the name to report it by: its Name, but for a FromName source of a store
// outside the default environment, "name:ENVIRONMENT/NAME". An optional
// FromName source yields nothing when the bundle does not exist, but not
// when the store does not open.
func (r *Resolver) load(ctx context.Context, s Source, store *Store) (string, map[string]string, error) {
	optional := false
	if o, ok := s.(optionalSource); ok {
		if _, isName := o.src.(nameSource); isName {
			s, optional = o.src, true
		}
	}
	ns, ok := s.(nameSource)
	if !ok {
		m, err := s.Load(ctx)
		return s.Name(), m, err
	}
	if *store == nil {
		if r.Store != nil {
			*store = r.Store
		} else {
			st, err := defaultStore()
			if err != nil {
				return s.Name(), nil, err
			}
			*store = st
		}
	}
	m, err := ns.loadFrom(ctx, *store)
	if optional {
		m, err = orNothing(m, err)
	}
	return ns.nameIn(*store), m, err
}

// multiSource is a Source made of several, such as FromDotenv with several
// files. Resolve loads the parts as separate sources, so that Origin and
// errors name the part.
type multiSource interface {
	parts() []Source
}

// flatten returns sources with every multiSource, optional or not, replaced
// by its parts.
func flatten(sources []Source) []Source {
	if !slices.ContainsFunc(sources, func(s Source) bool { _, ok := partsOf(s); return ok }) {
		return sources
	}
	var out []Source
	for _, s := range sources {
		if parts, ok := partsOf(s); ok {
			out = append(out, parts...)
			continue
		}
		out = append(out, s)
	}
	return out
}

// checkEntries applies the key and value rules to what one source loaded,
// reporting every violation, in key order. Keys are sorted only when one
// fails.
func checkEntries(source string, m map[string]string) error {
	var bad []string
	for k, v := range m {
		if rules.CheckEntry(k, v) != nil {
			bad = append(bad, k)
		}
	}
	if bad == nil {
		return nil
	}
	slices.Sort(bad)
	errs := make([]error, len(bad))
	for i, k := range bad {
		errs[i] = &SourceError{Source: source, Key: k, Err: rules.CheckEntry(k, m[k])}
	}
	return errors.Join(errs...)
}

// ValidKey reports whether k is a key that Resolve accepts: it matches
// [A-Za-z_][A-Za-z0-9_]* and is at most 16,384 bytes long.
func ValidKey(k string) bool { return rules.ValidKey(k) }

package secret

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"strconv"
)

// Optional returns a Source that loads s, except that what s reads not
// existing is no error: it yields no keys. It is how a .env file that exists
// in development and not in production, or a secret folder mounted on some
// machines only, joins the sources without a wrapper of the caller's own:
//
//	env, err := secret.Resolve(ctx,
//		secret.FromName("app"),
//		secret.Optional(secret.FromDotenv(".env.local")), // a developer's overrides, if any
//	)
//
// "Does not exist" means, for each source of this package:
//
//   - [FromDotenv]: a file that does not exist is skipped; with several
//     files, the others still load, each as a source of its own.
//   - [FromDir]: the folder does not exist.
//   - [FromName]: the store has no such bundle. A store that cannot be
//     opened (no key, say) is still an error.
//   - [FromEnviron]: each variable that is not set is skipped; the others
//     load.
//
// For a Source of another type, a Load error that wraps [ErrNotFound] means
// it does not exist. Every other error still fails: a file that cannot be
// read, a .env syntax error, a dangling link in a secret folder, a bundle
// that does not open, a cancelled context. The name of the Source is the
// name of s, so [Env.Origin] and errors name the file as they would without
// Optional. Optional(nil) is nil, which Resolve reports as a nil source, and
// Optional of an optional Source is that Source.
func Optional(s Source) Source {
	switch s := s.(type) {
	case nil:
		return nil
	case optionalSource:
		return s
	}
	return optionalSource{src: s}
}

// optionalSource is a Source made optional by Optional.
type optionalSource struct{ src Source }

// Name returns the name of the source it wraps.
func (s optionalSource) Name() string { return s.src.Name() }

// Load loads the source, with what does not exist yielding no keys.
func (s optionalSource) Load(ctx context.Context) (map[string]string, error) {
	if parts, ok := partsOf(s.src); ok {
		out := map[string]string{}
		for _, p := range parts {
			m, err := Optional(p).Load(ctx)
			if err != nil {
				return nil, err
			}
			maps.Copy(out, m)
		}
		return out, nil
	}
	switch src := s.src.(type) {
	case environSource:
		return src.loadSet(ctx)
	case nameSource:
		st, err := defaultStore()
		if err != nil {
			return nil, err // not the bundle missing: the store did not open
		}
		return orNothing(src.loadFrom(ctx, st))
	}
	return orNothing(s.src.Load(ctx))
}

// partsOf returns the parts of s when it is a multiSource, or an optional
// one, whose parts are then optional too, so that Resolve loads each as a
// source of its own.
func partsOf(s Source) ([]Source, bool) {
	switch s := s.(type) {
	case multiSource:
		return s.parts(), true
	case optionalSource:
		parts, ok := partsOf(s.src)
		if !ok {
			return nil, false
		}
		out := make([]Source, len(parts))
		for i, p := range parts {
			out[i] = Optional(p)
		}
		return out, true
	}
	return nil, false
}

// orNothing is the result of an optional load: no keys and no error when the
// error says that what the source reads does not exist.
func orNothing(m map[string]string, err error) (map[string]string, error) {
	if errors.Is(err, ErrNotFound) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}

// An optional source prints as its Name, whatever prints it, as the
// sources it wraps do.

// String returns the Name.
func (s optionalSource) String() string { return s.Name() }

// GoString returns the form %#v prints: the Name, quoted, in secret.Optional(...).
func (s optionalSource) GoString() string {
	return "secret.Optional(" + strconv.Quote(s.Name()) + ")"
}

// Format prints the Name for every verb, and GoString for %#v.
func (s optionalSource) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, s.GoString())
		return
	}
	io.WriteString(f, s.Name())
}

// LogValue implements [slog.LogValuer]: the Name.
func (s optionalSource) LogValue() slog.Value { return slog.StringValue(s.Name()) }

// MarshalJSON implements [json.Marshaler]: the Name, as a JSON string.
func (s optionalSource) MarshalJSON() ([]byte, error) { return json.Marshal(s.Name()) }

package secret

import (
	"context"
	"maps"

	"github.com/envseal/secret/internal/rules"
)

// FromName returns a Source of the named bundle in a [Store]. Through a
// [Resolver] it reads the Resolver's Store, looked up at Resolve time; loaded
// directly, or through a Resolver whose Store is nil, it reads the default
// local encrypted store ([DefaultStore]). A bundle that does not exist is an
// error wrapping [ErrNotFound]. Its name is "name:" followed by name. When
// the store is in an environment other than the default one (it has an
// Environment method, as FileStore and the etcd store do), Resolve reports
// it, in Env.Origin and in errors, as "name:ENVIRONMENT/NAME", such as
// "name:prod/openai".
func FromName(name string) Source {
	return nameSource{name: hide(name)}
}

// nameSource holds the bundle's name where reflection cannot reach it (see
// hidden): a name that is not a valid bundle name may be a value typed in
// the wrong place.
type nameSource struct{ name hidden[string] }

// Name returns "name:" followed by the bundle's name; for a name that is not
// a valid bundle name, by a short hint of it, as errors show it.
func (s nameSource) Name() string {
	name := s.name.get()
	if !rules.ValidName(name) {
		return "name:" + rules.QuoteName(name)
	}
	return "name:" + name
}

func (s nameSource) Load(ctx context.Context) (map[string]string, error) {
	st, err := defaultStore()
	if err != nil {
		return nil, err
	}
	return s.loadFrom(ctx, st)
}

// nameIn returns the name of s as read from st: "name:prod/openai" when st
// is in the environment prod.
func (s nameSource) nameIn(st Store) string {
	name := s.name.get()
	if e, ok := st.(interface{ Environment() string }); ok && rules.ValidName(name) {
		if env := e.Environment(); env != "" && env != DefaultEnvironment {
			return "name:" + env + "/" + name
		}
	}
	return s.Name()
}

// loadFrom reads the bundle from st. The Resolver calls it with its Store.
func (s nameSource) loadFrom(ctx context.Context, st Store) (map[string]string, error) {
	m, err := st.Get(ctx, s.name.get())
	if err != nil {
		return nil, err
	}
	return maps.Clone(m), nil
}

package secret

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/envseal/secret/internal/rules"
)

// FromEnviron returns a Source of the named variables of this process's
// environment, read when it loads. A variable that is set to the empty string
// is loaded as empty; one that is not set at all is an error naming it. With
// no keys it loads nothing: the process environment is never copied
// wholesale. Its name is "environ".
func FromEnviron(keys ...string) Source {
	return environSource{keys: hide(append([]string(nil), keys...))}
}

// environSource holds the names of its variables where reflection cannot
// reach them (see hidden): a name may be a value typed in the wrong place.
type environSource struct{ keys hidden[[]string] }

func (environSource) Name() string { return "environ" }

func (s environSource) Load(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	keys := s.keys.get()
	for _, k := range keys {
		// A name that is not a valid key may be a value typed where a name
		// goes ("API_KEY=..."): say so, with a hint of it, and never look
		// it up.
		if !rules.ValidKey(k) {
			return nil, &SourceError{Source: s.Name(), Key: k, Err: rules.CheckEntry(k, "")}
		}
	}
	m := make(map[string]string, len(keys))
	var unset []string
	for _, k := range keys {
		v, ok := os.LookupEnv(k)
		if !ok {
			unset = append(unset, k)
			continue
		}
		m[k] = v
	}
	if len(unset) > 0 {
		return nil, fmt.Errorf("%w: environment variable not set: %s", ErrNotFound, strings.Join(unset, ", "))
	}
	return m, nil
}

// loadSet loads the variables that are set, skipping the others: the Load
// of Optional(FromEnviron(...)).
func (s environSource) loadSet(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	keys := s.keys.get()
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		if !rules.ValidKey(k) {
			return nil, &SourceError{Source: s.Name(), Key: k, Err: rules.CheckEntry(k, "")}
		}
		if v, ok := os.LookupEnv(k); ok {
			m[k] = v
		}
	}
	return m, nil
}

package secret

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// FromEnviron returns a Source of the named variables of this process's
// environment, read when it loads. A variable that is set to the empty string
// is loaded as empty; one that is not set at all is an error naming it. With
// no keys it loads nothing: the process environment is never copied
// wholesale. Its name is "environ".
func FromEnviron(keys ...string) Source {
	return environSource{keys: append([]string(nil), keys...)}
}

type environSource struct{ keys []string }

func (environSource) Name() string { return "environ" }

func (s environSource) Load(ctx context.Context) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := make(map[string]string, len(s.keys))
	var unset []string
	for _, k := range s.keys {
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
	m := make(map[string]string, len(s.keys))
	for _, k := range s.keys {
		if v, ok := os.LookupEnv(k); ok {
			m[k] = v
		}
	}
	return m, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/envseal/secret"
	"github.com/envseal/secret/internal/safetext"
)

// getWithInfo returns the entries of bundle name of st and its info: a
// store that keeps none has none.
func getWithInfo(ctx context.Context, st bundleStore, name string) (map[string]string, secret.BundleInfo, error) {
	if is, ok := st.(secret.InfoStore); ok {
		return is.GetWithInfo(ctx, name)
	}
	env, err := st.Get(ctx, name)
	return env, secret.BundleInfo{Descriptions: map[string]string{}}, err
}

// updateWithInfo changes bundle name of st and its info with fn. A store
// that keeps no info refuses a change of it.
func updateWithInfo(ctx context.Context, st bundleStore, name string, fn func(env map[string]string, info *secret.BundleInfo) error) error {
	if is, ok := st.(secret.InfoStore); ok {
		return is.UpdateWithInfo(ctx, name, fn)
	}
	return st.Update(ctx, name, func(env map[string]string) error {
		info := secret.BundleInfo{Descriptions: map[string]string{}}
		if err := fn(env, &info); err != nil {
			return err
		}
		if len(info.Descriptions) > 0 || info.WriteOnly {
			return errors.New("this store keeps no descriptions and no write-only flag")
		}
		return nil
	})
}

// writeOnlyError refuses to show or export the values of a write-only
// bundle.
func writeOnlyError(name, what string) error {
	return fmt.Errorf("bundle %s is write-only: %s; its values are used where they are needed ('envseal run', 'envseal check' masked), never shown. Set new values with 'envseal secrets set %s KEY=...'",
		name, what, name)
}

// escapeText is a description for a terminal or a table: every character
// that is not printable (escape sequences, bidi overrides, line breaks) as
// a Go escape, so that it can neither drive the terminal nor break a row.
func escapeText(s string) string { return safetext.Escape(s) }

// describedKeys is "KEY: description; KEY2: description" for the keys of
// descriptions, sorted, escaped.
func describedKeys(descriptions map[string]string) string {
	parts := make([]string, 0, len(descriptions))
	for _, k := range slices.Sorted(maps.Keys(descriptions)) {
		parts = append(parts, k+": "+escapeText(descriptions[k]))
	}
	return strings.Join(parts, "; ")
}

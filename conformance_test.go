package secret_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
	"github.com/envseal/secret/secrettest"
)

// Every built-in source and FileStore pass the conformance suites of package
// secrettest.

func TestFromMapConformance(t *testing.T) {
	t.Parallel()
	secrettest.TestSource(t, secrettest.SourceHarness{
		New: func(t *testing.T, entries map[string]string) secret.Source { return secret.FromMap(entries) },
		Broken: func(t *testing.T, canary string) secret.Source {
			return secret.FromMap(map[string]string{"OK": canary, "BAD KEY": canary, "KEY=" + canary: canary})
		},
	})
}

// nameSourceViaResolver loads a FromName source through a Resolver, which is
// how FromName reaches a Store other than the default one.
type nameSourceViaResolver struct {
	store secret.Store
	name  string
}

func (s nameSourceViaResolver) Name() string { return "name:" + s.name }

func (s nameSourceViaResolver) Load(ctx context.Context) (map[string]string, error) {
	r := secret.Resolver{Store: s.store}
	env, err := r.Resolve(ctx, secret.FromName(s.name))
	if err != nil {
		return nil, err
	}
	return env.Map(), nil
}

func TestFromNameConformance(t *testing.T) {
	t.Parallel()
	secrettest.TestSource(t, secrettest.SourceHarness{
		New: func(t *testing.T, entries map[string]string) secret.Source {
			return nameSourceViaResolver{store: memStore{"bundle": maps.Clone(entries)}, name: "bundle"}
		},
	})
}

func TestFromNameFileStoreConformance(t *testing.T) {
	t.Parallel()
	key, err := secret.GenerateKey()
	require.NoError(t, err)
	open := func(t *testing.T) *secret.FileStore {
		st, err := secret.OpenFileStore(filepath.Join(t.TempDir(), "store"), key)
		require.NoError(t, err)
		return st
	}
	secrettest.TestSource(t, secrettest.SourceHarness{
		New: func(t *testing.T, entries map[string]string) secret.Source {
			st := open(t)
			require.NoError(t, st.Set(context.Background(), "bundle", entries))
			return nameSourceViaResolver{store: st, name: "bundle"}
		},
		Broken: func(t *testing.T, canary string) secret.Source {
			// A bundle sealed under another key.
			st := open(t)
			other, err := secret.GenerateKey()
			require.NoError(t, err)
			st2, err := secret.OpenFileStore(st.Dir(), other)
			require.NoError(t, err)
			require.NoError(t, st2.Set(context.Background(), "bundle", map[string]string{"K": canary}))
			return nameSourceViaResolver{store: st, name: "bundle"}
		},
	})
}

func TestFileStoreConformance(t *testing.T) {
	t.Parallel()
	secrettest.TestStore(t, func(t *testing.T) secrettest.OpenFunc {
		dir := filepath.Join(t.TempDir(), "store")
		return func(t *testing.T, key secret.Key, opts secret.StoreOptions) secret.WritableStore {
			st, err := secret.OpenFileStoreOptions(dir, key, opts)
			require.NoError(t, err)
			return st
		}
	})
}

// dotenvQuote writes v as a double-quoted .env value.
func dotenvQuote(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(v) + `"`
}

func TestFromDotenvConformance(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, content string) string {
		path := filepath.Join(t.TempDir(), ".env")
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		return path
	}
	secrettest.TestSource(t, secrettest.SourceHarness{
		New: func(t *testing.T, entries map[string]string) secret.Source {
			var b strings.Builder
			b.WriteString("# written by the conformance suite\n")
			for _, k := range slices.Sorted(maps.Keys(entries)) {
				fmt.Fprintf(&b, "%s=%s\n", k, dotenvQuote(entries[k]))
			}
			return secret.FromDotenv(write(t, b.String()))
		},
		Broken: func(t *testing.T, canary string) secret.Source {
			return secret.FromDotenv(write(t, "OK=1\nA=\""+canary+"\nB="+canary+"\n"))
		},
	})
}

func TestFromDirConformance(t *testing.T) {
	t.Parallel()
	secrettest.TestSource(t, secrettest.SourceHarness{
		New: func(t *testing.T, entries map[string]string) secret.Source {
			dir := t.TempDir()
			files := make(map[string]string, len(entries))
			for k, v := range entries {
				files[k] = v + "\n" // as `echo` writes it; the newline is trimmed
			}
			writeFiles(t, dir, files, 0o444)
			return secret.FromDir(dir)
		},
		Broken: func(t *testing.T, canary string) secret.Source {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"api-key": canary, "OK": canary + "\x00"}, 0o444)
			return secret.FromDir(dir)
		},
	})
}

// TestFromEnvironConformance sets process environment variables, so it does
// not run in parallel.
func TestFromEnvironConformance(t *testing.T) {
	secrettest.TestSource(t, secrettest.SourceHarness{
		Serial: true,
		New: func(t *testing.T, entries map[string]string) secret.Source {
			keys := make([]string, 0, len(entries))
			for k, v := range entries {
				t.Setenv(k, v)
				keys = append(keys, k)
			}
			return secret.FromEnviron(keys...)
		},
	})
}

package secret_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// conformanceEntries are the keys and values every Source must carry through
// unchanged: the values that parsers tend to mangle.
var conformanceEntries = map[string]string{
	"PLAIN":        "fake-plain-value",
	"EMPTY":        "",
	"DOLLAR":       "pa$Sword-fake",
	"BRACES":       "fake-${NOT_EXPANDED}",
	"BCRYPT":       "$2a$10$fakefakefakefakefakefuJ2yq5J1xNnYxO0aB3QqGmW0hXn2Cq",
	"BACKSLASHES":  `fake\tab\n\\"q\"`,
	"QUOTES":       `"fake" 'single' "`,
	"HASH":         "fake#not-a-comment # still not",
	"SPACES":       "  fake padded  ",
	"MULTI_LINE":   "fake-line-1\nfake-line-2\r\n\tfake-line-3",
	"TRAILING_NL":  "fake-ends-with-newline\n",
	"UNICODE":      "fake-ключ-🔑-鍵",
	"EQUALS":       "fake=a=b==",
	"JSON":         `{"type":"fake_account","private_key":"-----BEGIN FAKE-----\nAAAA\n-----END FAKE-----\n"}`,
	"lower_case":   "fake-lower",
	"_UNDERSCORE1": "fake-underscore",
}

// sourceFactory makes a Source that loads exactly entries.
type sourceFactory func(t *testing.T, entries map[string]string) secret.Source

// testSourceConformance checks the behaviour every Source must have, in
// parallel subtests.
func testSourceConformance(t *testing.T, newSource sourceFactory) {
	t.Helper()
	runSourceConformance(t, newSource, true)
}

// runSourceConformance is testSourceConformance, with parallel false for
// sources that read the process environment.
func runSourceConformance(t *testing.T, newSource sourceFactory, parallel bool) {
	t.Helper()
	ctx := context.Background()

	t.Run("LoadsEntriesExactly", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		src := newSource(t, conformanceEntries)
		got, err := src.Load(ctx)
		require.NoError(t, err)
		assert.Equal(t, conformanceEntries, got)
	})

	t.Run("Empty", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		got, err := newSource(t, map[string]string{}).Load(ctx)
		require.NoError(t, err)
		assert.Empty(t, got)
	})

	t.Run("CallerOwnsTheMap", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		src := newSource(t, map[string]string{"A": "fake-a"})
		first, err := src.Load(ctx)
		require.NoError(t, err)
		first["A"] = "fake-changed"
		first["B"] = "fake-added"
		second, err := src.Load(ctx)
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"A": "fake-a"}, second)
	})

	t.Run("NameIsStableAndSafe", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		src := newSource(t, conformanceEntries)
		name := src.Name()
		assert.NotEmpty(t, name)
		assert.Equal(t, name, src.Name())
		assert.NotContains(t, name, "fake")
	})

	t.Run("ResolveOriginIsName", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		src := newSource(t, conformanceEntries)
		env, err := secret.Resolve(ctx, src)
		require.NoError(t, err)
		assert.Equal(t, conformanceEntries, env.Map())
		for _, k := range env.Keys() {
			assert.True(t, strings.HasPrefix(env.Origin(k), strings.SplitN(src.Name(), ":", 2)[0]), "origin of %s", k)
		}
	})

	t.Run("ConcurrentLoads", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		src := newSource(t, conformanceEntries)
		var wg sync.WaitGroup
		results := make([]map[string]string, 8)
		errs := make([]error, 8)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = src.Load(ctx)
			}()
		}
		wg.Wait()
		for i := range results {
			require.NoError(t, errs[i])
			assert.True(t, maps.Equal(conformanceEntries, results[i]), "load %d differs", i)
		}
	})
}

func TestFromMapConformance(t *testing.T) {
	t.Parallel()
	testSourceConformance(t, func(t *testing.T, entries map[string]string) secret.Source {
		return secret.FromMap(entries)
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
	testSourceConformance(t, func(t *testing.T, entries map[string]string) secret.Source {
		return nameSourceViaResolver{store: memStore{"bundle": maps.Clone(entries)}, name: "bundle"}
	})
}

func TestFromNameFileStoreConformance(t *testing.T) {
	t.Parallel()
	key, err := secret.GenerateKey()
	require.NoError(t, err)
	testSourceConformance(t, func(t *testing.T, entries map[string]string) secret.Source {
		st, err := secret.OpenFileStore(t.TempDir()+"/store", key)
		require.NoError(t, err)
		require.NoError(t, st.Set(context.Background(), "bundle", entries))
		return nameSourceViaResolver{store: st, name: "bundle"}
	})
}

// dotenvQuote writes v as a double-quoted .env value.
func dotenvQuote(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(v) + `"`
}

func TestFromDotenvConformance(t *testing.T) {
	t.Parallel()
	testSourceConformance(t, func(t *testing.T, entries map[string]string) secret.Source {
		var b strings.Builder
		b.WriteString("# written by the conformance suite\n")
		for _, k := range slices.Sorted(maps.Keys(entries)) {
			fmt.Fprintf(&b, "%s=%s\n", k, dotenvQuote(entries[k]))
		}
		path := filepath.Join(t.TempDir(), ".env")
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
		return secret.FromDotenv(path)
	})
}

// TestFromEnvironConformance sets process environment variables, so it does
// not run in parallel.
func TestFromEnvironConformance(t *testing.T) {
	runSourceConformance(t, func(t *testing.T, entries map[string]string) secret.Source {
		keys := make([]string, 0, len(entries))
		for k, v := range entries {
			t.Setenv(k, v)
			keys = append(keys, k)
		}
		return secret.FromEnviron(keys...)
	}, false)
}

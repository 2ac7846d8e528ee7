// Package secrettest holds the conformance suites of envseal: what every
// [secret.Source] and every [secret.WritableStore] must do, as gocloud.dev's
// drivertest does for its drivers. The built-in sources, [secret.FileStore]
// and the etcd store pass them; a new source or backend gets its bar from the
// first day by calling [TestSource] or [TestStore] from a test:
//
//	func TestConformance(t *testing.T) {
//		secrettest.TestStore(t, func(t *testing.T) secrettest.OpenFunc {
//			dir := t.TempDir()
//			return func(t *testing.T, key secret.Key, opts secret.StoreOptions) secret.WritableStore {
//				st, err := secret.OpenFileStoreOptions(dir, key, opts)
//				if err != nil {
//					t.Fatal(err)
//				}
//				return st
//			}
//		})
//	}
//
// [NoLeak] is the one check that no printed form of an error, a store or any
// other value contains a secret.
package secrettest

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/envseal/secret"
)

// Entries are the keys and values every Source and Store must carry through
// unchanged: the values that parsers and encoders tend to mangle. Every
// value contains "fake". A Source under test may need them written in its
// own format (a .env file, a folder); the map must not be modified.
var Entries = map[string]string{
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

// Canary is the value a broken source is given (see SourceHarness.Broken):
// no error may contain it.
const Canary = "CANARYfakeSECRETvalue0042"

// SourceHarness describes a Source under test to [TestSource].
type SourceHarness struct {
	// New returns a Source that loads exactly entries.
	New func(t *testing.T, entries map[string]string) secret.Source

	// Broken, when not nil, returns a Source whose resolution fails with
	// the value canary somewhere in its input: a syntax error on the line
	// of a .env file that holds it, a folder entry with an invalid name
	// holding it, a map with an invalid key. The error of Resolve must not
	// contain it.
	Broken func(t *testing.T, canary string) secret.Source

	// Serial runs the subtests one after the other, for sources that read
	// the process environment (t.Setenv).
	Serial bool
}

// TestSource runs the conformance suite for a Source: it loads its entries
// exactly, the caller owns the map Load returns, Name is stable and holds no
// value, Resolve reports Name as each key's origin, loads may run
// concurrently, a cancelled context stops Load, and errors carry no value.
func TestSource(t *testing.T, h SourceHarness) {
	t.Helper()
	tests := []struct {
		name string
		test func(t *testing.T, h SourceHarness)
	}{
		{"LoadsEntriesExactly", testLoadsEntriesExactly},
		{"Empty", testEmpty},
		{"CallerOwnsTheMap", testCallerOwnsTheMap},
		{"NameIsStableAndSafe", testNameIsStableAndSafe},
		{"ResolveOriginIsName", testResolveOriginIsName},
		{"ConcurrentLoads", testConcurrentLoads},
		{"CancelledContext", testSourceCancelledContext},
	}
	if h.Broken != nil {
		tests = append(tests, struct {
			name string
			test func(t *testing.T, h SourceHarness)
		}{"ErrorsCarryNoValue", testErrorsCarryNoValue})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !h.Serial {
				t.Parallel()
			}
			tc.test(t, h)
		})
	}
}

// expectEntries fails t unless got equals want, naming keys, never values.
func expectEntries(t *testing.T, got, want map[string]string) {
	t.Helper()
	if maps.Equal(got, want) {
		return
	}
	for k, v := range want {
		if w, ok := got[k]; !ok {
			t.Errorf("key %s missing", k)
		} else if w != v {
			t.Errorf("key %s: the value differs (%d bytes, want %d)", k, len(w), len(v))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected key %s", k)
		}
	}
}

func testLoadsEntriesExactly(t *testing.T, h SourceHarness) {
	ctx := context.Background()
	got, err := h.New(t, Entries).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	expectEntries(t, got, Entries)
}

func testEmpty(t *testing.T, h SourceHarness) {
	ctx := context.Background()
	got, err := h.New(t, map[string]string{}).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("an empty source loaded %d keys", len(got))
	}
}

func testCallerOwnsTheMap(t *testing.T, h SourceHarness) {
	ctx := context.Background()
	src := h.New(t, map[string]string{"A": "fake-a"})
	first, err := src.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first["A"] = "fake-changed"
	first["B"] = "fake-added"
	second, err := src.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	expectEntries(t, second, map[string]string{"A": "fake-a"})
}

func testNameIsStableAndSafe(t *testing.T, h SourceHarness) {
	src := h.New(t, Entries)
	name := src.Name()
	if name == "" || name != src.Name() {
		t.Fatal("Name is empty or changes between calls")
	}
	if strings.Contains(name, "fake") {
		t.Fatal("Name holds a value")
	}
}

func testResolveOriginIsName(t *testing.T, h SourceHarness) {
	ctx := context.Background()
	src := h.New(t, Entries)
	env, err := secret.Resolve(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	expectEntries(t, env.Map(), Entries)
	kind, _, _ := strings.Cut(src.Name(), ":")
	for _, k := range env.Keys() {
		if !strings.HasPrefix(env.Origin(k), kind) {
			t.Errorf("Origin(%s) does not name the source", k)
		}
	}
}

func testConcurrentLoads(t *testing.T, h SourceHarness) {
	ctx := context.Background()
	src := h.New(t, Entries)
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
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		expectEntries(t, results[i], Entries)
	}
}

func testSourceCancelledContext(t *testing.T, h SourceHarness) {
	ctx := context.Background()
	src := h.New(t, Entries)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	got, err := src.Load(cctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load with a cancelled context: got %d keys and %v, want context.Canceled", len(got), err)
	}
	env, err := secret.Resolve(cctx, src)
	if env != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Resolve with a cancelled context = %v, want context.Canceled and no Env", err)
	}
}

func testErrorsCarryNoValue(t *testing.T, h SourceHarness) {
	ctx := context.Background()
	env, err := secret.Resolve(ctx, h.Broken(t, Canary))
	if err == nil || env != nil {
		t.Fatal("the broken source resolved")
	}
	NoLeak(t, []string{Canary}, err)
}

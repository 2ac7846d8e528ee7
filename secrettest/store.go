package secrettest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envseal/secret"
)

// OpenFunc opens a store over one backend, sealed under key, with opts.
// Every call of the same OpenFunc reaches the same bundles, as two processes
// on one folder or two machines on one etcd cluster do; each may use its own
// key and environment.
type OpenFunc func(t *testing.T, key secret.Key, opts secret.StoreOptions) secret.WritableStore

// TestStore runs the conformance suite for a WritableStore. newBackend
// returns an OpenFunc over a fresh, empty backend; it is called once by each
// subtest, and subtests run in parallel.
//
// The suite checks: a round trip keeps every entry exactly and the caller
// owns the maps; a missing bundle wraps ErrNotFound; Set replaces; Update
// creates, changes, and writes nothing when fn fails; concurrent Updates from
// several goroutines and several stores lose nothing; Delete; List is sorted
// and exact; invalid names are refused without echoing them; the key and
// value rules and the size limit hold; a wrong key gives ErrAuthFailed;
// Rotate moves every bundle to the new key; a cancelled context stops every
// method; environments keep their bundles apart and show in Origin and
// errors; a write under another key than the store's is refused unless
// allowed, and a read under another key names both key ids; and no error,
// nor the store itself, prints a value or the key. A store must have an
// Environment() string method. A store that is a secret.HistoryStore must
// number, compare, keep, prune, roll back and rotate its versions. A store
// that is a secret.Watcher must report every Set, Update and Delete made
// through another handle on the same backend, only for the names watched and
// only in its environment, refuse invalid names, and close its channel when
// the context ends. A store
// that is a secret.InfoStore must keep descriptions and the write-only flag
// as secret.BundleInfo says, through every write, rollback and rotation.
func TestStore(t *testing.T, newBackend func(t *testing.T) OpenFunc) {
	t.Helper()
	for _, tc := range []struct {
		name string
		test func(t *testing.T, open OpenFunc, key secret.Key)
	}{
		{"RoundTrip", testRoundTrip},
		{"EmptyBundle", testEmptyBundle},
		{"NotFound", testNotFound},
		{"SetReplaces", testSetReplaces},
		{"Update", testUpdate},
		{"ConcurrentUpdatesLoseNothing", testConcurrentUpdatesLoseNothing},
		{"DeleteAndList", testDeleteAndList},
		{"InvalidNames", testInvalidNames},
		{"Limits", testLimits},
		{"WrongKey", testWrongKey},
		{"Rotate", testRotate},
		{"CancelledContext", testCancelledContext},
		{"PrintsNoSecret", testPrintsNoSecret},
		{"Environments", testEnvironments},
		{"KeyChange", testKeyChange},
		{"RotateEveryEnvironment", testRotateEveryEnvironment},
		{"History", testHistory},
		{"HistoryLimit", testHistoryLimit},
		{"Watch", testWatch},
		{"WatchRefuses", testWatchRefuses},
		{"Info", testInfo},
		{"InfoWriteOnly", testInfoWriteOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.test(t, newBackend(t), newKey(t))
		})
	}
}

// newKey returns a fresh random key.
func newKey(t *testing.T) secret.Key {
	t.Helper()
	k, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// keyMaterial returns the forms the key could be printed in: the text form,
// its base64 body, and the raw bytes as they are, in hex and as fmt prints
// a byte array.
func keyMaterial(k secret.Key) []string {
	body := strings.TrimPrefix(k.Encode(), "envseal-key-1-")
	out := []string{k.Encode(), body[:20]}
	raw, err := decodeKeyBody(body)
	if err != nil {
		return out
	}
	dec := fmt.Sprint(raw)           // [12 200 ...]
	hexes := fmt.Sprintf("%#v", raw) // []byte{0xc, 0xc8, ...}
	return append(out, string(raw[:16]), fmt.Sprintf("%x", raw[:16]),
		dec[1:len(dec)/2], hexes[len("[]byte{"):len(hexes)/2])
}

func mustSet(t *testing.T, st secret.WritableStore, name string, env map[string]string) {
	t.Helper()
	if err := st.Set(context.Background(), name, env); err != nil {
		t.Fatal(err)
	}
}

func mustGet(t *testing.T, st secret.Store, name string) map[string]string {
	t.Helper()
	got, err := st.Get(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// decodeKeyBody decodes the base64 body of a key's text form to its 32 key
// bytes (see secret.Key.Encode).
func decodeKeyBody(body string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < 32 {
		return nil, errors.New("not a key body")
	}
	return raw[:32], nil
}

func testRoundTrip(t *testing.T, open OpenFunc, key secret.Key) {
	st := open(t, key, secret.StoreOptions{})
	mustSet(t, st, "app", Entries)
	got := mustGet(t, st, "app")
	expectEntries(t, got, Entries)
	got["PLAIN"] = "fake-changed"
	delete(got, "EMPTY")
	expectEntries(t, mustGet(t, st, "app"), Entries)
	// Another store on the same backend reads the same bundle.
	expectEntries(t, mustGet(t, open(t, key, secret.StoreOptions{}), "app"), Entries)
}

func testEmptyBundle(t *testing.T, open OpenFunc, key secret.Key) {
	st := open(t, key, secret.StoreOptions{})
	mustSet(t, st, "empty", nil)
	got := mustGet(t, st, "empty")
	if got == nil || len(got) != 0 {
		t.Fatalf("an empty bundle reads back as %d keys (nil: %v)", len(got), got == nil)
	}
}

func testNotFound(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := open(t, key, secret.StoreOptions{})
	if _, err := st.Get(ctx, "missing"); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("Get of a missing bundle = %v, want ErrNotFound", err)
	}
	if err := st.Delete(ctx, "missing"); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("Delete of a missing bundle = %v, want ErrNotFound", err)
	}
	src := secret.FromName("missing")
	r := secret.Resolver{Store: st}
	if _, err := r.Resolve(ctx, src); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("Resolve of a missing bundle = %v, want ErrNotFound", err)
	} else if strings.Count(err.Error(), "missing") != 1 {
		t.Errorf("Resolve's error names the bundle other than once: %q", err)
	}
}

func testSetReplaces(t *testing.T, open OpenFunc, key secret.Key) {
	st := open(t, key, secret.StoreOptions{})
	mustSet(t, st, "app", map[string]string{"A": "fake-a", "B": "fake-b"})
	mustSet(t, st, "app", map[string]string{"C": "fake-c"})
	expectEntries(t, mustGet(t, st, "app"), map[string]string{"C": "fake-c"})
}

func testUpdate(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := open(t, key, secret.StoreOptions{})
	err := st.Update(ctx, "app", func(env map[string]string) error {
		if len(env) != 0 {
			return fmt.Errorf("a new bundle starts with %d keys", len(env))
		}
		env["A"] = "fake-a"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, "app", func(env map[string]string) error {
		env["B"] = env["A"] + "-b"
		delete(env, "A")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	expectEntries(t, mustGet(t, st, "app"), map[string]string{"B": "fake-a-b"})

	errStop := errors.New("stop")
	err = st.Update(ctx, "app", func(env map[string]string) error {
		env["C"] = "fake-c"
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Update whose fn fails = %v, want fn's error", err)
	}
	expectEntries(t, mustGet(t, st, "app"), map[string]string{"B": "fake-a-b"})

	if err := st.Update(ctx, "app", nil); err == nil {
		t.Error("Update with a nil fn succeeded")
	}
	if err := st.Update(ctx, "bad", func(env map[string]string) error {
		env["1BAD"] = "fake"
		return nil
	}); err == nil {
		t.Error("Update that leaves an invalid key succeeded")
	}
	if _, err := st.Get(ctx, "bad"); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("a failed Update created its bundle: Get = %v", err)
	}
}

func testConcurrentUpdatesLoseNothing(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	const stores, workers, rounds = 2, 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, stores*workers)
	for s := range stores {
		st := open(t, key, secret.StoreOptions{})
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				own := fmt.Sprintf("W%d_%d", s, w)
				for range rounds {
					err := st.Update(ctx, "counter", func(env map[string]string) error {
						for _, k := range []string{own, "TOTAL"} {
							n, _ := strconv.Atoi(env[k])
							env[k] = strconv.Itoa(n + 1)
						}
						return nil
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := mustGet(t, open(t, key, secret.StoreOptions{}), "counter")
	if got["TOTAL"] != strconv.Itoa(stores*workers*rounds) {
		t.Errorf("TOTAL = %s after %d updates: updates were lost", got["TOTAL"], stores*workers*rounds)
	}
	for s := range stores {
		for w := range workers {
			if k := fmt.Sprintf("W%d_%d", s, w); got[k] != strconv.Itoa(rounds) {
				t.Errorf("%s = %s, want %d", k, got[k], rounds)
			}
		}
	}
}

func testDeleteAndList(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := open(t, key, secret.StoreOptions{})
	names, err := st.List(ctx)
	if err != nil || len(names) != 0 {
		t.Fatalf("List of an empty store = %v, %v", names, err)
	}
	for _, n := range []string{"web", "api", "0-first", "z_last"} {
		mustSet(t, st, n, map[string]string{"K": "fake"})
	}
	if err := st.Delete(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "web"); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	names, err = open(t, key, secret.StoreOptions{}).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"0-first", "api", "z_last"}; !slices.Equal(names, want) {
		t.Errorf("List = %q, want %q", names, want)
	}
}

func testInvalidNames(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := open(t, key, secret.StoreOptions{})
	bad := []string{"", "App", "-app", "_app", "a/b", "../app", "a.sealed", "a b", strings.Repeat("a", 65),
		"app\x00", "KEY=" + Canary}
	env := map[string]string{"K": "fake"}
	for _, name := range bad {
		errs := []error{}
		_, err := st.Get(ctx, name)
		errs = append(errs, err, st.Set(ctx, name, env), st.Delete(ctx, name),
			st.Update(ctx, name, func(map[string]string) error { return nil }))
		for i, err := range errs {
			if err == nil {
				t.Errorf("method %d accepted an invalid name (%d bytes)", i, len(name))
			} else if errors.Is(err, secret.ErrNotFound) {
				t.Errorf("method %d: an invalid name reads as not found", i)
			}
		}
		for _, err := range errs {
			NoLeak(t, []string{Canary}, err)
		}
	}
	if names, err := st.List(ctx); err != nil || len(names) != 0 {
		t.Errorf("invalid names created bundles: %q, %v", names, err)
	}
}

func testLimits(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := open(t, key, secret.StoreOptions{})
	tooBig := map[string]string{}
	for i := range 40 {
		tooBig[fmt.Sprintf("K%d", i)] = strings.Repeat("f", 32768)
	}
	cases := map[string]map[string]string{
		"invalid key":   {"1BAD": Canary},
		"pasted entry":  {"KEY=" + Canary: "fake"},
		"empty key":     {"": Canary},
		"key too long":  {strings.Repeat("K", 16385): Canary},
		"value too big": {"K": Canary + strings.Repeat("f", 32768)},
		"NUL in value":  {"K": Canary + "\x00"},
		"bundle too big": func() map[string]string {
			m := map[string]string{"CANARY": Canary}
			for k, v := range tooBig {
				m[k] = v
			}
			return m
		}(),
	}
	for what, env := range cases {
		err := st.Set(ctx, "limits", env)
		if err == nil {
			t.Errorf("%s: Set succeeded", what)
			continue
		}
		NoLeak(t, []string{Canary}, err)
		if _, err := st.Get(ctx, "limits"); !errors.Is(err, secret.ErrNotFound) {
			t.Errorf("%s: a refused Set wrote something: Get = %v", what, err)
		}
	}
	// Exactly at the limits is fine.
	mustSet(t, st, "limits", map[string]string{strings.Repeat("K", 16384): strings.Repeat("v", 32768)})
}

func testWrongKey(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	mustSet(t, open(t, key, secret.StoreOptions{}), "app", map[string]string{"K": Canary})
	other := open(t, newKey(t), secret.StoreOptions{})
	got, err := other.Get(ctx, "app")
	if !errors.Is(err, secret.ErrAuthFailed) || got != nil {
		t.Fatalf("Get under another key = %d keys, %v; want ErrAuthFailed", len(got), err)
	}
	NoLeak(t, []string{Canary}, err)
}

func testRotate(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := open(t, key, secret.StoreOptions{})
	want := map[string]map[string]string{
		"a": {"K": "fake-a"}, "b": {"K": "fake-b"}, "c": {},
	}
	for n, env := range want {
		mustSet(t, st, n, env)
	}
	next := newKey(t)
	if err := st.Rotate(ctx, next); err != nil {
		t.Fatal(err)
	}
	fresh := open(t, next, secret.StoreOptions{})
	old := open(t, key, secret.StoreOptions{})
	for n, env := range want {
		expectEntries(t, mustGet(t, st, n), env)
		expectEntries(t, mustGet(t, fresh, n), env)
		if _, err := old.Get(ctx, n); !errors.Is(err, secret.ErrAuthFailed) {
			t.Errorf("bundle %s still opens under the old key: %v", n, err)
		}
	}
	mustSet(t, st, "d", map[string]string{"K": "fake-d"})
	expectEntries(t, mustGet(t, fresh, "d"), map[string]string{"K": "fake-d"})
	if err := st.Rotate(ctx, secret.Key{}); err == nil {
		t.Error("Rotate to the zero Key succeeded")
	}
}

func testCancelledContext(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := open(t, key, secret.StoreOptions{})
	mustSet(t, st, "app", map[string]string{"K": "fake"})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, errGet := st.Get(cctx, "app")
	_, errList := st.List(cctx)
	errs := []error{errGet, errList,
		st.Set(cctx, "new", map[string]string{"K": "fake"}),
		st.Update(cctx, "app", func(env map[string]string) error { env["K"] = "fake-2"; return nil }),
		st.Delete(cctx, "app"),
		st.Rotate(cctx, newKey(t)),
	}
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("method %d with a cancelled context = %v, want context.Canceled", i, err)
		}
	}
	expectEntries(t, mustGet(t, st, "app"), map[string]string{"K": "fake"})
	if _, err := st.Get(ctx, "new"); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("Set with a cancelled context wrote: %v", err)
	}
}

func testPrintsNoSecret(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := open(t, key, secret.StoreOptions{})
	mustSet(t, st, "app", map[string]string{"K": Canary})
	_, errWrong := open(t, newKey(t), secret.StoreOptions{}).Get(ctx, "app")
	r := secret.Resolver{Store: st}
	env, err := r.Resolve(ctx, secret.FromName("app"))
	if err != nil {
		t.Fatal(err)
	}
	values := []any{st, &r, r, struct{ s secret.WritableStore }{st}, env, errWrong}
	NoLeak(t, []string{Canary}, values...)
	noneOf(t, keyMaterial(key), values...)
}

func testEnvironments(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	def := open(t, key, secret.StoreOptions{})
	dev := open(t, key, secret.StoreOptions{Environment: "dev"})
	prod := open(t, key, secret.StoreOptions{Environment: "prod"})
	for st, want := range map[secret.WritableStore]string{def: "default", dev: "dev", prod: "prod"} {
		e, ok := st.(interface{ Environment() string })
		if !ok {
			t.Fatal("the store has no Environment method")
		}
		if e.Environment() != want {
			t.Errorf("Environment() = %q, want %q", e.Environment(), want)
		}
	}
	if got := open(t, key, secret.StoreOptions{Environment: "default"}); got.(interface{ Environment() string }).Environment() != "default" {
		t.Error(`Environment "default" is not the default environment`)
	}
	mustSet(t, def, "app", map[string]string{"DB": "fake-default"})
	mustSet(t, dev, "app", map[string]string{"DB": "fake-dev"})
	mustSet(t, prod, "app", map[string]string{"DB": "fake-prod"})
	mustSet(t, prod, "only-prod", map[string]string{"K": "fake"})
	expectEntries(t, mustGet(t, def, "app"), map[string]string{"DB": "fake-default"})
	expectEntries(t, mustGet(t, dev, "app"), map[string]string{"DB": "fake-dev"})
	expectEntries(t, mustGet(t, open(t, key, secret.StoreOptions{Environment: "prod"}), "app"), map[string]string{"DB": "fake-prod"})
	names, err := dev.List(ctx)
	if err != nil || !slices.Equal(names, []string{"app"}) {
		t.Errorf("List in dev = %q, %v; want [app]", names, err)
	}
	names, err = prod.List(ctx)
	if err != nil || !slices.Equal(names, []string{"app", "only-prod"}) {
		t.Errorf("List in prod = %q, %v; want [app only-prod]", names, err)
	}
	if err := dev.Delete(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	expectEntries(t, mustGet(t, prod, "app"), map[string]string{"DB": "fake-prod"})
	expectEntries(t, mustGet(t, def, "app"), map[string]string{"DB": "fake-default"})

	r := secret.Resolver{Store: prod}
	env, err := r.Resolve(ctx, secret.FromName("app"))
	if err != nil {
		t.Fatal(err)
	}
	if got := env.Origin("DB"); got != "name:prod/app" {
		t.Errorf("Origin = %q, want name:prod/app", got)
	}
	_, err = r.Resolve(ctx, secret.FromName("missing"))
	if !errors.Is(err, secret.ErrNotFound) || !strings.Contains(err.Error(), `"prod/missing"`) {
		t.Errorf("a bundle missing from prod: %v, want ErrNotFound naming prod/missing", err)
	}
	var se *secret.SourceError
	if !errors.As(err, &se) || se.Source != "name:prod/missing" {
		t.Errorf("the SourceError does not name name:prod/missing: %#v", err)
	}
}

func testKeyChange(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	mustSet(t, open(t, key, secret.StoreOptions{}), "app", map[string]string{"K": Canary})
	other := newKey(t)
	stale := open(t, other, secret.StoreOptions{KeySource: "STALE_KEY_SOURCE"})

	// Reading under another key names both key ids and the key's source.
	_, err := stale.Get(ctx, "app")
	var wk *secret.WrongKeyError
	if !errors.As(err, &wk) || !errors.Is(err, secret.ErrAuthFailed) {
		t.Fatalf("Get under another key = %v, want a *WrongKeyError wrapping ErrAuthFailed", err)
	}
	if wk.Sealed != key.ID() || wk.Used != other.ID() || wk.Writing {
		t.Errorf("WrongKeyError = sealed %s, used %s, writing %v; want sealed %s, used %s", wk.Sealed, wk.Used, wk.Writing, key.ID(), other.ID())
	}
	for _, want := range []string{key.ID(), other.ID(), "STALE_KEY_SOURCE", `"app"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %s", want)
		}
	}
	NoLeak(t, []string{Canary}, err)
	noneOf(t, keyMaterial(key), err)
	noneOf(t, keyMaterial(other), err)

	// Writing a new bundle under another key is refused, in any environment,
	// and writes nothing.
	for _, st := range []secret.WritableStore{stale, open(t, other, secret.StoreOptions{Environment: "dev"})} {
		err := st.Set(ctx, "new", map[string]string{"K": "fake"})
		if !errors.As(err, &wk) || !wk.Writing || wk.Sealed != key.ID() || wk.Used != other.ID() {
			t.Fatalf("Set under another key = %v, want a *WrongKeyError for a write", err)
		}
		err = st.Update(ctx, "new2", func(env map[string]string) error { env["K"] = "fake"; return nil })
		if !errors.As(err, &wk) || !wk.Writing {
			t.Errorf("Update of a new bundle under another key = %v, want a *WrongKeyError", err)
		}
	}
	if _, err := open(t, key, secret.StoreOptions{}).Get(ctx, "new"); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("a refused write wrote: %v", err)
	}
	// Unless allowed.
	forced := open(t, other, secret.StoreOptions{AllowKeyChange: true})
	mustSet(t, forced, "new", map[string]string{"K": "fake"})
	expectEntries(t, mustGet(t, forced, "new"), map[string]string{"K": "fake"})
}

func testRotateEveryEnvironment(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	def := open(t, key, secret.StoreOptions{})
	mustSet(t, def, "app", map[string]string{"K": "fake-default"})
	mustSet(t, open(t, key, secret.StoreOptions{Environment: "prod"}), "app", map[string]string{"K": "fake-prod"})
	next := newKey(t)
	if err := def.Rotate(ctx, next); err != nil {
		t.Fatal(err)
	}
	expectEntries(t, mustGet(t, open(t, next, secret.StoreOptions{}), "app"), map[string]string{"K": "fake-default"})
	expectEntries(t, mustGet(t, open(t, next, secret.StoreOptions{Environment: "prod"}), "app"), map[string]string{"K": "fake-prod"})
	if _, err := open(t, key, secret.StoreOptions{Environment: "prod"}).Get(ctx, "app"); !errors.Is(err, secret.ErrAuthFailed) {
		t.Errorf("prod's bundle still opens under the old key: %v", err)
	}
}

// historyStore returns st as a HistoryStore, or nil when it keeps none.
func historyStore(st secret.WritableStore) secret.HistoryStore {
	h, _ := st.(secret.HistoryStore)
	return h
}

func testHistory(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := historyStore(open(t, key, secret.StoreOptions{}))
	if st == nil {
		return // the store keeps no history: nothing to check
	}
	start := time.Now().Add(-time.Second)
	if _, err := st.History(ctx, "app"); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("History of a bundle never written = %v, want ErrNotFound", err)
	}
	steps := []func() error{
		func() error { return st.Set(ctx, "app", map[string]string{"A": "fake-1"}) },
		func() error {
			return st.Update(ctx, "app", func(env map[string]string) error { env["A"] = "fake-2"; env["B"] = "fake-b"; return nil })
		},
		func() error { return st.Set(ctx, "app", map[string]string{"B": "fake-b"}) },
		func() error { return st.Delete(ctx, "app") },
		func() error { return st.Set(ctx, "app", map[string]string{"C": Canary}) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	vs, err := st.History(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	want := []secret.Version{
		{Number: 1, Added: []string{"A"}},
		{Number: 2, Added: []string{"B"}, Changed: []string{"A"}},
		{Number: 3, Removed: []string{"A"}},
		{Number: 4, Deleted: true, Removed: []string{"B"}},
		{Number: 5, Added: []string{"C"}},
	}
	if len(vs) != len(want) {
		t.Fatalf("History has %d versions, want %d", len(vs), len(want))
	}
	for i, v := range vs {
		w := want[i]
		if v.Number != w.Number || v.Deleted != w.Deleted || !slices.Equal(v.Added, w.Added) ||
			!slices.Equal(v.Removed, w.Removed) || !slices.Equal(v.Changed, w.Changed) {
			t.Errorf("version %d = %+v, want %+v", i+1, v, w)
		}
		if v.Time.Before(start) || v.Time.After(time.Now().Add(time.Second)) || i > 0 && v.Time.Before(vs[i-1].Time) {
			t.Errorf("version %d has time %v, out of order or out of the test's span", v.Number, v.Time)
		}
	}
	got, err := st.GetVersion(ctx, "app", 2)
	if err != nil {
		t.Fatal(err)
	}
	expectEntries(t, got, map[string]string{"A": "fake-2", "B": "fake-b"})
	if _, err := st.GetVersion(ctx, "app", 4); err == nil {
		t.Error("GetVersion of a deletion returned entries")
	}
	if _, err := st.GetVersion(ctx, "app", 99); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("GetVersion of a version never written = %v, want ErrNotFound", err)
	}

	// Rollback restores exactly the entries of that version, as a new one.
	if err := st.Rollback(ctx, "app", 2); err != nil {
		t.Fatal(err)
	}
	expectEntries(t, mustGet(t, st, "app"), map[string]string{"A": "fake-2", "B": "fake-b"})
	vs, err = st.History(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	if last := vs[len(vs)-1]; last.Number != 6 || !slices.Equal(last.Added, []string{"A", "B"}) || !slices.Equal(last.Removed, []string{"C"}) {
		t.Errorf("the rollback's version = %+v, want 6 adding A B and removing C", last)
	}
	if err := st.Rollback(ctx, "app", 4); err == nil {
		t.Error("Rollback to a deletion succeeded")
	}
	_, errMissing := st.GetVersion(ctx, "app", 99)
	NoLeak(t, []string{Canary}, errMissing, vs)

	// Versions survive a Rotate, re-sealed under the new key.
	next := newKey(t)
	if err := st.Rotate(ctx, next); err != nil {
		t.Fatal(err)
	}
	rotated := historyStore(open(t, next, secret.StoreOptions{}))
	got, err = rotated.GetVersion(ctx, "app", 5)
	if err != nil {
		t.Fatalf("version 5 after Rotate: %v", err)
	}
	expectEntries(t, got, map[string]string{"C": Canary})
	if _, err := rotated.History(ctx, "app"); err != nil {
		t.Fatalf("History after Rotate: %v", err)
	}
}

func testHistoryLimit(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := historyStore(open(t, key, secret.StoreOptions{History: 2}))
	if st == nil {
		return
	}
	for i := range 6 {
		if err := st.Set(ctx, "app", map[string]string{"N": strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := st.History(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	var ns []int
	for _, v := range vs {
		ns = append(ns, v.Number)
	}
	if !slices.Equal(ns, []int{4, 5, 6}) {
		t.Errorf("with History 2, versions kept = %v, want [4 5 6]", ns)
	}
	if got, err := st.GetVersion(ctx, "app", 4); err != nil || got["N"] != "3" {
		t.Errorf("version 4 = %v, %v", got, err)
	}
	if _, err := st.GetVersion(ctx, "app", 3); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("a pruned version: %v, want ErrNotFound", err)
	}
}

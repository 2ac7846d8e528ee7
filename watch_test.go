package secret_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/envseal/secret"
)

// result is one call of a Resolver.Watch callback.
type result struct {
	env *secret.Env
	err error
}

// startWatch runs r.Watch over sources until the test ends, and returns the
// channel of its callback's results.
func startWatch(t *testing.T, r *secret.Resolver, sources ...secret.Source) <-chan result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan result, 1000)
	done := make(chan error, 1)
	go func() {
		done <- r.Watch(ctx, func(env *secret.Env, err error) { out <- result{env, err} }, sources...)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Watch returned %v after its context was cancelled, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Watch did not return within 5s of its context's end")
		}
	})
	return out
}

// next returns the next result, failing the test after 5 s.
func next(t *testing.T, results <-chan result) result {
	t.Helper()
	select {
	case r := <-results:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no result from Watch within 5s")
		return result{}
	}
}

// wantValue checks that r is an Env where key has value.
func wantValue(t *testing.T, r result, key, value string) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("Watch gave an error, want an Env: %v", r.err)
	}
	if got, _ := r.env.Get(key); got != value {
		t.Fatalf("%s differs from the value written (%d bytes, want %d)", key, len(got), len(value))
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	// Through a rename, as editors and deploy tools do.
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestWatchDotenv(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.env")
	writeFile(t, path, "A=one\n")
	m, err := secret.ParseManifest([]byte("secrets:\n  - key: A\n"))
	if err != nil {
		t.Fatal(err)
	}
	results := startWatch(t, &secret.Resolver{Manifest: m}, secret.FromDotenv(path))
	wantValue(t, next(t, results), "A", "one")

	writeFile(t, path, "A=two\n")
	wantValue(t, next(t, results), "A", "two")

	// A syntax error, then a required key removed: errors, not the end.
	writeFile(t, path, "A=three\nnot a line\n")
	var perr *secret.ParseError
	if r := next(t, results); !errors.As(r.err, &perr) || perr.Line != 2 {
		t.Fatalf("after a bad line, Watch gave %v, want a ParseError on line 2", r.err)
	}
	writeFile(t, path, "B=x\n")
	var verr *secret.ValidationError
	if r := next(t, results); !errors.As(r.err, &verr) {
		t.Fatalf("after a required key was removed, Watch gave %v, want a ValidationError", r.err)
	}
	writeFile(t, path, "A=four\n")
	wantValue(t, next(t, results), "A", "four")

	// The file removed, then back.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if r := next(t, results); !errors.Is(r.err, os.ErrNotExist) {
		t.Fatalf("after the file was removed, Watch gave %v, want ErrNotExist", r.err)
	}
	writeFile(t, path, "A=five\n")
	wantValue(t, next(t, results), "A", "five")
}

func TestWatchStore(t *testing.T) {
	t.Parallel()
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "store")
	st, err := secret.OpenFileStore(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.Set(ctx, "base", map[string]string{"A": "base", "B": "base"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Set(ctx, "app", map[string]string{"A": "app-1"}); err != nil {
		t.Fatal(err)
	}
	results := startWatch(t, &secret.Resolver{Store: st}, secret.FromName("base"), secret.FromName("app"))
	wantValue(t, next(t, results), "A", "app-1")

	// Another store on the same folder, as another process.
	other, err := secret.OpenFileStore(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Set(ctx, "app", map[string]string{"A": "app-2"}); err != nil {
		t.Fatal(err)
	}
	wantValue(t, next(t, results), "A", "app-2")
	if err := other.Set(ctx, "base", map[string]string{"B": "base-2"}); err != nil {
		t.Fatal(err)
	}
	wantValue(t, next(t, results), "B", "base-2")
	if err := other.Delete(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if r := next(t, results); !errors.Is(r.err, secret.ErrNotFound) {
		t.Fatalf("after the bundle was deleted, Watch gave %v, want ErrNotFound", r.err)
	}
	// A bundle that is not a source changes: no resolution.
	if err := other.Set(ctx, "unrelated", map[string]string{"C": "x"}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-results:
		t.Fatalf("a change to a bundle not watched made a resolution (err %v)", r.err)
	case <-time.After(4 * secret.PollInterval):
	}
}

// An optional source absent at the start is watched all the same: the
// bundle, the .env file and the folder are each picked up when they appear.
func TestWatchOptionalAppears(t *testing.T) {
	t.Parallel()
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	st, err := secret.OpenFileStore(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.Set(ctx, "base", map[string]string{"A": "base"}); err != nil {
		t.Fatal(err)
	}
	dotenv, folder := filepath.Join(tmp, "local.env"), filepath.Join(tmp, "mounted")
	results := startWatch(t, &secret.Resolver{Store: st},
		secret.FromName("base"),
		secret.Optional(secret.FromName("later")),
		secret.Optional(secret.FromDotenv(dotenv)),
		secret.Optional(secret.FromDir(folder)),
	)
	r := next(t, results)
	wantValue(t, r, "A", "base")
	if r.env.Len() != 1 {
		t.Fatalf("with the optional sources absent, the Env has %d keys, want 1", r.env.Len())
	}

	other, err := secret.OpenFileStore(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Set(ctx, "later", map[string]string{"A": "bundle"}); err != nil {
		t.Fatal(err)
	}
	wantValue(t, next(t, results), "A", "bundle")
	writeFile(t, dotenv, "A=dotenv\n")
	wantValue(t, next(t, results), "A", "dotenv")
	if err := os.Mkdir(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "A"), []byte("folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = next(t, results)
	for r.err == nil && mustGet(r.env, "A") == "dotenv" {
		r = next(t, results) // the folder was seen before its file
	}
	wantValue(t, r, "A", "folder")
	if origin := r.env.Origin("A"); origin != "dir:"+folder {
		t.Fatalf("A comes from %s, want dir:%s", origin, folder)
	}
}

func mustGet(env *secret.Env, key string) string {
	v, _ := env.Get(key)
	return v
}

func TestWatchCoalescesBursts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.env")
	writeFile(t, path, "N=0\n")
	results := startWatch(t, nil, secret.FromDotenv(path))
	wantValue(t, next(t, results), "N", "0")
	// 100 changes, one every 5 ms: a steady stream for half a second.
	for i := 1; i <= 100; i++ {
		writeFile(t, path, "N="+string(rune('0'+i%10))+"\nI="+time.Now().String()+"\n")
		time.Sleep(5 * time.Millisecond)
	}
	writeFile(t, path, "N=last\n")
	var calls int
	for {
		r := next(t, results)
		calls++
		if r.err == nil {
			if v, _ := r.env.Get("N"); v == "last" {
				break
			}
		}
	}
	// The poll sees at most one change per PollInterval, and each
	// resolution waits for the stream to settle.
	if calls > 5 {
		t.Errorf("101 changes made %d resolutions, want at most 5", calls)
	}
}

func TestWatchKubernetesVolume(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	// The kubelet's layout: KEY -> ..data/KEY, ..data -> ..2026_1, swapped
	// by renaming a new ..data link over the old one.
	mkVersion := func(name, value string) {
		if err := os.Mkdir(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name, "API_KEY"), []byte(value), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	swap := func(name string) {
		tmp := filepath.Join(root, "..data_tmp")
		if err := os.Symlink(name, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(root, "..data")); err != nil {
			t.Fatal(err)
		}
	}
	mkVersion("..2026_1", "first")
	swap("..2026_1")
	if err := os.Symlink(filepath.Join("..data", "API_KEY"), filepath.Join(root, "API_KEY")); err != nil {
		t.Skipf("symbolic links: %v", err)
	}
	results := startWatch(t, nil, secret.FromDir(root))
	wantValue(t, next(t, results), "API_KEY", "first")
	// Same size, new content: seen through the ..data link.
	mkVersion("..2026_2", "secnd")
	swap("..2026_2")
	wantValue(t, next(t, results), "API_KEY", "secnd")
}

func TestWatchRefuses(t *testing.T) {
	t.Parallel()
	var r secret.Resolver
	ctx := context.Background()
	if err := r.Watch(ctx, nil, secret.FromMap(map[string]string{"A": "x"})); err == nil {
		t.Error("Watch with a nil func succeeded")
	}
	var mu sync.Mutex
	noCall := func(*secret.Env, error) { mu.Lock(); defer mu.Unlock(); t.Error("fn called") }
	r.Store = plainStore{}
	err := r.Watch(ctx, noCall, secret.FromName("app"))
	if err == nil {
		t.Fatal("Watch over a store that is not a Watcher succeeded")
	}
	t.Logf("error: %v", err)
	if err := r.Watch(ctx, noCall, secret.FromMap(nil), nil); err == nil {
		t.Error("Watch with a nil source succeeded")
	}
}

// plainStore is a Store that reports no change.
type plainStore struct{}

func (plainStore) Get(context.Context, string) (map[string]string, error) {
	return nil, secret.ErrNotFound
}

func ExampleResolver_Watch() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.env")
	if err := os.WriteFile(path, []byte("GREETING=hello\n"), 0o600); err != nil {
		panic(err)
	}

	ctx, stop := context.WithCancel(context.Background())
	var r secret.Resolver
	err = r.Watch(ctx, func(env *secret.Env, err error) {
		if err != nil {
			// A bad change: keep what runs, and wait for the next one.
			fmt.Println("not reloaded:", err)
			return
		}
		v, _ := env.Get("GREETING")
		fmt.Println("GREETING is", v)
		if v == "hello" {
			// Elsewhere, a deploy writes a new file.
			os.WriteFile(path, []byte("GREETING=bonjour\n"), 0o600)
			return
		}
		stop()
	}, secret.FromDotenv(path))
	fmt.Println(err)
	// Output:
	// GREETING is hello
	// GREETING is bonjour
	// context canceled
}

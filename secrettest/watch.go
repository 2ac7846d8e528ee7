package secrettest

import (
	"context"
	"testing"
	"time"

	"github.com/envseal/secret"
)

// watchWait bounds how long the watch checks wait for a change to be
// reported; a store must report well within it (FileStore polls every
// secret.PollInterval, etcd pushes).
const watchWait = 10 * time.Second

// watcher returns st as a secret.Watcher, or nil when it reports no change.
func watcher(st secret.WritableStore) secret.Watcher {
	w, _ := st.(secret.Watcher)
	return w
}

// expectChange waits for name on ch, skipping other names; it fails the test
// if ch closes or nothing comes within watchWait.
func expectChange(t *testing.T, ch <-chan string, name string) {
	t.Helper()
	timeout := time.After(watchWait)
	for {
		select {
		case got, ok := <-ch:
			if !ok {
				t.Fatalf("the watch ended before %q changed", name)
			}
			if got == name {
				return
			}
		case <-timeout:
			t.Fatalf("no change of %q reported within %v", name, watchWait)
		}
	}
}

// expectQuiet fails the test if ch reports any name within d.
func expectQuiet(t *testing.T, ch <-chan string, d time.Duration) {
	t.Helper()
	select {
	case got, ok := <-ch:
		if ok {
			t.Errorf("the watch reported %q, which did not change or is not watched", got)
		}
	case <-time.After(d):
	}
}

func testWatch(t *testing.T, open OpenFunc, key secret.Key) {
	st := open(t, key, secret.StoreOptions{})
	w := watcher(st)
	if w == nil {
		return // the store reports no change: nothing to check
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	all, err := w.Watch(ctx)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	only, err := w.Watch(ctx, "only")
	if err != nil {
		t.Fatalf("Watch(only): %v", err)
	}
	// Changes made through another handle on the same backend, as another
	// process or machine would.
	other := open(t, key, secret.StoreOptions{})
	mustSet(t, other, "app", map[string]string{"A": "fake-1"})
	expectChange(t, all, "app")
	if err := other.Update(ctx, "app", func(env map[string]string) error { env["A"] = "fake-2"; return nil }); err != nil {
		t.Fatal(err)
	}
	expectChange(t, all, "app")
	if err := other.Delete(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	expectChange(t, all, "app")
	expectQuiet(t, only, 2*secret.PollInterval)
	mustSet(t, other, "only", map[string]string{"B": "fake-b"})
	expectChange(t, only, "only")

	// Another environment's bundles are not this store's.
	prod := open(t, key, secret.StoreOptions{Environment: "prod"})
	mustSet(t, prod, "only", map[string]string{"B": "fake-prod"})
	expectQuiet(t, only, 3*secret.PollInterval)

	cancel()
	for _, ch := range []<-chan string{all, only} {
		timeout := time.After(watchWait)
	drain:
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					break drain
				}
			case <-timeout:
				t.Fatalf("the watch's channel was not closed within %v of its context's end", watchWait)
			}
		}
	}
}

func testWatchRefuses(t *testing.T, open OpenFunc, key secret.Key) {
	w := watcher(open(t, key, secret.StoreOptions{}))
	if w == nil {
		return
	}
	_, err := w.Watch(context.Background(), "NAME="+Canary)
	if err == nil {
		t.Fatal("Watch of an invalid bundle name succeeded")
	}
	NoLeak(t, []string{Canary}, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Watch(ctx); err == nil {
		t.Error("Watch with a cancelled context succeeded")
	}
}

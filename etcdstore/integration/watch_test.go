package integration

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/envseal/secret"
	"github.com/envseal/secret/etcdstore/integration/etcdtest"
)

// TestWatchAcrossMemberLoss: a watch over the three members loses each in
// turn, so at some point the one it was on, while another client writes and
// the cluster compacts its history; it reports every bundle changed, through
// the members left.
func TestWatchAcrossMemberLoss(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	key, prefix := newKey(t), newPrefix()
	w := open(t, c, prefix, key, secret.StoreOptions{}, 0, 1, 2)
	ch, err := w.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin := c.Client(t, 0, 1, 2)
	for down := range 3 {
		c.Kill(down)
		writer := open(t, c, prefix, key, secret.StoreOptions{}, (down+1)%3)
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		want := map[string]bool{}
		for j := range 5 {
			name := fmt.Sprintf("m%d-b%d", down, j)
			want[name] = true
			if err := writer.Set(wctx, name, map[string]string{"K": fmt.Sprintf("fake-%d-%d", down, j)}); err != nil {
				t.Fatalf("member %d down: Set %s: %v", down, name, err)
			}
		}
		// Compact what the writes made: a watch that was away resumes
		// from a revision the cluster no longer has.
		resp, err := admin.Get(wctx, "any")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Compact(wctx, resp.Header.Revision); err != nil {
			t.Fatal(err)
		}
		timeout := time.After(20 * time.Second)
		for len(want) > 0 {
			select {
			case name, ok := <-ch:
				if !ok {
					t.Fatal("the watch ended")
				}
				delete(want, name)
			case <-timeout:
				t.Fatalf("member %d down: changes never reported: %v", down, slices.Sorted(maps.Keys(want)))
			}
		}
		wcancel()
		c.Restart(down)
	}
}

// TestWatchResumesAfterCompaction: a watch through member 0 alone is away
// while another client writes, deletes, and compacts the cluster's history
// past the last revision the watch saw; when member 0 is back, the watch
// reports exactly what changed meanwhile, deletions too.
func TestWatchResumesAfterCompaction(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, prefix := newKey(t), newPrefix()
	writer := open(t, c, prefix, key, secret.StoreOptions{}, 1, 2)
	for _, name := range []string{"kept", "changed", "gone"} {
		if err := writer.Set(ctx, name, map[string]string{"K": "fake-1"}); err != nil {
			t.Fatal(err)
		}
	}
	w := open(t, c, prefix, key, secret.StoreOptions{}, 0)
	ch, err := w.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Kill(0)
	if err := writer.Set(ctx, "changed", map[string]string{"K": "fake-2"}); err != nil {
		t.Fatal(err)
	}
	if err := writer.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := writer.Set(ctx, "new", map[string]string{"K": "fake-1"}); err != nil {
		t.Fatal(err)
	}
	admin := c.Client(t, 1, 2)
	resp, err := admin.Get(ctx, "any")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Compact(ctx, resp.Header.Revision); err != nil {
		t.Fatal(err)
	}
	c.Restart(0)
	want := map[string]bool{"changed": true, "gone": true, "new": true}
	timeout := time.After(30 * time.Second)
	for len(want) > 0 {
		select {
		case name := <-ch:
			if name == "kept" {
				t.Error("the watch reported a bundle that did not change")
			}
			delete(want, name)
		case <-timeout:
			t.Fatalf("changes made while the watch was away never reported: %v", slices.Sorted(maps.Keys(want)))
		}
	}
}

// TestHistorySurvivesRestart: each member killed and started again in turn
// (the cluster keeps a quorum, as in a rolling restart); the
// history of a bundle, read through another member than the one that wrote
// it, is whole, and a rollback restores that version exactly.
func TestHistorySurvivesRestart(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, prefix := newKey(t), newPrefix()
	st := open(t, c, prefix, key, secret.StoreOptions{}, 0)
	versions := []map[string]string{
		{"A": "fake-1"},
		{"A": "fake-2", "B": "fake-b"},
		{"B": "fake-b2", "C": "fake-c"},
	}
	for _, v := range versions {
		if err := st.Set(ctx, "app", v); err != nil {
			t.Fatal(err)
		}
	}
	before, err := st.History(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Members {
		c.Kill(i)
		c.Restart(i)
	}
	r := open(t, c, prefix, key, secret.StoreOptions{}, 1)
	after, err := r.History(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("history after the restart has %d versions, before %d", len(after), len(before))
	}
	for i := range after {
		a, b := after[i], before[i]
		if a.Number != b.Number || !a.Time.Equal(b.Time) || !slices.Equal(a.Added, b.Added) ||
			!slices.Equal(a.Removed, b.Removed) || !slices.Equal(a.Changed, b.Changed) {
			t.Errorf("version %d changed across the restart: %+v, was %+v", b.Number, a, b)
		}
	}
	if err := r.Rollback(ctx, "app", 2); err != nil {
		t.Fatal(err)
	}
	got, err := open(t, c, prefix, key, secret.StoreOptions{}, 2).Get(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, versions[1]) {
		t.Errorf("rollback to version 2 gave keys %v, want exactly version 2's %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(versions[1])))
	}
}

package secrettest

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/envseal/secret"
)

// infoStore returns st as a secret.InfoStore, or nil when it is not one.
func infoStore(st secret.WritableStore) secret.InfoStore {
	s, _ := st.(secret.InfoStore)
	return s
}

// mustGetInfo returns the entries and info of bundle name of st.
func mustGetInfo(t *testing.T, st secret.InfoStore, name string) (map[string]string, secret.BundleInfo) {
	t.Helper()
	env, info, err := st.GetWithInfo(context.Background(), name)
	if err != nil {
		t.Fatalf("GetWithInfo(%s): %v", name, err)
	}
	if env == nil || info.Descriptions == nil {
		t.Fatalf("GetWithInfo(%s) returned a nil map", name)
	}
	return env, info
}

// expectDescriptions fails unless info has exactly want as descriptions.
// Descriptions are not secret: the failure shows them.
func expectDescriptions(t *testing.T, info secret.BundleInfo, want map[string]string) {
	t.Helper()
	if !maps.Equal(info.Descriptions, want) {
		t.Errorf("descriptions = %q, want %q", info.Descriptions, want)
	}
}

// describe sets descriptions of keys of bundle name, which must exist or
// be created with the keys given.
func describe(t *testing.T, st secret.InfoStore, name string, env, descriptions map[string]string) {
	t.Helper()
	err := st.UpdateWithInfo(context.Background(), name, func(e map[string]string, info *secret.BundleInfo) error {
		maps.Copy(e, env)
		maps.Copy(info.Descriptions, descriptions)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testInfo(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := infoStore(open(t, key, secret.StoreOptions{}))
	if st == nil {
		return // the store keeps no info: nothing to check
	}
	if _, _, err := st.GetWithInfo(ctx, "app"); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("GetWithInfo of a missing bundle = %v, want ErrNotFound", err)
	}

	// A new bundle starts empty; empty descriptions and those of absent
	// keys are dropped; control characters are kept as they are.
	err := st.UpdateWithInfo(ctx, "app", func(env map[string]string, info *secret.BundleInfo) error {
		if len(env) != 0 || len(info.Descriptions) != 0 || info.WriteOnly || info.Descriptions == nil {
			t.Errorf("a new bundle starts with %d keys, info %+v", len(env), *info)
		}
		env["A"], env["B"], env["C"] = "fake-a", "fake-b", "fake-c"
		info.Descriptions["A"] = "the A key\n\x1b[31mred\u202e"
		info.Descriptions["B"] = ""
		info.Descriptions["ABSENT"] = "no such key"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	env, info := mustGetInfo(t, st, "app")
	expectEntries(t, env, map[string]string{"A": "fake-a", "B": "fake-b", "C": "fake-c"})
	expectDescriptions(t, info, map[string]string{"A": "the A key\n\x1b[31mred\u202e"})
	if info.WriteOnly {
		t.Error("a bundle created without WriteOnly is write-only")
	}
	// The caller owns the maps; another store on the backend sees the same.
	info.Descriptions["A"] = "changed"
	env["A"] = "fake-changed"
	_, info = mustGetInfo(t, infoStore(open(t, key, secret.StoreOptions{})), "app")
	expectDescriptions(t, info, map[string]string{"A": "the A key\n\x1b[31mred\u202e"})
	expectEntries(t, mustGet(t, st, "app"), map[string]string{"A": "fake-a", "B": "fake-b", "C": "fake-c"})

	// Update and Set keep the descriptions of the keys that remain.
	describe(t, st, "app", nil, map[string]string{"B": "the B key", "C": "the C key"})
	if err := st.Update(ctx, "app", func(env map[string]string) error {
		env["A"] = "fake-a2"
		delete(env, "C")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, info = mustGetInfo(t, st, "app")
	expectDescriptions(t, info, map[string]string{"A": "the A key\n\x1b[31mred\u202e", "B": "the B key"})
	mustSet(t, st, "app", map[string]string{"B": "fake-b2", "D": "fake-d"})
	_, info = mustGetInfo(t, st, "app")
	expectDescriptions(t, info, map[string]string{"B": "the B key"})
	// UpdateWithInfo removes a description by setting it empty, and one
	// goes with its key.
	describe(t, st, "app", nil, map[string]string{"B": "", "D": "the D key"})
	_, info = mustGetInfo(t, st, "app")
	expectDescriptions(t, info, map[string]string{"D": "the D key"})

	// Bad descriptions are refused, naming the key; nothing is written.
	for _, bad := range []string{strings.Repeat("d", secret.MaxDescriptionLen+1), "nul\x00byte", "bad \xff utf-8"} {
		err := st.UpdateWithInfo(ctx, "app", func(env map[string]string, info *secret.BundleInfo) error {
			env["E"] = "fake-e"
			info.Descriptions["E"] = bad
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "key E: description") || !strings.Contains(err.Error(), `"app"`) {
			t.Errorf("a bad description: %v, want an error naming the bundle and key E", err)
		}
	}
	if err := st.UpdateWithInfo(ctx, "app", nil); err == nil {
		t.Error("UpdateWithInfo with a nil fn succeeded")
	}
	errStop := errors.New("stop")
	if err := st.UpdateWithInfo(ctx, "app", func(env map[string]string, info *secret.BundleInfo) error {
		env["E"] = "fake-e"
		info.Descriptions["D"] = "changed"
		return errStop
	}); !errors.Is(err, errStop) {
		t.Errorf("UpdateWithInfo whose fn fails = %v, want fn's error", err)
	}
	if err := st.UpdateWithInfo(ctx, "app", func(env map[string]string, info *secret.BundleInfo) error {
		env["1BAD"] = "fake"
		return nil
	}); err == nil {
		t.Error("UpdateWithInfo that leaves an invalid key succeeded")
	}
	env, info = mustGetInfo(t, st, "app")
	expectEntries(t, env, map[string]string{"B": "fake-b2", "D": "fake-d"})
	expectDescriptions(t, info, map[string]string{"D": "the D key"})
	if _, err := st.Get(ctx, "never"); !errors.Is(err, secret.ErrNotFound) {
		t.Errorf("Get = %v", err)
	}

	// Rollback brings a version's descriptions back; Rotate keeps them.
	if h := historyStore(st); h != nil {
		vs, err := h.History(ctx, "app")
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Rollback(ctx, "app", vs[0].Number); err != nil {
			t.Fatal(err)
		}
		_, info = mustGetInfo(t, st, "app")
		expectDescriptions(t, info, map[string]string{"A": "the A key\n\x1b[31mred\u202e"})
	}
	next := newKey(t)
	if err := st.Rotate(ctx, next); err != nil {
		t.Fatal(err)
	}
	_, info = mustGetInfo(t, infoStore(open(t, next, secret.StoreOptions{})), "app")
	if len(info.Descriptions) == 0 {
		t.Error("Rotate dropped the descriptions")
	}
}

func testInfoWriteOnly(t *testing.T, open OpenFunc, key secret.Key) {
	ctx := context.Background()
	st := infoStore(open(t, key, secret.StoreOptions{}))
	if st == nil {
		return
	}
	setWriteOnly := func(name string, on bool) error {
		return st.UpdateWithInfo(ctx, name, func(env map[string]string, info *secret.BundleInfo) error {
			if len(env) == 0 {
				env["TOKEN"] = Canary
			}
			info.WriteOnly = on
			return nil
		})
	}
	isWriteOnly := func(name string) bool {
		t.Helper()
		_, info := mustGetInfo(t, st, name)
		return info.WriteOnly
	}

	// Chosen at creation.
	if err := setWriteOnly("wo", true); err != nil {
		t.Fatal(err)
	}
	if !isWriteOnly("wo") {
		t.Fatal("a bundle created write-only is not")
	}
	if err := setWriteOnly("wo", true); err != nil {
		t.Errorf("saying write-only again: %v", err)
	}
	// Never cleared: not by UpdateWithInfo, Set, Update, Rollback or Rotate.
	err := setWriteOnly("wo", false)
	if err == nil || !strings.Contains(err.Error(), "write-only") {
		t.Errorf("clearing WriteOnly: %v, want a refusal", err)
	}
	mustSet(t, st, "wo", map[string]string{"TOKEN": "fake-2"})
	if err := st.Update(ctx, "wo", func(env map[string]string) error { env["MORE"] = "fake-3"; return nil }); err != nil {
		t.Fatal(err)
	}
	if !isWriteOnly("wo") {
		t.Fatal("Set or Update cleared WriteOnly")
	}
	if h := historyStore(st); h != nil {
		if err := h.Rollback(ctx, "wo", 1); err != nil {
			t.Fatal(err)
		}
		if !isWriteOnly("wo") {
			t.Error("Rollback cleared WriteOnly")
		}
	}
	// A write-only bundle still resolves: it is used, not shown.
	r := secret.Resolver{Store: st}
	if env, err := r.Resolve(ctx, secret.FromName("wo")); err != nil || env.Len() == 0 {
		t.Errorf("Resolve of a write-only bundle: %v", err)
	}

	// An existing bundle does not become write-only.
	mustSet(t, st, "plain", map[string]string{"A": "fake-a"})
	err = setWriteOnly("plain", true)
	if err == nil || !strings.Contains(err.Error(), "write-only is chosen when a bundle is created") {
		t.Errorf("making an existing bundle write-only: %v, want a refusal", err)
	}
	if isWriteOnly("plain") {
		t.Error("a refused write made the bundle write-only")
	}

	// Delete ends it; a rollback to a write-only version brings it back,
	// and a rollback never makes a write-only bundle readable.
	if err := st.Delete(ctx, "wo"); err != nil {
		t.Fatal(err)
	}
	mustSet(t, st, "wo", map[string]string{"TOKEN": "fake-new"})
	if isWriteOnly("wo") {
		t.Error("a bundle set again after Delete is still write-only")
	}
	if h := historyStore(st); h != nil {
		if err := h.Rollback(ctx, "wo", 1); err != nil {
			t.Fatal(err)
		}
		if !isWriteOnly("wo") {
			t.Error("a rollback to a write-only version is not write-only")
		}
		mustSet(t, st, "mixed", map[string]string{"A": "fake-a"})
		if err := st.Delete(ctx, "mixed"); err != nil {
			t.Fatal(err)
		}
		if err := setWriteOnly("mixed", true); err != nil {
			t.Fatal(err)
		}
		if err := h.Rollback(ctx, "mixed", 1); err != nil {
			t.Fatal(err)
		}
		if !isWriteOnly("mixed") {
			t.Error("a rollback made a write-only bundle readable")
		}
	}

	next := newKey(t)
	if err := st.Rotate(ctx, next); err != nil {
		t.Fatal(err)
	}
	if _, info := mustGetInfo(t, infoStore(open(t, next, secret.StoreOptions{})), "wo"); !info.WriteOnly {
		t.Error("Rotate cleared WriteOnly")
	}
	_, _, errClear := st.GetWithInfo(ctx, "missing")
	NoLeak(t, []string{Canary}, err, errClear)
}

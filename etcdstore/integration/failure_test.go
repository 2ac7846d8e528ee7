//go:build unix

package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envseal/secret"
	"github.com/envseal/secret/etcdstore"
	"github.com/envseal/secret/etcdstore/integration/etcdtest"
	"github.com/envseal/secret/secrettest"
)

// TestMembersKilled: with one member killed (SIGKILL) reads and writes go
// on; with two, there is no quorum: reads and writes fail within their
// deadline with an error naming the store and the bundle, and nothing is
// written; with the members back, every bundle is intact.
func TestMembersKilled(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{})
	ctx := context.Background()
	key, prefix := newKey(t), newPrefix()
	st := open(t, c, prefix, key, secret.StoreOptions{})
	want := map[string]map[string]string{}
	for i := range 20 {
		name := fmt.Sprintf("b%02d", i)
		want[name] = map[string]string{"K": fmt.Sprintf("fake-%d", i)}
		if err := st.Set(ctx, name, want[name]); err != nil {
			t.Fatal(err)
		}
	}

	c.Kill(0)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := st.Update(wctx, "b00", func(env map[string]string) error { env["K"] = "fake-after-one"; return nil }); err != nil {
		t.Fatalf("an update with one member of three down: %v", err)
	}
	want["b00"] = map[string]string{"K": "fake-after-one"}
	if got, err := st.Get(wctx, "b01"); err != nil || got["K"] != "fake-1" {
		t.Fatalf("a read with one member of three down: %v", err)
	}

	c.Kill(1)
	const deadline = 2 * time.Second
	for _, op := range []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"Set", func(ctx context.Context) error { return st.Set(ctx, "b02", map[string]string{"K": secrettest.Canary}) }},
		{"Update", func(ctx context.Context) error {
			return st.Update(ctx, "b03", func(env map[string]string) error { env["K"] = secrettest.Canary; return nil })
		}},
		{"Delete", func(ctx context.Context) error { return st.Delete(ctx, "b04") }},
		{"Get", func(ctx context.Context) error { _, err := st.Get(ctx, "b05"); return err }},
	} {
		qctx, cancel := context.WithTimeout(ctx, deadline)
		start := time.Now()
		err := op.run(qctx)
		took := time.Since(start)
		cancel()
		if err == nil {
			t.Fatalf("%s succeeded without quorum", op.name)
		}
		if took > deadline+2*time.Second {
			t.Errorf("%s took %v, past its deadline of %v", op.name, took, deadline)
		}
		msg := err.Error()
		for _, w := range []string{"etcd://", prefix, "bundle"} {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: the error does not name %q: %s", op.name, w, msg)
			}
		}
		if !strings.Contains(msg, "majority") {
			t.Errorf("%s: the error does not say what to check: %s", op.name, msg)
		}
		secrettest.NoLeak(t, []string{secrettest.Canary}, err)
		t.Logf("%s without quorum, after %v: %s", op.name, took.Round(time.Millisecond), msg)
	}

	c.Restart(0)
	c.Restart(1)
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for name, env := range want {
		got, err := st.Get(rctx, name)
		if err != nil {
			t.Fatalf("%s after the restart: %v", name, err)
		}
		if got["K"] != env["K"] {
			t.Errorf("%s changed: a write without quorum was applied, or a confirmed one lost", name)
		}
	}
}

// TestAllMembersDown: a store whose members are all down fails within the
// context's deadline, naming the store.
func TestAllMembersDown(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{Size: 1})
	st := open(t, c, newPrefix(), newKey(t), secret.StoreOptions{})
	c.Kill(0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := st.Get(ctx, "app")
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("Get with no member up = %v after %v", err, time.Since(start))
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "etcd://") {
		t.Errorf("error %q: want DeadlineExceeded naming the store", err)
	}
}

// TestTLSAndAuth: a cluster that serves TLS with client certificates and
// has authentication on is reached through the documented variables, read
// from files; wrong credentials give a clear error.
func TestTLSAndAuth(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{Size: 1, TLS: true, Auth: true})
	dir := t.TempDir()
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte(etcdtest.RootPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		etcdstore.EnvCACert: c.Certs.CA, etcdstore.EnvCert: c.Certs.Client, etcdstore.EnvKey: c.Certs.ClientKey,
		etcdstore.EnvUser: "root", etcdstore.EnvPasswordFile: pw,
	}
	getenv := func(k string) string { return env[k] }
	key := newKey(t)
	url := c.URL("/secure")
	ws, err := etcdstore.OpenURL(url, key, secret.StoreOptions{}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	st := ws.(*etcdstore.Store)
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := st.Set(ctx, "app", map[string]string{"K": "fake"}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Get(ctx, "app"); err != nil || got["K"] != "fake" {
		t.Fatalf("Get over TLS with auth: %v", err)
	}

	if err := os.WriteFile(pw, []byte("fake-wrong-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad, err := etcdstore.OpenURL(url, key, secret.StoreOptions{}, getenv)
	if err == nil {
		defer bad.(*etcdstore.Store).Close()
		_, err = bad.Get(ctx, "app")
	}
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("a wrong password: %v, want an error about the credentials", err)
	}
	secrettest.NoLeak(t, []string{"fake-wrong-password", etcdtest.RootPassword}, err)

	// Without a client certificate the cluster refuses the connection.
	if err := os.WriteFile(pw, []byte(etcdtest.RootPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	delete(env, etcdstore.EnvCert)
	delete(env, etcdstore.EnvKey)
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	nocert, err := etcdstore.OpenURL(url, key, secret.StoreOptions{}, getenv)
	if err == nil {
		defer nocert.(*etcdstore.Store).Close()
		_, err = nocert.Get(short, "app")
	}
	if err == nil {
		t.Error("reached a --client-cert-auth cluster without a client certificate")
	}
}

// TestLeaderKilledDuringUpdates: writers update a bundle through every
// member while the leader is killed with SIGKILL; every update that
// returned nil is in the bundle once, none lost and none applied twice
// (a commit interrupted by the election is checked before it is retried).
func TestLeaderKilledDuringUpdates(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{})
	ctx := context.Background()
	key, prefix := newKey(t), newPrefix()
	cli := c.Client(t)
	leader := -1
	for i, ep := range c.Endpoints() {
		st, err := cli.Status(ctx, ep)
		if err != nil {
			t.Fatal(err)
		}
		if st.Header.MemberId == st.Leader {
			leader = i
		}
	}
	if leader < 0 {
		t.Fatal("no leader")
	}
	const writers = 6
	var mu sync.Mutex
	confirmed := map[string]int{}
	failed := map[string]int{} // errors: refused, or of unknown outcome
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		st := open(t, c, prefix, key, secret.StoreOptions{}) // every member
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := fmt.Sprintf("W%d", w)
			for {
				select {
				case <-stop:
					return
				default:
				}
				uctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				err := st.Update(uctx, "counter", func(env map[string]string) error {
					n, _ := strconv.Atoi(env[own])
					env[own] = strconv.Itoa(n + 1)
					return nil
				})
				cancel()
				mu.Lock()
				if err == nil {
					confirmed[own]++
				} else {
					failed[own]++
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	c.Kill(leader)
	time.Sleep(2 * time.Second) // an election, and writes after it
	close(stop)
	wg.Wait()
	others := []int{(leader + 1) % 3, (leader + 2) % 3}
	got, err := open(t, c, prefix, key, secret.StoreOptions{}, others...).Get(ctx, "counter")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for w := range writers {
		own := fmt.Sprintf("W%d", w)
		n, _ := strconv.Atoi(got[own])
		total += confirmed[own]
		// An update that failed may have been applied: its commit may
		// have been cut off from its answer by the leader's death or by
		// the deadline, and no client can tell. None that was confirmed
		// may be lost, and none may be applied twice.
		if n < confirmed[own] || n > confirmed[own]+failed[own] {
			t.Errorf("%s: %d in the bundle, %d updates confirmed, %d failed", own, n, confirmed[own], failed[own])
		}
	}
	t.Logf("%d confirmed updates across a leader kill (and %d failed)", total, sumOf(failed))
	if total == 0 {
		t.Fatal("no update was confirmed")
	}
}

// sumOf adds the counts of m.
func sumOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

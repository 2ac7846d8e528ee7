//go:build unix

package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/envseal/secret"
	"github.com/envseal/secret/etcdstore"
	"github.com/envseal/secret/etcdstore/integration/etcdtest"
	"github.com/envseal/secret/internal/seal"
	"github.com/envseal/secret/secrettest"
)

// The test binary runs as a helper process (a writer, or a Rotate to kill)
// when ENVSEAL_ITEST_HELPER is set.
func TestMain(m *testing.M) {
	if mode := os.Getenv("ENVSEAL_ITEST_HELPER"); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

// helper runs one helper process and returns its exit code.
func helper(mode string) int {
	key, err := secret.ParseKey(os.Getenv("ENVSEAL_KEY"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	st, err := etcdstore.OpenURL(os.Getenv("ENVSEAL_STORE"), key, secret.StoreOptions{}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	switch mode {
	case "update":
		own := os.Getenv("ENVSEAL_ITEST_OWN")
		n, _ := strconv.Atoi(os.Getenv("ENVSEAL_ITEST_ROUNDS"))
		for range n {
			err := st.Update(ctx, "shared", func(env map[string]string) error {
				for _, k := range []string{own, "TOTAL"} {
					v, _ := strconv.Atoi(env[k])
					env[k] = strconv.Itoa(v + 1)
				}
				return nil
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return 0
	case "rotate":
		next, err := secret.ParseKey(os.Getenv("ENVSEAL_ITEST_NEXT_KEY"))
		if err != nil {
			return 2
		}
		if err := st.Rotate(ctx, next); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	return 2
}

var prefixes atomic.Int64

// newPrefix returns a prefix no other test uses.
func newPrefix() string { return fmt.Sprintf("/t%d", prefixes.Add(1)) }

// open opens the store at prefix through the given members of c.
func open(t testing.TB, c *etcdtest.Cluster, prefix string, key secret.Key, opts secret.StoreOptions, members ...int) *etcdstore.Store {
	t.Helper()
	st, err := etcdstore.Open(etcdstore.Config{Endpoints: c.Endpoints(members...), Prefix: prefix}, key, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newKey(t testing.TB) secret.Key {
	t.Helper()
	k, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestOnCluster runs the tests that need a healthy 3-member cluster on one.
func TestOnCluster(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{})
	t.Run("Conformance", func(t *testing.T) {
		var n atomic.Int64
		secrettest.TestStore(t, func(t *testing.T) secrettest.OpenFunc {
			prefix := newPrefix()
			// Each store of a backend talks to another member: what one
			// writes, another reads.
			return func(t *testing.T, key secret.Key, opts secret.StoreOptions) secret.WritableStore {
				return open(t, c, prefix, key, opts, int(n.Add(1))%len(c.Members))
			}
		})
	})
	t.Run("WriteThroughOneMemberReadThroughAnother", func(t *testing.T) { testCrossMember(t, c) })
	t.Run("EtcdHoldsNoSecretInClear", func(t *testing.T) { testNothingInClear(t, c) })
	t.Run("CopiedValuesDoNotOpen", func(t *testing.T) { testCopiedValues(t, c) })
	t.Run("EightProcessesLoseNoUpdate", func(t *testing.T) { testEightProcesses(t, c) })
	t.Run("RotateKilledAndResumed", func(t *testing.T) { testRotateKilled(t, c) })
	t.Run("SameBytesAsFileStore", func(t *testing.T) { testSameBytesAsFileStore(t, c) })
}

func testCrossMember(t *testing.T, c *etcdtest.Cluster) {
	ctx := context.Background()
	key, prefix := newKey(t), newPrefix()
	w := open(t, c, prefix, key, secret.StoreOptions{}, 0)
	r := open(t, c, prefix, key, secret.StoreOptions{}, 2)
	if err := w.Set(ctx, "app", map[string]string{"DB": "fake-db"}); err != nil {
		t.Fatal(err)
	}
	got, err := r.Get(ctx, "app")
	if err != nil || got["DB"] != "fake-db" {
		t.Fatalf("read through member 2 = %d keys, %v", len(got), err)
	}
	// And the layout is PREFIX/ENVIRONMENT/NAME.
	resp, err := c.Client(t, 1).Get(ctx, prefix+"/default/app")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("no key %s/default/app: %v", prefix, err)
	}
}

// testNothingInClear: every byte the cluster holds for a store is
// ciphertext, with no value and no key name in it.
func testNothingInClear(t *testing.T, c *etcdtest.Cluster) {
	ctx := context.Background()
	key, prefix := newKey(t), newPrefix()
	st := open(t, c, prefix, key, secret.StoreOptions{}, 0)
	const canaryKey = "CANARY_KEY_NAME_4242"
	if err := st.Set(ctx, "app", map[string]string{canaryKey: secrettest.Canary}); err != nil {
		t.Fatal(err)
	}
	prod, err := st.InEnvironment("prod")
	if err != nil {
		t.Fatal(err)
	}
	if err := prod.Update(ctx, "app", func(env map[string]string) error { env[canaryKey] = secrettest.Canary; return nil }); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Client(t).Get(ctx, "", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, kv := range resp.Kvs {
		if !strings.HasPrefix(string(kv.Key), prefix+"/") {
			continue
		}
		seen++
		for _, s := range []string{secrettest.Canary, canaryKey, secrettest.Canary[:12], canaryKey[:12]} {
			if bytes.Contains(kv.Value, []byte(s)) || bytes.Contains(kv.Key, []byte(s)) {
				t.Errorf("etcd holds part of a value or key name in clear at %s", kv.Key)
			}
		}
	}
	if seen != 4 {
		t.Errorf("found %d keys of the store, want 4: two bundles and a version of each in their histories", seen)
	}
}

// testCopiedValues: a sealed value copied to another name or environment
// does not open.
func testCopiedValues(t *testing.T, c *etcdtest.Cluster) {
	ctx := context.Background()
	key, prefix := newKey(t), newPrefix()
	st := open(t, c, prefix, key, secret.StoreOptions{}, 0)
	if err := st.Set(ctx, "app", map[string]string{"K": "fake"}); err != nil {
		t.Fatal(err)
	}
	cli := c.Client(t)
	resp, err := cli.Get(ctx, prefix+"/default/app")
	if err != nil {
		t.Fatal(err)
	}
	value := string(resp.Kvs[0].Value)
	for _, k := range []string{prefix + "/default/other", prefix + "/prod/app"} {
		if _, err := cli.Put(ctx, k, value); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Get(ctx, "other"); !errors.Is(err, secret.ErrAuthFailed) {
		t.Errorf("a value copied to another name opened: %v", err)
	}
	prod, _ := st.InEnvironment("prod")
	if _, err := prod.Get(ctx, "app"); !errors.Is(err, secret.ErrAuthFailed) {
		t.Errorf("a value copied to another environment opened: %v", err)
	}
}

// testEightProcesses: 8 processes, each through another member, update
// their own key and a shared total of one bundle 50 times each; no update
// is lost.
func testEightProcesses(t *testing.T, c *etcdtest.Cluster) {
	key, prefix := newKey(t), newPrefix()
	const procs, rounds = 8, 50
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, procs)
	outs := make([][]byte, procs)
	for i := range procs {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(),
			"ENVSEAL_ITEST_HELPER=update",
			"ENVSEAL_KEY="+key.Encode(),
			"ENVSEAL_STORE="+c.URL(prefix, i%len(c.Members)),
			"ENVSEAL_ITEST_OWN="+fmt.Sprintf("P%d", i),
			"ENVSEAL_ITEST_ROUNDS="+strconv.Itoa(rounds),
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v: %s", i, err, outs[i])
		}
	}
	got, err := open(t, c, prefix, key, secret.StoreOptions{}, 1).Get(context.Background(), "shared")
	if err != nil {
		t.Fatal(err)
	}
	lost := procs * rounds
	if n, _ := strconv.Atoi(got["TOTAL"]); n == procs*rounds {
		lost = 0
	} else {
		lost -= n
	}
	for i := range procs {
		if got[fmt.Sprintf("P%d", i)] != strconv.Itoa(rounds) {
			t.Errorf("P%d = %s, want %d", i, got[fmt.Sprintf("P%d", i)], rounds)
		}
	}
	if lost != 0 {
		t.Errorf("%d of %d updates lost", lost, procs*rounds)
	}
}

// testRotateKilled: a Rotate killed with SIGKILL partway leaves every
// bundle whole under one key or the other; running it again finishes it.
func testRotateKilled(t *testing.T, c *etcdtest.Cluster) {
	ctx := context.Background()
	oldKey, nextKey, prefix := newKey(t), newKey(t), newPrefix()
	st := open(t, c, prefix, oldKey, secret.StoreOptions{}, 0)
	const n = 300
	for i := range n {
		if err := st.Set(ctx, fmt.Sprintf("b%03d", i), map[string]string{"K": fmt.Sprintf("fake-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "ENVSEAL_ITEST_HELPER=rotate", "ENVSEAL_KEY="+oldKey.Encode(),
		"ENVSEAL_ITEST_NEXT_KEY="+nextKey.Encode(), "ENVSEAL_STORE="+c.URL(prefix, 1))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once some bundles, not all, are under the new key.
	cli := c.Client(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		under := countUnder(t, cli, prefix, nextKey)
		if under > 0 && under < n || time.Now().After(deadline) {
			break
		}
		if under == n {
			t.Log("Rotate finished before it could be killed")
			break
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	under := countUnder(t, cli, prefix, nextKey)
	t.Logf("killed with %d of %d bundles re-sealed", under, n)
	fresh := open(t, c, prefix, nextKey, secret.StoreOptions{}, 2)
	for i := range n {
		name := fmt.Sprintf("b%03d", i)
		got, err := st.Get(ctx, name)
		if err != nil {
			got, err = fresh.Get(ctx, name)
		}
		if err != nil || got["K"] != fmt.Sprintf("fake-%d", i) {
			t.Fatalf("bundle %s opens under neither key: %v", name, err)
		}
	}
	// Resume: the same command, from a store with the old key.
	if err := st.Rotate(ctx, nextKey); err != nil {
		t.Fatal(err)
	}
	if got := countUnder(t, cli, prefix, nextKey); got != n {
		t.Fatalf("%d of %d bundles under the new key after resuming", got, n)
	}
}

// countUnder counts the bundles under prefix sealed under key, by their
// headers.
func countUnder(t *testing.T, cli *clientv3.Client, prefix string, key secret.Key) int {
	resp, err := cli.Get(context.Background(), prefix+"/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, kv := range resp.Kvs {
		if id, ok := seal.SealedKeyID(kv.Value); ok && id.String() == key.ID() {
			n++
		}
	}
	return n
}

// testSameBytesAsFileStore: a bundle sealed by a FileStore opens from etcd,
// and the other way round: the two backends share one format.
func testSameBytesAsFileStore(t *testing.T, c *etcdtest.Cluster) {
	ctx := context.Background()
	key, prefix := newKey(t), newPrefix()
	fs, err := secret.OpenFileStore(t.TempDir()+"/store", key)
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Set(ctx, "from-file", map[string]string{"K": "fake-file"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(fs.Dir() + "/from-file.sealed")
	if err != nil {
		t.Fatal(err)
	}
	cli := c.Client(t)
	if _, err := cli.Put(ctx, prefix+"/default/from-file", string(data)); err != nil {
		t.Fatal(err)
	}
	st := open(t, c, prefix, key, secret.StoreOptions{}, 0)
	if got, err := st.Get(ctx, "from-file"); err != nil || got["K"] != "fake-file" {
		t.Fatalf("a FileStore bundle does not open from etcd: %v", err)
	}
	if err := st.Set(ctx, "from-etcd", map[string]string{"K": "fake-etcd"}); err != nil {
		t.Fatal(err)
	}
	resp, err := cli.Get(ctx, prefix+"/default/from-etcd")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fs.Dir()+"/from-etcd.sealed", resp.Kvs[0].Value, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := fs.Get(ctx, "from-etcd"); err != nil || got["K"] != "fake-etcd" {
		t.Fatalf("an etcd bundle does not open from a FileStore: %v", err)
	}
}

package etcdstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/envseal/secret"
	"github.com/envseal/secret/internal/history"
	"github.com/envseal/secret/internal/seal"
)

// historyKey is the part of the keys of bundle histories after the prefix:
// version N of bundle NAME of environment ENV is the key
// PREFIX/_history/ENV/NAME/N, holding a history record (see internal/seal).
// No environment name starts with "_", so histories never mix with bundles.
const historyKey = "_history"

var _ secret.HistoryStore = (*Store)(nil)

// historyPrefix returns the prefix of the keys of the versions of bundle
// name of environment env.
func (s *Store) historyPrefix(env, name string) string {
	if env == "" {
		env = defaultEnvironmentKey
	}
	return s.prefix + "/" + historyKey + "/" + env + "/" + name + "/"
}

// versionNumbers returns the version numbers of the keys kvs under the
// history prefix p, sorted.
func versionNumbers(p string, kvs []*mvccpb.KeyValue) []int {
	var ns []int
	for _, kv := range kvs {
		n, err := strconv.Atoi(strings.TrimPrefix(string(kv.Key), p))
		if err == nil && n > 0 {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	return ns
}

// versionOps returns the operations that record the next version of a
// bundle whose history is at prefix p with versions ns: its new sealed bytes
// data, or its deletion (data nil). A bundle with current bytes cur but no
// history yet (written with History < 0 before) gets them as version 1
// first. Versions past the store's limit are deleted. It returns the key and
// bytes of the new version's record too ("" and nil with no history).
func (s *Store) versionOps(p string, ns []int, cur, data []byte) ([]clientv3.Op, string, []byte) {
	limit := history.Limit(s.opts.History)
	if limit == 0 {
		return nil, "", nil
	}
	now := time.Now()
	var ops []clientv3.Op
	next := 1
	if len(ns) > 0 {
		next = ns[len(ns)-1] + 1
	} else if cur != nil {
		ops = append(ops, clientv3.OpPut(p+"1", string(seal.EncodeRecord(seal.Record{Time: now, Sealed: cur}))))
		ns, next = []int{1}, 2
	}
	rec := seal.EncodeRecord(seal.Record{Deleted: data == nil, Time: now, Sealed: data})
	recKey := p + strconv.Itoa(next)
	ops = append(ops, clientv3.OpPut(recKey, string(rec)))
	for _, n := range history.Pruned(ns, next, limit) {
		ops = append(ops, clientv3.OpDelete(p+strconv.Itoa(n)))
	}
	return ops, recKey, rec
}

// records reads the history of bundle name: the version numbers and their
// records, sorted by number.
func (s *Store) records(ctx context.Context, name string) ([]int, []seal.Record, error) {
	full, p := fullName(s.env, name), s.historyPrefix(s.env, name)
	resp, err := s.client.Get(ctx, p, clientv3.WithPrefix())
	if err != nil {
		return nil, nil, s.failure(full, err)
	}
	type version struct {
		n   int
		rec seal.Record
	}
	var vs []version
	for _, kv := range resp.Kvs {
		n, err := strconv.Atoi(strings.TrimPrefix(string(kv.Key), p))
		if err != nil || n <= 0 {
			continue
		}
		rec, err := seal.DecodeRecord(kv.Value)
		if err != nil {
			return nil, nil, &secret.BundleError{Bundle: full, Err: fmt.Errorf("version %d: %w", n, err)}
		}
		vs = append(vs, version{n, rec})
	}
	slices.SortFunc(vs, func(a, b version) int { return a.n - b.n })
	ns := make([]int, len(vs))
	recs := make([]seal.Record, len(vs))
	for i, v := range vs {
		ns[i], recs[i] = v.n, v.rec
	}
	return ns, recs, nil
}

// History returns the versions of bundle name that the store keeps, oldest
// first, the current one last.
func (s *Store) History(ctx context.Context, name string) ([]secret.Version, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	full := fullName(s.env, name)
	ns, recs, err := s.records(ctx, name)
	if err != nil {
		return nil, err
	}
	key, _, _ := s.keys.get()
	if len(ns) == 0 {
		// Written with History < 0: the current bundle is the only version.
		env, err := s.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		return []secret.Version{{Number: 1, Added: history.Keys(env)}}, nil
	}
	entries, err := history.Versions(ns, recs, func(n int, sealed []byte) (map[string]string, error) {
		env, err := s.open(key, full, sealed)
		if err != nil {
			return nil, fmt.Errorf("version %d: %w", n, err)
		}
		return env, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]secret.Version, len(entries))
	for i, e := range entries {
		out[i] = secret.Version(e)
	}
	return out, nil
}

// GetVersion returns the entries of version number of bundle name.
func (s *Store) GetVersion(ctx context.Context, name string, number int) (map[string]string, error) {
	b, err := s.getVersion(ctx, name, number)
	return b.Env, err
}

// getVersion returns version number of bundle name, with its info.
func (s *Store) getVersion(ctx context.Context, name string, number int) (seal.Bundle, error) {
	if err := checkName(name); err != nil {
		return seal.Bundle{}, err
	}
	if err := ctx.Err(); err != nil {
		return seal.Bundle{}, err
	}
	full := fullName(s.env, name)
	resp, err := s.client.Get(ctx, s.historyPrefix(s.env, name)+strconv.Itoa(number))
	if err != nil {
		return seal.Bundle{}, s.failure(full, err)
	}
	if len(resp.Kvs) == 0 {
		return seal.Bundle{}, &secret.BundleError{Bundle: full, Err: fmt.Errorf("version %d: %w", number, secret.ErrNotFound)}
	}
	rec, err := seal.DecodeRecord(resp.Kvs[0].Value)
	if err != nil {
		return seal.Bundle{}, &secret.BundleError{Bundle: full, Err: fmt.Errorf("version %d: %w", number, err)}
	}
	if rec.Deleted {
		return seal.Bundle{}, &secret.BundleError{Bundle: full, Err: fmt.Errorf("version %d is the bundle's deletion: it has no entries", number)}
	}
	key, _, _ := s.keys.get()
	b, err := s.openBundle(key, full, rec.Sealed)
	if err != nil {
		return seal.Bundle{}, fmt.Errorf("version %d: %w", number, err)
	}
	return b, nil
}

// Rollback makes the entries of version number of bundle name current
// again, with the descriptions they had then, as a new version (Set's rules
// apply). The bundle is write-only after it if the version was, or if the
// bundle is now: a rollback never makes a bundle readable.
func (s *Store) Rollback(ctx context.Context, name string, number int) error {
	b, err := s.getVersion(ctx, name, number)
	if err != nil {
		return err
	}
	full := fullName(s.env, name)
	if err := checkBundle(full, b.Env); err != nil {
		return err
	}
	return s.change(ctx, name, func(key secret.Key, cur []byte) ([]byte, error) {
		if err := s.checkKeyOf(ctx, key, name, cur); err != nil {
			return nil, err
		}
		next := b
		if cur != nil {
			if old, err := s.openBundle(key, full, cur); err == nil && old.WriteOnly {
				next.WriteOnly = true
			}
		}
		return sealBundleInfo(key, full, next)
	})
}

// rotateRecord re-seals the bundle in the history record at key k under
// newKey, by compare-and-swap; full is the bundle's name.
func (s *Store) rotateRecord(ctx context.Context, k, full string, oldKey, newKey secret.Key) error {
	for attempt := 0; ; attempt++ {
		resp, err := s.client.Get(ctx, k)
		if err != nil {
			return s.failure(full, err)
		}
		if len(resp.Kvs) == 0 {
			return nil // pruned meanwhile
		}
		rec, err := seal.DecodeRecord(resp.Kvs[0].Value)
		if err != nil {
			return &secret.BundleError{Bundle: full, Err: err}
		}
		if rec.Deleted {
			return nil
		}
		if id, ok := seal.SealedKeyID(rec.Sealed); ok && id == seal.Key(newKey).ID() {
			return nil
		}
		b, err := s.openBundle(oldKey, full, rec.Sealed)
		if err != nil {
			return err
		}
		if rec.Sealed, err = sealBundleInfo(newKey, full, b); err != nil {
			return err
		}
		ok, err := s.swap(ctx, k, resp.Kvs[0].ModRevision, seal.EncodeRecord(rec))
		if err != nil {
			return s.failure(full, err)
		}
		if ok {
			return nil
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

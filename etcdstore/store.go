// Package etcdstore is a store of envseal bundles on etcd v3, shared by
// every machine of a fleet: the same named bundles, the same environments,
// the same sealed format as [secret.FileStore], sealed and opened on the
// client so that the cluster only ever holds ciphertext.
//
//	key, source, err := secret.FindKey()
//	st, err := etcdstore.Open(etcdstore.Config{
//		Endpoints: []string{"10.0.0.1:2379", "10.0.0.2:2379", "10.0.0.3:2379"},
//		Prefix:    "/envseal",
//	}, key, secret.StoreOptions{Environment: "prod", KeySource: source})
//	defer st.Close()
//	r := secret.Resolver{Store: st}
//	env, err := r.Resolve(ctx, secret.FromName("openai"))
//
// [OpenURL] and [DefaultStore] open a store from a URL, a folder or
// etcd://HOST:PORT[,HOST:PORT...]/PREFIX, as the envseal command does.
//
// # Layout
//
// Each bundle is one etcd key, PREFIX/ENVIRONMENT/NAME (the default
// environment is "default": /envseal/default/openai), whose value is the
// sealed bundle, byte for byte what a FileStore keeps in a file. The
// bundle's full name ("openai", or "prod/openai" outside the default
// environment) is authenticated with it, so a value copied to another key
// does not open. A bundle's [secret.BundleInfo] (the descriptions of its
// keys, the write-only flag) is sealed with it, as in a FileStore: the Store
// is a [secret.InfoStore]. etcd sees no value, no key name and no
// description in clear; it sees bundle names, sizes, revisions and times.
//
// # Consistency
//
// Get and List are linearizable reads. Set is a put. Update is a
// compare-and-swap: it reads the bundle and its ModRevision, calls fn, and
// commits with a transaction that compares the revision, calling fn again
// on a fresh copy when another writer came first, as Kubernetes' apiserver
// does for its objects; no update is lost however many clients write at
// once. Delete is a delete. Rotate re-seals bundle by bundle, each with a
// compare-and-swap, so an interrupted Rotate leaves every bundle whole under
// one key or the other, and running it again finishes it.
//
// A cluster without quorum cannot commit: writes fail, with nothing
// written, and reads too; errors say so, naming the store's endpoints and
// the bundle, within the context's deadline. Pass contexts with deadlines.
//
// # Errors
//
// Errors follow package secret's: a missing bundle wraps [secret.ErrNotFound],
// one that does not open [secret.ErrAuthFailed] (a [*secret.WrongKeyError]
// when sealed under another key), and every error about a bundle is a
// [*secret.BundleError] naming it. Failures of the cluster also name the
// store, as etcd://ENDPOINTS/PREFIX, and wrap the client's error, so that
// errors.Is(err, context.DeadlineExceeded) works. No error holds a value or
// key material.
package etcdstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/envseal/secret"
	"github.com/envseal/secret/internal/rules"
	"github.com/envseal/secret/internal/seal"
)

// Config says how to reach a cluster and where the store's keys are.
type Config struct {
	// Endpoints are the client URLs of the cluster's members, as
	// "HOST:PORT" (or "http://HOST:PORT", "https://HOST:PORT").
	Endpoints []string

	// Prefix starts every key of the store, such as "/envseal". It must
	// start with "/" and have no "/" at its end; "" is "/envseal".
	Prefix string

	// TLS, when not nil, is the TLS configuration of the connections
	// (server CA, client certificate).
	TLS *tls.Config

	// Username and Password authenticate to a cluster with auth enabled.
	Username, Password string

	// DialTimeout bounds how long the first connection may take; 0 is 5 s.
	DialTimeout time.Duration
}

// DefaultPrefix is the prefix of a Config whose Prefix is empty.
const DefaultPrefix = "/envseal"

// defaultEnvironmentKey is the environment part of the keys of the default
// environment's bundles.
const defaultEnvironmentKey = secret.DefaultEnvironment

// Store is a [secret.WritableStore] on etcd. It is safe for concurrent use.
type Store struct {
	client *clientv3.Client
	owned  bool   // Close closes client
	prefix string // "/envseal"
	where  string // "etcd://h1:2379,h2:2379/envseal", for errors
	env    string // "" for the default environment
	opts   secret.StoreOptions
	keys   *keyring
}

var (
	_ secret.WritableStore = (*Store)(nil)
	_ secret.HistoryStore  = (*Store)(nil)
	_ secret.InfoStore     = (*Store)(nil)
)

// keyring is the key of a store, which Rotate changes, shared by the
// environments of one store.
type keyring struct {
	mu   sync.RWMutex
	key  secret.Key
	next secret.Key // the key a running Rotate seals under, or the zero Key
	gen  uint64
}

func (r *keyring) get() (key, next secret.Key, gen uint64) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.key, r.next, r.gen
}

func (r *keyring) set(key, next secret.Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.key, r.next = key, next
	r.gen++
}

// Open connects to the cluster of cfg and returns the store under key, with
// opts. Close releases the connection. Open does not wait for the cluster:
// an unreachable one makes the first call fail, within its context.
func Open(cfg Config, key secret.Key, opts secret.StoreOptions) (*Store, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("etcd store: no endpoints")
	}
	prefix, err := checkPrefix(cfg.Prefix)
	if err != nil {
		return nil, err
	}
	where := describe(cfg.Endpoints, prefix)
	timeout := cfg.DialTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: timeout,
		TLS:         cfg.TLS,
		Username:    cfg.Username,
		Password:    cfg.Password,
		// The client logs to stderr by default; a library must not.
		Logger: zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, explain(err))
	}
	st, err := newStore(client, prefix, where, key, opts)
	if err != nil {
		client.Close()
		return nil, err
	}
	st.owned = true
	return st, nil
}

// New returns the store under prefix on a cluster the caller is already
// connected to. Close does not close client.
func New(client *clientv3.Client, prefix string, key secret.Key, opts secret.StoreOptions) (*Store, error) {
	if client == nil {
		return nil, errors.New("etcd store: nil client")
	}
	prefix, err := checkPrefix(prefix)
	if err != nil {
		return nil, err
	}
	return newStore(client, prefix, describe(client.Endpoints(), prefix), key, opts)
}

func newStore(client *clientv3.Client, prefix, where string, key secret.Key, opts secret.StoreOptions) (*Store, error) {
	if seal.Key(key).IsZero() {
		return nil, errors.New("etcd store: the key is the zero Key; use secret.GenerateKey, ParseKey or FindKey")
	}
	env, err := environment(opts.Environment)
	if err != nil {
		return nil, err
	}
	return &Store{client: client, prefix: prefix, where: where, env: env, opts: opts, keys: &keyring{key: key}}, nil
}

// checkPrefix returns prefix, or DefaultPrefix for "", or an error.
func checkPrefix(prefix string) (string, error) {
	if prefix == "" {
		return DefaultPrefix, nil
	}
	if !strings.HasPrefix(prefix, "/") || strings.HasSuffix(prefix, "/") || strings.Contains(prefix, "//") {
		return "", errors.New(`etcd store: the prefix must start with "/", have no "/" at its end, and no empty part ("/envseal")`)
	}
	for i := 0; i < len(prefix); i++ {
		switch c := prefix[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("/_.-", c) >= 0:
		default:
			return "", errors.New("etcd store: the prefix may hold letters, digits and / _ . - only")
		}
	}
	return prefix, nil
}

// environment returns the environment of an option, "" for the default one.
func environment(env string) (string, error) {
	switch {
	case env == "" || env == secret.DefaultEnvironment:
		return "", nil
	case !rules.ValidName(env):
		return "", fmt.Errorf("invalid environment name %s: want %s", rules.QuoteName(env), rules.NameRule)
	}
	return env, nil
}

// describe names the store in errors: etcd://ENDPOINTS/PREFIX.
func describe(endpoints []string, prefix string) string {
	hosts := make([]string, len(endpoints))
	for i, e := range endpoints {
		_, hosts[i], _ = strings.Cut(e, "://")
		if hosts[i] == "" {
			hosts[i] = e
		}
	}
	return "etcd://" + strings.Join(hosts, ",") + prefix
}

// Close closes the connection, when Open made it.
func (s *Store) Close() error {
	if s.owned {
		return s.client.Close()
	}
	return nil
}

// String returns the store's URL, etcd://ENDPOINTS/PREFIX, and its
// environment. It holds no credential and no key material.
func (s *Store) String() string {
	return s.where + " (environment " + s.Environment() + ")"
}

// InEnvironment returns the same store in environment env ("" or "default"
// for the default one), sharing its connection and its key.
func (s *Store) InEnvironment(env string) (*Store, error) {
	e, err := environment(env)
	if err != nil {
		return nil, err
	}
	c := *s
	c.env, c.owned = e, false
	c.opts.Environment = env
	return &c, nil
}

// Environment returns the store's environment.
func (s *Store) Environment() string {
	if s.env == "" {
		return secret.DefaultEnvironment
	}
	return s.env
}

// key returns the etcd key of bundle name of environment env.
func (s *Store) key(env, name string) string {
	return s.envPrefix(env) + name
}

// envPrefix returns the prefix of the keys of environment env's bundles.
func (s *Store) envPrefix(env string) string {
	if env == "" {
		env = defaultEnvironmentKey
	}
	return s.prefix + "/" + env + "/"
}

// fullName is the bundle's name in errors and in its seal.
func fullName(env, name string) string {
	if env == "" {
		return name
	}
	return env + "/" + name
}

// checkName refuses an invalid bundle name without echoing it.
func checkName(name string) error {
	if rules.ValidName(name) {
		return nil
	}
	return fmt.Errorf("invalid bundle name %s: want %s", rules.QuoteName(name), rules.NameRule)
}

// Get returns the bundle called name, read linearizably.
func (s *Store) Get(ctx context.Context, name string) (map[string]string, error) {
	b, err := s.get(ctx, name)
	return b.Env, err
}

// GetWithInfo returns the entries of the bundle called name and its
// [secret.BundleInfo], read together, linearizably. The maps are the
// caller's.
func (s *Store) GetWithInfo(ctx context.Context, name string) (map[string]string, secret.BundleInfo, error) {
	b, err := s.get(ctx, name)
	if err != nil {
		return nil, secret.BundleInfo{}, err
	}
	return b.Env, infoOf(b), nil
}

// get is Get with the bundle's info.
func (s *Store) get(ctx context.Context, name string) (seal.Bundle, error) {
	if err := checkName(name); err != nil {
		return seal.Bundle{}, err
	}
	if err := ctx.Err(); err != nil {
		return seal.Bundle{}, err
	}
	full := fullName(s.env, name)
	for try := 0; ; try++ {
		key, next, gen := s.keys.get()
		resp, err := s.client.Get(ctx, s.key(s.env, name))
		for attempt := 0; err != nil && transient(err); attempt++ {
			// A read is safe to make again: the cluster may be electing a
			// leader, or a member may be down while others are up.
			if berr := backoff(ctx, attempt); berr != nil {
				return seal.Bundle{}, s.failure(full, berr)
			}
			resp, err = s.client.Get(ctx, s.key(s.env, name))
		}
		if err != nil {
			return seal.Bundle{}, s.failure(full, err)
		}
		if len(resp.Kvs) == 0 {
			return seal.Bundle{}, &secret.BundleError{Bundle: full, Err: secret.ErrNotFound}
		}
		data := resp.Kvs[0].Value
		if id, ok := seal.SealedKeyID(data); ok && !seal.Key(next).IsZero() && id == seal.Key(next).ID() {
			key = next
		}
		b, err := s.openBundle(key, full, data)
		if err == nil || try == 2 {
			return b, err
		}
		if _, _, now := s.keys.get(); now == gen {
			return seal.Bundle{}, err
		}
	}
}

// Set replaces the entries of the bundle called name with those of env,
// which must obey the rules of [secret.Resolve]. The bundle's
// [secret.BundleInfo] is kept, as [secret.InfoStore] says. A store whose
// other bundles are sealed under another key refuses the write (see
// [secret.StoreOptions]).
func (s *Store) Set(ctx context.Context, name string, env map[string]string) error {
	if err := checkName(name); err != nil {
		return err
	}
	full := fullName(s.env, name)
	if err := checkBundle(full, env); err != nil {
		return err
	}
	return s.change(ctx, name, func(key secret.Key, cur []byte) ([]byte, error) {
		if err := s.checkKeyOf(ctx, key, name, cur); err != nil {
			return nil, err
		}
		// A bundle that does not open is replaced whole: nothing of it is
		// kept, so nothing of it is shown.
		var old seal.Bundle
		if cur != nil {
			old, _ = s.openBundle(key, full, cur)
		}
		return sealBundleInfo(key, full, seal.Kept(old, env))
	})
}

// Update changes the bundle called name with fn, by compare-and-swap: fn
// gets a copy of the bundle (an empty map for a new one) and changes it in
// place; if another writer changed the bundle meanwhile, fn is called again
// on a fresh copy, until the swap succeeds or ctx ends. So fn must do
// nothing but change the map. If fn returns an error, nothing is written and
// Update returns it, wrapped. A bundle that does not open is never
// overwritten.
func (s *Store) Update(ctx context.Context, name string, fn func(env map[string]string) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	full := fullName(s.env, name)
	if fn == nil {
		return &secret.BundleError{Bundle: full, Err: errors.New("Update with a nil func")}
	}
	return s.change(ctx, name, func(key secret.Key, cur []byte) ([]byte, error) {
		old, err := s.current(ctx, key, name, cur)
		if err != nil {
			return nil, err
		}
		env := old.Env
		if err := fn(env); err != nil {
			return nil, &secret.BundleError{Bundle: full, Err: err}
		}
		if err := checkBundle(full, env); err != nil {
			return nil, err
		}
		return sealBundleInfo(key, full, seal.Kept(old, env))
	})
}

// UpdateWithInfo changes the entries of the bundle called name and its
// [secret.BundleInfo] together, by compare-and-swap as Update does, with the
// rules of [secret.InfoStore]: fn gets copies of both (for a new bundle, an
// empty map and the zero BundleInfo), and may be called again on fresh
// copies when another writer came first.
func (s *Store) UpdateWithInfo(ctx context.Context, name string, fn func(env map[string]string, info *secret.BundleInfo) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	full := fullName(s.env, name)
	if fn == nil {
		return &secret.BundleError{Bundle: full, Err: errors.New("UpdateWithInfo with a nil func")}
	}
	return s.change(ctx, name, func(key secret.Key, cur []byte) ([]byte, error) {
		old, err := s.current(ctx, key, name, cur)
		if err != nil {
			return nil, err
		}
		env := maps.Clone(old.Env)
		info := infoOf(old)
		if err := fn(env, &info); err != nil {
			return nil, &secret.BundleError{Bundle: full, Err: err}
		}
		if err := checkBundle(full, env); err != nil {
			return nil, err
		}
		next, err := seal.Changed(cur != nil, old, env, info.Descriptions, info.WriteOnly)
		if err != nil {
			return nil, &secret.BundleError{Bundle: full, Err: err}
		}
		return sealBundleInfo(key, full, next)
	})
}

// current opens cur, the sealed bytes of bundle name, for a change under
// key, or returns an empty bundle when cur is nil (no such bundle), the
// store's key being checked then. A bundle that does not open is an error:
// a change never overwrites it.
func (s *Store) current(ctx context.Context, key secret.Key, name string, cur []byte) (seal.Bundle, error) {
	if cur == nil {
		if err := s.checkKeyOf(ctx, key, name, nil); err != nil {
			return seal.Bundle{}, err
		}
		return seal.Bundle{Env: map[string]string{}, Descriptions: map[string]string{}}, nil
	}
	return s.openBundle(key, fullName(s.env, name), cur)
}

// infoOf returns the info of b, with a map of descriptions of its own.
func infoOf(b seal.Bundle) secret.BundleInfo {
	d := maps.Clone(b.Descriptions)
	if d == nil {
		d = map[string]string{}
	}
	return secret.BundleInfo{Descriptions: d, WriteOnly: b.WriteOnly}
}

// errDelete is what a change's build returns to delete the bundle.
var errDelete = errors.New("delete")

// change writes bundle name by compare-and-swap: build gets the store's key
// and the bundle's sealed bytes (nil when it does not exist) and returns its
// new sealed bytes, or errDelete to delete it. In the same transaction the
// new version goes into the bundle's history and versions past the limit
// are pruned. When another writer changed the bundle meanwhile, change reads
// it again and calls build again, after a random backoff, until the swap
// succeeds or ctx ends.
func (s *Store) change(ctx context.Context, name string, build func(key secret.Key, cur []byte) ([]byte, error)) error {
	full, k := fullName(s.env, name), s.key(s.env, name)
	hist := s.historyPrefix(s.env, name)
	if err := ctx.Err(); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt-1); err != nil {
				return s.failure(full, err)
			}
		}
		key, _, _ := s.keys.get()
		resp, err := s.client.Txn(ctx).Then(
			clientv3.OpGet(k),
			clientv3.OpGet(hist, clientv3.WithPrefix(), clientv3.WithKeysOnly()),
		).Commit()
		if err != nil {
			if transient(err) {
				continue
			}
			return s.failure(full, err)
		}
		var cur []byte
		var rev int64 // 0: the bundle does not exist
		if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
			cur, rev = kvs[0].Value, kvs[0].ModRevision
		}
		data, err := build(key, cur)
		deleting := errors.Is(err, errDelete)
		if err != nil && !deleting {
			return err
		}
		ops := []clientv3.Op{clientv3.OpPut(k, string(data))}
		if deleting {
			ops[0] = clientv3.OpDelete(k)
		}
		vops, recKey, rec := s.versionOps(hist, versionNumbers(hist, resp.Responses[1].GetResponseRange().Kvs), cur, data)
		txn, err := s.client.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(k), "=", rev)).
			Then(append(ops, vops...)...).
			Commit()
		switch {
		case err == nil && txn.Succeeded:
			return nil
		case err == nil:
			continue // another writer came first
		case !transient(err):
			return s.failure(full, err)
		}
		// The cluster lost its leader while committing: the write may or may
		// not have been applied. Tell by looking for it; it is unique (a
		// fresh salt and nonce, a fresh record), so a write seen is ours.
		if s.applied(ctx, k, deleting, data, recKey, rec) {
			return nil
		}
	}
}

// applied reports whether a write whose commit failed ambiguously was
// applied: the bundle at k is data (or is gone, for a deletion), and the
// version record rec is at recKey (when history is kept).
func (s *Store) applied(ctx context.Context, k string, deleting bool, data []byte, recKey string, rec []byte) bool {
	resp, err := s.client.Txn(ctx).Then(clientv3.OpGet(k), clientv3.OpGet(recKey)).Commit()
	if err != nil {
		return false
	}
	cur, got := resp.Responses[0].GetResponseRange().Kvs, resp.Responses[1].GetResponseRange().Kvs
	if recKey != "" && (len(got) == 0 || !bytes.Equal(got[0].Value, rec)) {
		return false
	}
	if deleting {
		return len(cur) == 0
	}
	return len(cur) == 1 && bytes.Equal(cur[0].Value, data)
}

// Delete removes the bundle called name. A bundle that does not exist is an
// error wrapping [secret.ErrNotFound].
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	full := fullName(s.env, name)
	return s.change(ctx, name, func(_ secret.Key, cur []byte) ([]byte, error) {
		if cur == nil {
			return nil, &secret.BundleError{Bundle: full, Err: secret.ErrNotFound}
		}
		return nil, errDelete
	})
}

// List returns the names of the bundles of the store's environment, sorted.
func (s *Store) List(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	kvs, err := s.scan(ctx, s.envPrefix(s.env), clientv3.WithKeysOnly())
	if err != nil {
		return nil, err
	}
	var names []string
	for _, kv := range kvs {
		if name, ok := s.bundleName(s.env, string(kv.Key)); ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// Environments returns the store's environments that hold bundles, sorted,
// the default one always among them.
func (s *Store) Environments(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	envs, err := s.environments(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{secret.DefaultEnvironment}
	for _, e := range envs {
		if e != "" {
			out = append(out, e)
		}
	}
	slices.Sort(out)
	return out, nil
}

// environments returns the environments that hold bundles, "" for the
// default one.
func (s *Store) environments(ctx context.Context) ([]string, error) {
	kvs, err := s.scan(ctx, s.prefix+"/", clientv3.WithKeysOnly())
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var envs []string
	for _, kv := range kvs {
		rest := strings.TrimPrefix(string(kv.Key), s.prefix+"/")
		env, name, ok := strings.Cut(rest, "/")
		if !ok || !rules.ValidName(env) || !rules.ValidName(name) {
			continue
		}
		if env == defaultEnvironmentKey {
			env = ""
		}
		if !seen[env] {
			seen[env] = true
			envs = append(envs, env)
		}
	}
	slices.Sort(envs)
	return envs, nil
}

// scan returns the keys with prefix p, with opts.
func (s *Store) scan(ctx context.Context, p string, opts ...clientv3.OpOption) ([]*mvccpb.KeyValue, error) {
	resp, err := s.client.Get(ctx, p, append([]clientv3.OpOption{clientv3.WithPrefix()}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("%s: listing bundles: %w", s.where, explain(err))
	}
	return resp.Kvs, nil
}

// bundleName returns the bundle name of the etcd key k of environment env.
func (s *Store) bundleName(env, k string) (string, bool) {
	name, ok := strings.CutPrefix(k, s.envPrefix(env))
	return name, ok && rules.ValidName(name)
}

// Rotate re-seals every bundle of the store, in every environment, under
// newKey, then makes newKey the store's key. Each bundle is re-sealed with a
// compare-and-swap on its revision, so a concurrent Update is never lost,
// and an interrupted Rotate leaves every bundle whole under the old key or
// the new: run it again, from a store opened with the old key, to finish
// (bundles already under newKey are skipped). Get on this Store keeps
// working meanwhile; other clients with the old key get a
// *secret.WrongKeyError naming the key id they need for the bundles done.
// Stop other writers first: one still using the old key is refused once
// the store is under the new one (see secret.StoreOptions.AllowKeyChange).
func (s *Store) Rotate(ctx context.Context, newKey secret.Key) error {
	if seal.Key(newKey).IsZero() {
		return errors.New("Rotate: the new key is the zero Key")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	kvs, err := s.scan(ctx, s.prefix+"/", clientv3.WithKeysOnly())
	if err != nil {
		return err
	}
	oldKey, _, _ := s.keys.get()
	s.keys.set(oldKey, newKey)
	done := false
	defer func() {
		if done {
			s.keys.set(newKey, secret.Key{})
		} else {
			s.keys.set(oldKey, secret.Key{})
		}
	}()
	for _, kv := range kvs {
		k := string(kv.Key)
		env, name, version, ok := s.parseKey(k)
		if !ok {
			continue
		}
		full := fullName(env, name)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("Rotate stopped before bundle %q; run it again to finish: %w", full, err)
		}
		if version {
			err = s.rotateRecord(ctx, k, full, oldKey, newKey)
		} else {
			err = s.rotateBundle(ctx, env, name, oldKey, newKey)
		}
		if err != nil {
			return fmt.Errorf("Rotate stopped; run it again to finish: %w", err)
		}
	}
	done = true
	return nil
}

// parseKey parses an etcd key of the store: a bundle, PREFIX/ENV/NAME, or a
// version of one, PREFIX/_history/ENV/NAME/N. env is "" for the default
// environment.
func (s *Store) parseKey(k string) (env, name string, version, ok bool) {
	rest, ok := strings.CutPrefix(k, s.prefix+"/")
	if !ok {
		return "", "", false, false
	}
	if r, hist := strings.CutPrefix(rest, historyKey+"/"); hist {
		parts := strings.Split(r, "/")
		if len(parts) != 3 || !rules.ValidName(parts[0]) || !rules.ValidName(parts[1]) {
			return "", "", false, false
		}
		if _, err := strconv.Atoi(parts[2]); err != nil {
			return "", "", false, false
		}
		env, name, version = parts[0], parts[1], true
	} else {
		var cut bool
		env, name, cut = strings.Cut(rest, "/")
		if !cut || !rules.ValidName(env) || !rules.ValidName(name) {
			return "", "", false, false
		}
	}
	if env == defaultEnvironmentKey {
		env = ""
	}
	return env, name, version, true
}

// rotateBundle re-seals one bundle under newKey by compare-and-swap.
func (s *Store) rotateBundle(ctx context.Context, env, name string, oldKey, newKey secret.Key) error {
	full, k := fullName(env, name), s.key(env, name)
	for attempt := 0; ; attempt++ {
		resp, err := s.client.Get(ctx, k)
		if err != nil {
			return s.failure(full, err)
		}
		if len(resp.Kvs) == 0 {
			return nil // deleted meanwhile
		}
		data := resp.Kvs[0].Value
		if id, ok := seal.SealedKeyID(data); ok && id == seal.Key(newKey).ID() {
			if _, err := s.open(newKey, full, data); err == nil {
				return nil
			}
		}
		bundle, err := s.openBundle(oldKey, full, data)
		if err != nil {
			return err
		}
		sealed, err := sealBundleInfo(newKey, full, bundle)
		if err != nil {
			return err
		}
		ok, err := s.swap(ctx, k, resp.Kvs[0].ModRevision, sealed)
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

// checkKeyOf refuses to seal bundle name under key when the store's
// bundles are sealed under another key, unless the options allow it: the
// bundle itself (cur, its sealed bytes) when it exists, else another bundle
// or version of the store.
func (s *Store) checkKeyOf(ctx context.Context, key secret.Key, name string, cur []byte) error {
	if s.opts.AllowKeyChange {
		return nil
	}
	full := fullName(s.env, name)
	id, ok := seal.SealedKeyID(cur)
	if !ok {
		resp, err := s.client.Get(ctx, s.prefix+"/", clientv3.WithPrefix(), clientv3.WithLimit(16))
		if err != nil {
			return s.failure(full, err)
		}
		for _, kv := range resp.Kvs {
			if id, ok = sealedKeyIDOf(kv.Value); ok {
				break
			}
		}
	}
	if ok && id != seal.Key(key).ID() {
		return &secret.WrongKeyError{Bundle: full, Sealed: id.String(), Used: key.ID(), KeySource: s.opts.KeySource, Writing: true}
	}
	return nil
}

// sealedKeyIDOf returns the key id of a value of the store: a sealed bundle,
// or a history record of one.
func sealedKeyIDOf(value []byte) (seal.KeyID, bool) {
	if id, ok := seal.SealedKeyID(value); ok {
		return id, true
	}
	if rec, err := seal.DecodeRecord(value); err == nil && !rec.Deleted {
		return seal.SealedKeyID(rec.Sealed)
	}
	return seal.KeyID{}, false
}

// open authenticates and decodes data, the sealed bundle full, under key,
// and returns its entries.
func (s *Store) open(key secret.Key, full string, data []byte) (map[string]string, error) {
	b, err := s.openBundle(key, full, data)
	return b.Env, err
}

// openBundle is open with the bundle's info.
func (s *Store) openBundle(key secret.Key, full string, data []byte) (seal.Bundle, error) {
	b, err := seal.OpenBundle(seal.Key(key).Bytes(), full, data)
	var wk *seal.WrongKeyError
	switch {
	case err == nil:
		return b, nil
	case errors.As(err, &wk):
		return seal.Bundle{}, &secret.WrongKeyError{Bundle: full, Sealed: wk.Sealed.String(), Used: wk.Used.String(), KeySource: s.opts.KeySource}
	}
	return seal.Bundle{}, &secret.BundleError{Bundle: full, Err: err}
}

// sealBundleInfo seals b as the bundle full under key.
func sealBundleInfo(key secret.Key, full string, b seal.Bundle) ([]byte, error) {
	data, err := seal.SealBundle(seal.Key(key).Bytes(), full, b, rand.Reader)
	if err != nil {
		return nil, &secret.BundleError{Bundle: full, Err: err}
	}
	return data, nil
}

// checkBundle applies the key and value rules to every entry of env,
// reporting each bad key, never a value.
func checkBundle(full string, env map[string]string) error {
	var errs []error
	for k, v := range env {
		if err := rules.CheckEntry(k, v); err != nil {
			errs = append(errs, &secret.BundleError{Bundle: full, Err: fmt.Errorf("key %s: %w", rules.QuoteKey(k), err)})
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// failure reports err, from the cluster, about bundle full.
func (s *Store) failure(full string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &secret.BundleError{Bundle: full, Err: fmt.Errorf("%s: %w", s.where, explain(err))}
}

// swap puts data at k if k's ModRevision is still rev (0: k does not
// exist), and reports whether it did.
func (s *Store) swap(ctx context.Context, k string, rev int64, data []byte) (bool, error) {
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(k), "=", rev)).
		Then(clientv3.OpPut(k, string(data))).
		Commit()
	if err != nil {
		return false, err
	}
	return resp.Succeeded, nil
}

// backoff waits before the next try of a compare-and-swap that lost to
// another writer: a random wait, up to 1 ms doubling to 100 ms, so that
// writers that collided do not collide again.
func backoff(ctx context.Context, attempt int) error {
	limit := int64(time.Millisecond) << min(attempt, 7)
	n, err := rand.Int(rand.Reader, big.NewInt(min(limit, int64(100*time.Millisecond))))
	if err != nil {
		return err
	}
	t := time.NewTimer(time.Duration(n.Int64()))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

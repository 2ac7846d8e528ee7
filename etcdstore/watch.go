package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/envseal/secret"
	clientv3 "go.etcd.io/etcd/client/v3"
)

var _ secret.Watcher = (*Store)(nil)

// Watch reports changes to the bundles of the store's environment (see
// [secret.Watcher]) through etcd's watch, which pushes each change as it is
// committed. It starts from the revision at which it lists the bundles, and
// misses nothing from there: when its member is lost or loses the cluster's
// leader (the watch requires one, so a member cut off from the others does
// not leave it waiting for changes that will not come), it watches again
// from the last revision it saw, through another member if need be; if the
// cluster has compacted that revision meanwhile, it lists the bundles again
// and reports each one whose revision moved or that went away. Watch fails
// at once only if the cluster cannot be read when it starts.
func (s *Store) Watch(ctx context.Context, names ...string) (<-chan string, error) {
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w := &watch{s: s, names: names, seen: map[string]int64{}}
	if err := w.list(ctx); err != nil {
		return nil, err
	}
	out := make(chan string)
	go w.run(ctx, out)
	return out, nil
}

// watch is the state of one Watch: the revision seen, and the revision of
// each bundle at it, to tell what changed across a compaction.
type watch struct {
	s       *Store
	names   []string         // the names watched; none for all
	rev     int64            // the cluster's revision seen
	seen    map[string]int64 // each bundle's ModRevision at rev
	pending []string         // names changed, not yet received
}

// wanted reports whether the watch reports changes of bundle name.
func (w *watch) wanted(name string) bool {
	return len(w.names) == 0 || slices.Contains(w.names, name)
}

// changed queues name to be reported, once until received.
func (w *watch) changed(name string) {
	if w.wanted(name) && !slices.Contains(w.pending, name) {
		w.pending = append(w.pending, name)
	}
}

// list reads the bundles' revisions; after the first time, it reports the
// bundles whose revision differs from the one seen, or that went away.
func (w *watch) list(ctx context.Context) error {
	resp, err := w.s.client.Get(ctx, w.s.envPrefix(w.s.env), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("%s: watching bundles: %w", w.s.where, explain(err))
	}
	now := make(map[string]int64, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		if name, ok := w.s.bundleName(w.s.env, string(kv.Key)); ok {
			now[name] = kv.ModRevision
		}
	}
	if w.rev != 0 {
		for name, rev := range now {
			if w.seen[name] != rev {
				w.changed(name)
			}
		}
		for name := range w.seen {
			if _, ok := now[name]; !ok {
				w.changed(name)
			}
		}
	}
	w.seen, w.rev = now, resp.Header.Revision
	return nil
}

// run watches from the revision after w.rev and sends the names changed on
// out, as the receiver takes them, until ctx ends; then it closes out. When
// an etcd watch ends (its member lost, or its leader, or its revision
// compacted), run waits a little, lists the bundles again, which reports what
// changed meanwhile, and watches from there.
func (w *watch) run(ctx context.Context, out chan<- string) {
	defer close(out)
	var (
		events   clientv3.WatchChan
		cancel   context.CancelFunc
		retry    <-chan time.Time
		failures int
	)
	follow := func() {
		var wctx context.Context
		wctx, cancel = context.WithCancel(clientv3.WithRequireLeader(ctx))
		events = w.s.client.Watch(wctx, w.s.envPrefix(w.s.env), clientv3.WithPrefix(), clientv3.WithRev(w.rev+1))
	}
	later := func() {
		retry = time.After(retryDelay(failures))
		failures++
	}
	follow()
	for {
		var send chan<- string
		var next string
		if len(w.pending) > 0 {
			send, next = out, w.pending[0]
		}
		select {
		case <-ctx.Done():
			cancel()
			return
		case send <- next:
			w.pending = w.pending[1:]
		case resp, ok := <-events:
			if !ok || resp.Canceled || resp.Err() != nil {
				cancel()
				events = nil
				later()
				continue
			}
			if len(resp.Events) > 0 {
				failures = 0
			}
			w.apply(resp)
		case <-retry:
			if err := w.list(ctx); err != nil {
				later() // unreachable or no quorum: try again
				continue
			}
			follow()
		}
	}
}

// apply records the changes of resp.
func (w *watch) apply(resp clientv3.WatchResponse) {
	for _, ev := range resp.Events {
		w.rev = max(w.rev, ev.Kv.ModRevision)
		name, ok := w.s.bundleName(w.s.env, string(ev.Kv.Key))
		if !ok {
			continue
		}
		if ev.Type == clientv3.EventTypeDelete {
			delete(w.seen, name)
		} else {
			w.seen[name] = ev.Kv.ModRevision
		}
		w.changed(name)
	}
	if resp.IsProgressNotify() {
		w.rev = max(w.rev, resp.Header.Revision)
	}
}

// retryDelay is the wait before watching again after the attempt-th failure
// in a row: 50 ms doubling to 1 s.
func retryDelay(attempt int) time.Duration {
	return min(50*time.Millisecond<<min(attempt, 5), time.Second)
}

package secret

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Watcher is a [Store] that reports changes to its bundles. [FileStore]
// polls its folder; the etcd store uses etcd's watch.
type Watcher interface {
	// Watch returns a channel that receives the name of a bundle of the
	// store's environment each time it changes (is set, updated or
	// deleted), until ctx ends; then the channel is closed. With names,
	// only those bundles are watched. Changes close together may come as
	// one: a name received means the bundle changed at least once since
	// the last time it was received.
	Watch(ctx context.Context, names ...string) (<-chan string, error)
}

// PollInterval is how often the files that a FileStore keeps, and the .env
// files and secret folders that Resolver.Watch watches, are looked at for a
// change: a stat of each, without reading it. A change is seen within this
// interval.
const PollInterval = 200 * time.Millisecond

// settle is how long Resolver.Watch waits after a change for the next one
// before it resolves again, so that a burst of changes (a kubelet swapping a
// volume, a script setting several bundles) makes one resolution; maxSettle
// bounds the wait under a steady stream of changes.
const (
	settle    = 100 * time.Millisecond
	maxSettle = time.Second
)

// Watch resolves sources as Resolve does and calls fn with the result; then,
// each time one of them changes, it resolves them again, with the same
// Resolver, and calls fn with the new Env or the error (a missing required
// key, a .env file with a syntax error): an error does not stop the watch,
// and fn gets the next good result once the sources are fixed. A burst of
// changes makes one call. Watch returns when ctx ends, with ctx's error, or
// at once if a source cannot be watched. fn runs on Watch's goroutine, one
// call at a time.
//
// What is watched: FromName bundles through the store, which must be a
// [Watcher] (FileStore and the etcd store are; the default store is opened
// once, at the start); FromDotenv files and FromDir folders, by polling
// every PollInterval, which sees a Kubernetes volume swapped by the kubelet
// too. A source made [Optional] is watched as the one it wraps, so a bundle,
// file or folder absent at the start is picked up when it appears. FromMap
// and FromEnviron do not change. A Source of another type is resolved again
// with the others but is not watched.
func (r *Resolver) Watch(ctx context.Context, fn func(*Env, error), sources ...Source) error {
	if r == nil {
		r = &Resolver{}
	}
	if fn == nil {
		return errors.New("Watch needs a func to call with each result")
	}
	flat := flatten(sources)
	res := *r
	var names []string
	var watch []<-chan struct{}
	for i, s := range flat {
		if o, ok := s.(optionalSource); ok {
			s = o.src // watched as what it wraps: it may appear later
		}
		switch s := s.(type) {
		case nil:
			return fmt.Errorf("source %d of %d is nil", i+1, len(flat))
		case nameSource:
			names = append(names, s.name.get())
		case dotenvFile:
			watch = append(watch, poll(ctx, func() string { return fileStamp(s.path) }))
		case dirSource:
			watch = append(watch, poll(ctx, func() string { return dirStamp(s.dir) }))
		}
	}
	if len(names) > 0 {
		if res.Store == nil {
			st, err := defaultStore()
			if err != nil {
				return err
			}
			res.Store = st
		}
		w, ok := res.Store.(Watcher)
		if !ok {
			return fmt.Errorf("cannot watch the store (%T): it does not report changes (it is not a secret.Watcher)", res.Store)
		}
		ch, err := w.Watch(ctx, slices.Compact(slices.Sorted(slices.Values(names)))...)
		if err != nil {
			return err
		}
		watch = append(watch, signalOf(ch))
	}
	changed := merge(ctx, watch)
	fn(res.Resolve(ctx, sources...))
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
		if !waitQuiet(ctx, changed) {
			return ctx.Err()
		}
		fn(res.Resolve(ctx, sources...))
	}
}

// waitQuiet waits until no change came for settle, or for maxSettle in
// all; it reports false when ctx ended first.
func waitQuiet(ctx context.Context, changed <-chan struct{}) bool {
	deadline := time.NewTimer(maxSettle)
	defer deadline.Stop()
	for {
		quiet := time.NewTimer(settle)
		select {
		case <-ctx.Done():
			quiet.Stop()
			return false
		case <-changed:
			quiet.Stop()
		case <-quiet.C:
			return true
		case <-deadline.C:
			quiet.Stop()
			return true
		}
	}
}

// merge returns a channel that receives a value whenever one of chans does
// (values pile up into one while nobody receives), until ctx ends.
func merge(ctx context.Context, chans []<-chan struct{}) <-chan struct{} {
	out := make(chan struct{}, 1)
	for _, c := range chans {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case _, ok := <-c:
					if !ok {
						return
					}
					notify(out)
				}
			}
		}()
	}
	return out
}

// notify sends to c, a channel of capacity 1, unless a value is waiting.
func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// signalOf turns a channel of bundle names into one of changes.
func signalOf(names <-chan string) <-chan struct{} {
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		for range names {
			notify(out)
		}
	}()
	return out
}

// poll returns a channel that receives a value each time stamp's result
// changes, looked at every PollInterval until ctx ends.
func poll(ctx context.Context, stamp func() string) <-chan struct{} {
	out := make(chan struct{}, 1)
	last := stamp()
	go func() {
		t := time.NewTicker(PollInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if now := stamp(); now != last {
					last = now
					notify(out)
				}
			}
		}
	}()
	return out
}

// fileStamp describes the file at path (through symbolic links) well enough
// to tell that it changed: its size, modification time, mode and identity.
func fileStamp(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "absent"
		}
		return "error " + err.Error()
	}
	return fmt.Sprintf("%d %d %v %s", fi.Size(), fi.ModTime().UnixNano(), fi.Mode(), fileIdentity(fi))
}

// dirStamp describes a secret folder: where its ..data link points (a
// Kubernetes volume), and the stamp of each entry.
func dirStamp(dir string) string {
	var b strings.Builder
	if target, err := os.Readlink(filepath.Join(dir, kubeDataLink)); err == nil {
		b.WriteString(target)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return b.String() + " " + fileStamp(dir)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b.WriteString("\n")
		b.WriteString(e.Name())
		b.WriteString(" ")
		b.WriteString(fileStamp(filepath.Join(dir, e.Name())))
	}
	return b.String()
}

// Watch reports changes to the bundles of the store's environment (see
// [Watcher]) by looking at their files every PollInterval: a change is seen
// within it, whether this process, another one or another FileStore made
// it. It takes no lock and reads no bundle.
func (s *FileStore) Watch(ctx context.Context, names ...string) (<-chan string, error) {
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dir := s.bundleDir(s.env)
	stamps := func() map[string]string {
		m := map[string]string{}
		list := names
		if len(list) == 0 {
			list, _ = s.listNames(s.env)
		}
		for _, n := range list {
			m[n] = fileStamp(filepath.Join(dir, n+sealedExt))
		}
		return m
	}
	out := make(chan string)
	last := stamps()
	go func() {
		defer close(out)
		t := time.NewTicker(PollInterval)
		defer t.Stop()
		var pending []string
		for {
			var send chan string
			var next string
			if len(pending) > 0 {
				send, next = out, pending[0]
			}
			select {
			case <-ctx.Done():
				return
			case send <- next:
				pending = pending[1:]
			case <-t.C:
				now := stamps()
				for n, st := range now {
					if last[n] != st && !slices.Contains(pending, n) {
						pending = append(pending, n)
					}
				}
				for n := range last {
					if _, ok := now[n]; !ok && !slices.Contains(pending, n) {
						pending = append(pending, n) // deleted
					}
				}
				last = now
			}
		}
	}()
	return out, nil
}

var _ Watcher = (*FileStore)(nil)

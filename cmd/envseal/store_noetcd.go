//go:build envseal_noetcd

package main

// A build with -tags envseal_noetcd leaves the etcd client out: the program
// is smaller and starts faster (the etcd, gRPC and protobuf packages set up
// tables at start-up, several milliseconds on every command; see
// BENCHMARKS.md), and knows folder stores only.

import (
	"fmt"
	"strings"

	"github.com/envseal/secret"
)

// openURL opens the folder store at url; an etcd:// URL is an error saying
// how this envseal was built.
func openURL(url string, key secret.Key, opts secret.StoreOptions, _ func(string) string) (secret.WritableStore, error) {
	scheme, _, hasScheme := strings.Cut(url, "://")
	switch {
	case !hasScheme || strings.ContainsAny(scheme, `/\`):
		return secret.OpenFileStoreOptions(url, key, opts)
	case strings.EqualFold(scheme, "etcd"):
		return nil, fmt.Errorf("store URL: this envseal was built without etcd support (-tags envseal_noetcd): build it without that tag to use etcd://")
	}
	return nil, fmt.Errorf("store URL: %s:// is a kind of store envseal does not know: want a folder or etcd://HOST:PORT/PREFIX", scheme)
}

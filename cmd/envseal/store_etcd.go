//go:build !envseal_noetcd

package main

import (
	"github.com/envseal/secret"
	"github.com/envseal/secret/etcdstore"
)

// openURL opens the store at url: a folder, or an etcd cluster.
func openURL(url string, key secret.Key, opts secret.StoreOptions, getenv func(string) string) (secret.WritableStore, error) {
	return etcdstore.OpenURL(url, key, opts, getenv)
}

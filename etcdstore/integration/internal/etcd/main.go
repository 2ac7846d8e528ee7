// Command etcd is the real etcd server, v3.6.16, built from the module proxy
// for the cluster tests: go install go.etcd.io/etcd/v3 is refused (its go.mod
// has replace directives), but the server module builds.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }

// Command fleet shows envseal on a fleet: one bundle, kept sealed in etcd,
// resolved by several workers on different machines, each through the
// member of the cluster nearest to it.
//
// Start an etcd cluster (see the README, "Across machines"), share one key
// with every machine (ENVSEAL_KEY or ENVSEAL_KEY_FILE), then:
//
//	go run ./examples/fleet seed   -store etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379/envseal
//	go run ./examples/fleet worker -store etcd://10.0.0.2:2379/envseal -name worker-a
//	go run ./examples/fleet worker -store etcd://10.0.0.3:2379/envseal -name worker-b
//
// seed writes the bundle "openai" in the environment given by -environment
// (default "default"); each worker resolves it with the manifest below and
// runs a workload (sh) that reports what it received: lengths, never
// values.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/envseal/secret"
	"github.com/envseal/secret/etcdstore"
)

const manifest = `
secrets:
  - key: OPENAI_API_KEY
    description: OpenAI API key of the fleet
  - key: OPENAI_ORG
    description: Organization id
    optional: true
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("want a command: seed or worker")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	store := fs.String("store", os.Getenv("ENVSEAL_STORE"), "the store: etcd://HOST:PORT[,HOST:PORT...]/PREFIX or a folder")
	env := fs.String("environment", os.Getenv("ENVSEAL_ENVIRONMENT"), "the store's environment")
	name := fs.String("name", "worker", "the worker's name, for its output")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	key, source, err := secret.FindKey()
	if err != nil {
		return err
	}
	st, err := etcdstore.OpenURL(*store, key, secret.StoreOptions{Environment: *env, KeySource: source}, nil)
	if err != nil {
		return err
	}
	if c, ok := st.(io.Closer); ok {
		defer c.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	switch args[0] {
	case "seed":
		// A fake value; a real one would come from the platform's console.
		err := st.Set(ctx, "openai", map[string]string{"OPENAI_API_KEY": "sk-fake-fleet-0123456789abcdef"})
		if err == nil {
			fmt.Fprintln(stdout, "sealed bundle openai in", st)
		}
		return err
	case "worker":
		return worker(ctx, st, *name, stdout, stderr)
	}
	return fmt.Errorf("unknown command %q: want seed or worker", args[0])
}

// worker resolves the bundle and runs a workload with it.
func worker(ctx context.Context, st secret.Store, name string, stdout, stderr io.Writer) error {
	m, err := secret.ParseManifest([]byte(manifest))
	if err != nil {
		return err
	}
	r := secret.Resolver{Store: st, Manifest: m}
	env, err := r.Resolve(ctx, secret.FromName("openai"))
	if err != nil {
		return err // names the bundle and the store; never a value
	}
	fmt.Fprintf(stdout, "%s: OPENAI_API_KEY from %s\n", name, env.Origin("OPENAI_API_KEY"))
	child := secret.Command(env, "sh", "-c", `echo "$0: the workload got a key of ${#OPENAI_API_KEY} bytes"`, name)
	child.Stdout, child.Stderr = stdout, stderr
	return child.Run(ctx)
}

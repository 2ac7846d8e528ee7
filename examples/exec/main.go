// Command exec resolves the secrets of a workload and runs it, the way a Go
// function runtime uses envseal: an inf.yml manifest declares what the
// workload needs, a .env file and an in-code map supply values (the map wins
// on a clash), and the child process starts with the resolved secrets on top of
// this process's environment, through a secret.Runner. Its exit code is
// passed on: the child's own, 128+N when signal N ended it, 127 when it is not
// found, 126 when it cannot be run.
//
// Run it from the repository root:
//
//	go run ./examples/exec                       # runs a small child that reports what it sees
//	go run ./examples/exec -- sh -c 'echo "$DB_HOST"'
//	go run ./examples/exec -manifest inf.yml -dotenv .env -- ./worker
//
// When a required secret is missing, it prints every missing key with its
// description and does not start the child.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/envseal/secret"
)

func main() {
	os.Exit(run())
}

func run() int {
	if len(os.Args) > 1 && os.Args[1] == "-child" {
		return child()
	}
	manifestPath := flag.String("manifest", "examples/exec/inf.yml", "inf.yml manifest declaring the secrets")
	dotenvPath := flag.String("dotenv", "examples/exec/app.env", ".env file with values")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: exec [-manifest inf.yml] [-dotenv .env] [-- command [args...]]\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	manifest, err := secret.LoadManifest(*manifestPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "exec:", err)
		if errors.Is(err, secret.ErrNotFound) {
			fmt.Fprintln(os.Stderr, "exec: run it from the repository root, or pass -manifest and -dotenv")
		}
		return 2
	}
	r := secret.Resolver{Manifest: manifest}
	env, err := r.Resolve(context.Background(),
		secret.FromDotenv(*dotenvPath),
		secret.FromMap(map[string]string{"APP_MODE": "demo"}),
	)
	if err != nil {
		// The error names sources, keys and lines; it never contains a value.
		fmt.Fprintln(os.Stderr, "exec:", err)
		return 1
	}
	fmt.Printf("resolved %d secrets:\n", env.Len())
	for _, k := range env.Keys() {
		fmt.Printf("  %-16s from %s\n", k, env.Origin(k))
	}

	args := flag.Args()
	if len(args) == 0 {
		self, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, "exec:", err)
			return 1
		}
		args = []string{self, "-child"}
	}
	// The Runner starts the child with the secrets on top of this process's
	// environment (never envseal's own key variables), passes signals on to
	// it, and reports its exit code as a shell would.
	child := secret.Command(env, args[0], args[1:]...)
	err = child.Run(context.Background())
	var exit *secret.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, "exec:", err) // could not start it, or pass its output on
	}
	return child.ExitCode()
}

// child is the default workload: it reports which secrets it received,
// showing only their lengths.
func child() int {
	fmt.Println("child process sees:")
	for _, k := range []string{"OPENAI_API_KEY", "DATABASE_URL", "DB_PASSWORD", "APP_MODE", "SENTRY_DSN"} {
		v, ok := os.LookupEnv(k)
		if !ok {
			fmt.Printf("  %-16s not set\n", k)
			continue
		}
		fmt.Printf("  %-16s set, %d bytes\n", k, len(v))
	}
	return 0
}

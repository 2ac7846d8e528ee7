// Command exec resolves the secrets of a workload and runs it, the way a Go
// function runtime uses envseal: an inf.yml manifest declares what the
// workload needs, a .env file, an optional developer's .env file and an
// in-code map supply values (later ones win on a clash), and the child
// process starts with the resolved secrets on top of this process's
// environment, or with -files as files in a private folder (the OpenFaaS
// way), through a secret.Runner. Its exit code is passed on: the child's
// own, 128+N when signal N ended it, 127 when it is not found, 126 when it
// cannot be run.
//
// Run it from the repository root:
//
//	go run ./examples/exec                       # runs a small child that reports what it sees
//	go run ./examples/exec -files                # the same, the secrets as files
//	go run ./examples/exec -- sh -c 'echo "$DB_HOST"'
//	go run ./examples/exec -manifest inf.yml -dotenv .env -- ./worker
//
// When a required secret is missing, it prints every missing key with its
// description and does not start the child. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

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
	localPath := flag.String("local", "examples/exec/app.local.env", "optional .env file of a developer's own values, used when it exists")
	files := flag.Bool("files", false, "give the child its secrets as files in a private folder, named by $ENVSEAL_SECRETS_DIR, instead of variables")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: exec [-manifest inf.yml] [-dotenv .env] [-local .env] [-files] [-- command [args...]]\n")
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
		// Present on a developer's machine, absent in production: no
		// error when it is missing, but one when it is there and broken.
		secret.Optional(secret.FromDotenv(*localPath)),
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
	// it, and reports its exit code as a shell would. With Files, the
	// secrets are files instead, removed when the child exits.
	child := secret.Command(env, args[0], args[1:]...)
	child.Files = *files
	err = child.Run(context.Background())
	var exit *secret.ExitError
	if err != nil && !errors.As(err, &exit) {
		fmt.Fprintln(os.Stderr, "exec:", err) // could not start it, or pass its output on
	}
	return child.ExitCode()
}

// child is the default workload: it reports which secrets it received, as
// variables or as files, showing only their lengths.
func child() int {
	dir := os.Getenv(secret.SecretsDirVar)
	if dir != "" {
		fmt.Println("child process sees, as files:")
	} else {
		fmt.Println("child process sees:")
	}
	for _, k := range []string{"OPENAI_API_KEY", "DATABASE_URL", "DB_PASSWORD", "APP_MODE", "SENTRY_DSN"} {
		if v, ok := os.LookupEnv(k); ok {
			fmt.Printf("  %-16s set, %d bytes\n", k, len(v))
			continue
		}
		if dir != "" {
			if b, err := os.ReadFile(filepath.Join(dir, k)); err == nil {
				fmt.Printf("  %-16s file, %d bytes\n", k, len(b))
				continue
			}
		}
		fmt.Printf("  %-16s not set\n", k)
	}
	return 0
}

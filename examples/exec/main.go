// Command exec resolves the secrets of a workload and runs it, the way a Go
// function runtime uses envseal: an inf.yml manifest declares what the
// workload needs, a .env file and an in-code map supply values (the map wins
// on a clash), and the child process starts with the resolved secrets on top of
// this process's environment. Its exit code is passed on.
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
	"os/exec"

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
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env.Overlay(os.Environ())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, "exec:", err)
		return 1
	}
	return 0
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

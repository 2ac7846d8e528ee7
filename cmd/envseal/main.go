// Command envseal manages named bundles of secrets in an encrypted local
// store and runs a workload with resolved, validated secrets.
//
//	envseal key generate
//	envseal secrets set openai OPENAI_API_KEY=-
//	envseal run --secret openai --manifest inf.yml -- python app.py
//
// Run "envseal --help" for the commands, and "envseal COMMAND --help" for the
// flags of one.
//
// Exit codes: 0 on success; 1 when a command fails (including secrets that
// do not satisfy the manifest); 2 for a usage error; for run, the exit code
// of COMMAND, or 128+N when it died from signal N, and 126 or 127 when it
// could not be started.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

func main() {
	// No Go stack trace ever reaches a user, not even on SIGQUIT.
	debug.SetTraceback("none")
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			// The panic value is not printed: it could hold anything.
			fmt.Fprintln(stderr, "envseal: internal error (a bug in envseal); please report it")
			code = exitInternal
		}
	}()
	root, a := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && !a.started {
		err = asUsage(cmd, err)
	}
	return report(stderr, err)
}

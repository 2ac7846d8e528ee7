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
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

func main() {
	// No Go stack trace ever reaches a user, not even on SIGQUIT.
	debug.SetTraceback("none")
	os.Exit(execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// execute runs the envseal command line args in this process's environment,
// with the given standard streams, and returns the exit code.
func execute(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return executeIn(processEnvironment(), args, stdin, stdout, stderr)
}

// executeIn is execute in the environment env instead of the process's, so
// that tests run the whole command in parallel, each with its own variables,
// without os.Setenv. Every command reads and writes only the streams given
// here; run starts COMMAND with them.
func executeIn(env *environment, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			// The panic value is not printed: it could hold anything.
			fmt.Fprintln(stderr, "envseal: internal error (a bug in envseal); please report it")
			code = exitInternal
		}
	}()
	a := &app{env: env}
	defer a.close()
	root := newRootCmd(a, stdin, stdout, stderr)
	root.SetArgs(args)
	return report(stderr, root.Execute())
}

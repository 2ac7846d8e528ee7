//go:build unix

package secret_test

import (
	"context"
	"fmt"

	"github.com/envseal/secret"
)

// A function runtime resolves the secrets of a workload and runs it: the
// child gets them on top of this process's environment (without envseal's
// own key variables), signals sent to this process are passed on, and
// ExitCode is what a shell would report.
func ExampleRunner() {
	ctx := context.Background()
	env, err := secret.Resolve(ctx, secret.FromMap(map[string]string{"GREETING": "hello from a secret"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	r := secret.Command(env, "sh", "-c", `echo "$GREETING"; exit 3`)
	err = r.Run(ctx)
	fmt.Println(r.ExitCode(), err)
	// Output:
	// hello from a secret
	// 3 exit status 3
}

// With Redact, the child's output and error pass through a Redactor: a value
// it prints is replaced with the name of its key.
func ExampleRunner_redact() {
	ctx := context.Background()
	env, err := secret.Resolve(ctx, secret.FromMap(map[string]string{"API_KEY": "sk-fake-0123456789"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	r := secret.Command(env, "sh", "-c", `echo "calling the API with $API_KEY"`)
	r.Redact = true
	if err := r.Run(ctx); err != nil {
		fmt.Println(err)
	}
	// Output: calling the API with [REDACTED:API_KEY]
}

// With Files, the child gets its secrets as files, as OpenFaaS mounts them,
// instead of variables: one file per key in a private folder named by
// ENVSEAL_SECRETS_DIR, removed when the child is done.
func ExampleRunner_files() {
	ctx := context.Background()
	env, err := secret.Resolve(ctx, secret.FromMap(map[string]string{"API_KEY": "sk-fake-0123456789"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	r := secret.Command(env, "sh", "-c", `
		test -f "$ENVSEAL_SECRETS_DIR/API_KEY" && echo "API_KEY is a file"
		test -z "$API_KEY" && echo "and not a variable"`)
	r.Files = true
	if err := r.Run(ctx); err != nil {
		fmt.Println(err)
	}
	// Output:
	// API_KEY is a file
	// and not a variable
}

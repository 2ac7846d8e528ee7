package secret_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/envseal/secret"
)

// Later sources override earlier ones, and Origin says which source won.
func ExampleResolve() {
	env, err := secret.Resolve(context.Background(),
		secret.FromMap(map[string]string{"API_URL": "https://api.example.com", "MODE": "prod"}),
		secret.FromMap(map[string]string{"MODE": "staging"}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	mode, _ := env.Get("MODE")
	fmt.Println(env.Keys(), mode, env.Origin("MODE"))
	fmt.Println(env) // keys and origins only, never values
	// Output:
	// [API_URL MODE] staging map
	// Env{API_URL (map), MODE (map)}
}

// A Resolver with a Manifest refuses to resolve without the required keys,
// and names every missing one with its description.
func ExampleResolver_manifest() {
	r := secret.Resolver{Manifest: &secret.Manifest{Secrets: []secret.Declaration{
		{Key: "OPENAI_API_KEY", Description: "OpenAI API key used for completions"},
		{Key: "DATABASE_URL", Description: "Postgres connection string"},
		{Key: "SENTRY_DSN", Description: "error reporting", Optional: true},
	}}}
	_, err := r.Resolve(context.Background(), secret.FromMap(map[string]string{"MODE": "dev"}))
	var verr *secret.ValidationError
	if errors.As(err, &verr) {
		fmt.Println(verr.Missing)
		fmt.Println(err)
	}
	// Output:
	// [DATABASE_URL OPENAI_API_KEY]
	// envseal: secrets do not satisfy the manifest:
	//   missing DATABASE_URL: Postgres connection string
	//   missing OPENAI_API_KEY: OpenAI API key used for completions
}

// With Strict, keys the manifest does not declare are refused too.
func ExampleResolver_strict() {
	r := secret.Resolver{
		Manifest: &secret.Manifest{Secrets: []secret.Declaration{{Key: "TOKEN"}}},
		Strict:   true,
	}
	_, err := r.Resolve(context.Background(), secret.FromMap(map[string]string{"TOKEN": "t0k3n", "DEBUG": "1"}))
	fmt.Println(err)
	// Output:
	// envseal: secrets do not satisfy the manifest:
	//   undeclared DEBUG
}

func ExampleFromMap() {
	defaults := map[string]string{"REGION": "eu-west-1"}
	src := secret.FromMap(defaults)
	defaults["REGION"] = "changed later" // FromMap took a copy
	env, _ := secret.Resolve(context.Background(), src)
	region, _ := env.Get("REGION")
	fmt.Println(src.Name(), region)
	// Output: map eu-west-1
}

// FromEnviron names the variables it needs; one that is not set is an error.
func ExampleFromEnviron() {
	_, err := secret.Resolve(context.Background(), secret.FromEnviron("ENVSEAL_EXAMPLE_NOT_SET"))
	fmt.Println(err)
	fmt.Println(errors.Is(err, secret.ErrNotFound))
	// Output:
	// envseal: source environ: not found: environment variable not set: ENVSEAL_EXAMPLE_NOT_SET
	// true
}

// Overlay puts the secrets on top of an environment, one entry per key,
// ready for exec.Cmd.Env: in a program, cmd.Env = env.Overlay(os.Environ()).
func ExampleEnv_Overlay() {
	env, _ := secret.Resolve(context.Background(), secret.FromMap(map[string]string{"TOKEN": "t0k3n"}))
	fmt.Println(env.Overlay([]string{"HOME=/home/app", "TOKEN=stale", "PATH=/usr/bin"}))
	// Output: [HOME=/home/app PATH=/usr/bin TOKEN=t0k3n]
}

package secret_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
	// secrets do not satisfy the manifest:
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
	// secrets do not satisfy the manifest:
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
	// environ: not found: environment variable not set: ENVSEAL_EXAMPLE_NOT_SET
	// true
}

// Overlay puts the secrets on top of an environment, one entry per key,
// ready for exec.Cmd.Env: in a program, cmd.Env = env.Overlay(os.Environ()).
func ExampleEnv_Overlay() {
	env, _ := secret.Resolve(context.Background(), secret.FromMap(map[string]string{"TOKEN": "t0k3n"}))
	fmt.Println(env.Overlay([]string{"HOME=/home/app", "TOKEN=stale", "PATH=/usr/bin"}))
	// Output: [HOME=/home/app PATH=/usr/bin TOKEN=t0k3n]
}

// A FileStore keeps named bundles sealed on disk; FromName reads one at
// Resolve time. Programs usually open the default store with DefaultStore,
// which finds its key with LoadKey.
func ExampleFromName() {
	dir, err := os.MkdirTemp("", "envseal-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	key, err := secret.GenerateKey()
	if err != nil {
		fmt.Println(err)
		return
	}
	store, err := secret.OpenFileStore(filepath.Join(dir, "store"), key)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	if err := store.Set(ctx, "openai", map[string]string{"OPENAI_API_KEY": "sk-example", "ORG": "acme"}); err != nil {
		fmt.Println(err)
		return
	}

	r := secret.Resolver{Store: store}
	env, err := r.Resolve(ctx,
		secret.FromName("openai"),
		secret.FromMap(map[string]string{"ORG": "acme-staging"}), // a per-function override
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(env)

	_, err = r.Resolve(ctx, secret.FromName("anthropic"))
	fmt.Println(errors.Is(err, secret.ErrNotFound))
	fmt.Println(key) // a Key never prints; key.Encode() is its text form
	// Output:
	// Env{OPENAI_API_KEY (name:openai), ORG (map)}
	// true
	// secret.Key(REDACTED)
}

// Update changes a bundle under the store's lock, so that concurrent writers,
// in this process or others, lose nothing.
func ExampleFileStore_Update() {
	dir, err := os.MkdirTemp("", "envseal-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	key, _ := secret.GenerateKey()
	store, err := secret.OpenFileStore(filepath.Join(dir, "store"), key)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	_ = store.Set(ctx, "db", map[string]string{"DB_USER": "app"})
	err = store.Update(ctx, "db", func(env map[string]string) error {
		env["DB_PASSWORD"] = "not-a-real-password"
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	names, _ := store.List(ctx)
	bundle, _ := store.Get(ctx, "db")
	fmt.Println(names, len(bundle))
	// Output: [db] 2
}

// UpdateWithInfo sets a key with its description, as envseal secrets set
// KEY=VALUE -d "..." does; a bundle created write-only stays so.
func ExampleFileStore_UpdateWithInfo() {
	dir, err := os.MkdirTemp("", "envseal-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	key, _ := secret.GenerateKey()
	store, err := secret.OpenFileStore(filepath.Join(dir, "store"), key)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	err = store.UpdateWithInfo(ctx, "openai", func(env map[string]string, info *secret.BundleInfo) error {
		env["OPENAI_API_KEY"] = "sk-not-a-real-key"
		info.Descriptions["OPENAI_API_KEY"] = "OpenAI key for completions"
		info.WriteOnly = true
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, info, err := store.GetWithInfo(ctx, "openai")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Descriptions["OPENAI_API_KEY"], info.WriteOnly)

	err = store.UpdateWithInfo(ctx, "openai", func(_ map[string]string, info *secret.BundleInfo) error {
		info.WriteOnly = false
		return nil
	})
	fmt.Println(err)
	// Output:
	// OpenAI key for completions true
	// bundle "openai": the bundle is write-only, and stays so: only deleting it ends that
}

// FromDotenv reads .env files; a later file wins, and Origin names the file.
// A value is exactly what the file says: $ not followed by { is literal, and
// ${NAME} expands from keys defined earlier in the same file.
func ExampleFromDotenv() {
	env, err := secret.Resolve(context.Background(),
		secret.FromDotenv("testdata/dotenv/app.env", "testdata/dotenv/local.env"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	password, _ := env.Get("DB_PASSWORD")
	url, _ := env.Get("DATABASE_URL")
	// local.env overrides DB_PASSWORD; DATABASE_URL keeps what app.env
	// expanded from its own DB_PASSWORD.
	fmt.Println(password, env.Origin("DB_PASSWORD"))
	fmt.Println(url, env.Origin("DATABASE_URL"))

	_, err = secret.Resolve(context.Background(), secret.FromDotenv("testdata/dotenv/missing.env"))
	fmt.Println(errors.Is(err, secret.ErrNotFound))
	// Output:
	// fake-local-db-password dotenv:testdata/dotenv/local.env
	// postgres://app:fake-pa$Sword-not-a-secret@db.internal.example:5432/app?sslmode=require dotenv:testdata/dotenv/app.env
	// true
}

// Optional makes a source whose file may be absent: a developer's .env file
// that production machines do not have. A missing file gives no keys; a file
// that is there must still be valid.
func ExampleOptional() {
	env, err := secret.Resolve(context.Background(),
		secret.FromDotenv("testdata/dotenv/app.env"),
		secret.Optional(secret.FromDotenv("testdata/dotenv/missing.env")),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(env.Origin("DB_PASSWORD"))
	// Output: dotenv:testdata/dotenv/app.env
}

// FromDir reads a secrets folder, one file per key: a Docker /run/secrets or
// OpenFaaS folder, or a Kubernetes secret volume. One trailing newline is
// trimmed; entries starting with "." are skipped.
func ExampleFromDir() {
	dir, err := os.MkdirTemp("", "envseal-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "DB_PASSWORD"), []byte("not-a-real-password\n"), 0o400)
	_ = os.WriteFile(filepath.Join(dir, "API_TOKEN"), []byte("tok-example"), 0o400)
	_ = os.WriteFile(filepath.Join(dir, ".hidden"), []byte("skipped"), 0o400)

	env, err := secret.Resolve(context.Background(), secret.FromDir(dir))
	if err != nil {
		fmt.Println(err)
		return
	}
	password, _ := env.Get("DB_PASSWORD")
	fmt.Println(env.Keys(), password)
	// Output: [API_TOKEN DB_PASSWORD] not-a-real-password
}

// FromDirOptions with MapNames reads a folder whose files are named as
// Kubernetes and OpenFaaS name secrets: api-key is API_KEY, tls.crt TLS_CRT.
func ExampleFromDirOptions() {
	dir, err := os.MkdirTemp("", "envseal-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "api-key"), []byte("not-a-real-key\n"), 0o400)
	_ = os.WriteFile(filepath.Join(dir, "tls.crt"), []byte("-----BEGIN FAKE CERTIFICATE-----\n"), 0o400)

	env, err := secret.Resolve(context.Background(), secret.FromDirOptions(dir, secret.DirOptions{MapNames: true}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(env.Keys())
	// Output: [API_KEY TLS_CRT]
}

// ParseManifest reads the secrets: list of an inference.sh inf.yml file and
// ignores its other keys.
func ExampleParseManifest() {
	m, err := secret.ParseManifest([]byte(`
name: summarize
category: text
secrets:
  - key: OPENAI_API_KEY
    description: OpenAI API key used for completions
  - key: SENTRY_DSN
    description: Error reporting
    optional: true
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range m.Secrets {
		fmt.Printf("%s optional=%v: %s\n", d.Key, d.Optional, d.Description)
	}

	// A typo is an error with its line, not a silently required secret.
	_, err = secret.ParseManifest([]byte("secrets:\n  - key: TOKEN\n    optinal: true\n"))
	fmt.Println(err)
	// Output:
	// OPENAI_API_KEY optional=false: OpenAI API key used for completions
	// SENTRY_DSN optional=true: Error reporting
	// line 3: secret 1: unknown field; did you mean optional?
}

// A Redactor replaces secret values in a stream, also when a value is split
// across writes.
func ExampleNewRedactor() {
	env, _ := secret.Resolve(context.Background(), secret.FromMap(map[string]string{"TOKEN": "tok-0123456789"}))
	r := secret.NewRedactor(os.Stdout, env)
	fmt.Fprint(r, "calling the API with tok-01234")
	fmt.Fprint(r, "56789 failed\n")
	r.Close()
	// Output: calling the API with [REDACTED:TOKEN] failed
}

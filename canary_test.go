package secret_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
	"github.com/envseal/secret/secrettest"
)

// canary is a value no printed form may ever contain.
const canary = "CANARYfakeSECRETvalue0042"

// leakCase drives one error path with the canary somewhere in its input.
type leakCase struct {
	name string
	// run returns the error of the path under test; it must not be nil.
	run func(t *testing.T) error
}

// assertNoCanary fails if any printed form of err contains the canary or a
// part of it.
func assertNoCanary(t *testing.T, err error) {
	t.Helper()
	secrettest.NoLeak(t, []string{canary}, err)
}

// resolveErr resolves sources with r and returns the error it must give.
func resolveErr(t *testing.T, r secret.Resolver, sources ...secret.Source) error {
	t.Helper()
	env, err := r.Resolve(context.Background(), sources...)
	require.Error(t, err)
	require.Nil(t, env, "no partial Env")
	return err
}

// coreLeakCases are the error paths of the core: merging and validation.
func coreLeakCases() []leakCase {
	manifest := &secret.Manifest{Secrets: []secret.Declaration{
		{Key: "NEEDED", Description: "a required key"},
		{Key: "OTHER"},
	}}
	return []leakCase{
		{"NUL in value", func(t *testing.T) error {
			return resolveErr(t, secret.Resolver{}, secret.FromMap(map[string]string{"K": canary + "\x00" + canary}))
		}},
		{"value too long", func(t *testing.T) error {
			return resolveErr(t, secret.Resolver{}, secret.FromMap(map[string]string{"K": strings.Repeat(canary, 2000)}))
		}},
		{"invalid key beside a value", func(t *testing.T) error {
			return resolveErr(t, secret.Resolver{}, secret.FromMap(map[string]string{"BAD KEY": canary, "GOOD": canary}))
		}},
		{"missing required keys", func(t *testing.T) error {
			return resolveErr(t, secret.Resolver{Manifest: manifest}, secret.FromMap(map[string]string{"OTHER": canary, "NEEDED": ""}))
		}},
		{"strict undeclared", func(t *testing.T) error {
			return resolveErr(t, secret.Resolver{Manifest: manifest, Strict: true},
				secret.FromMap(map[string]string{"NEEDED": canary, "OTHER": canary, "EXTRA": canary}))
		}},
		{"missing bundle after good sources", func(t *testing.T) error {
			return resolveErr(t, secret.Resolver{Store: memStore{"x": {"A": canary}}},
				secret.FromName("x"), secret.FromName("absent"))
		}},
		{"unset variable", func(t *testing.T) error {
			return resolveErr(t, secret.Resolver{},
				secret.FromMap(map[string]string{"A": canary}), secret.FromEnviron("ENVSEAL_LEAK_TEST_UNSET"))
		}},
	}
}

// dotenvLeakCases are FromDotenv's error paths, with the canary on the line
// at fault and around it.
func dotenvLeakCases() []leakCase {
	files := []struct{ name, content string }{
		{"line without =", "A=" + canary + "\n" + canary + "\n"},
		{"invalid key", "1KEY=" + canary + "\n"},
		{"key with a space", "MY KEY=" + canary + "\n"},
		{"key defined twice", "A=" + canary + "\nA=" + canary + "\n"},
		{"unterminated double quote", "A=\"" + canary + "\nB=" + canary + "\n"},
		{"unterminated single quote", "A='" + canary + "\n"},
		{"unknown escape", "A=\"" + canary + "\\q" + canary + "\"\n"},
		{"garbage after the quote", "A=\"" + canary + "\"" + canary + "\n"},
		{"undefined expansion", "A=" + canary + "${UNDEFINED}" + canary + "\n"},
		{"unterminated expansion", "A=" + canary + "${B" + canary + "\n"},
		{"invalid name in expansion", "A=${" + canary + "-x}\n"},
		{"lone CR", "A=" + canary + "\r" + canary + "\n"},
		{"YAML style", canary + ": " + canary + "\n"},
		{"NUL in a value", "A=" + canary + "\x00" + canary + "\n"},
		{"value over the limit", "A=" + strings.Repeat(canary, 2000) + "\n"},
	}
	var cases []leakCase
	for _, f := range files {
		cases = append(cases, leakCase{"dotenv: " + f.name, func(t *testing.T) error {
			path := filepath.Join(t.TempDir(), ".env")
			require.NoError(t, os.WriteFile(path, []byte(f.content), 0o600))
			return resolveErr(t, secret.Resolver{}, secret.FromMap(map[string]string{"X": canary}), secret.FromDotenv(path))
		}})
	}
	return cases
}

// storeLeakCases are the error paths of the encrypted store and its key.
func storeLeakCases() []leakCase {
	ctx := context.Background()
	return []leakCase{
		{"bundle opened with the wrong key", func(t *testing.T) error {
			_, _, dir := newCanaryStore(t)
			other, err := secret.GenerateKey()
			require.NoError(t, err)
			st, err := secret.OpenFileStore(dir, other)
			require.NoError(t, err)
			return resolveErr(t, secret.Resolver{Store: st}, secret.FromName("app"))
		}},
		{"tampered bundle", func(t *testing.T) error {
			st, _, dir := newCanaryStore(t)
			path := filepath.Join(dir, "app.sealed")
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			data[len(data)-1] ^= 1
			require.NoError(t, os.WriteFile(path, data, 0o600))
			return resolveErr(t, secret.Resolver{Store: st}, secret.FromName("app"))
		}},
		{"set a value with NUL", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			return st.Set(ctx, "app", map[string]string{"TOKEN": canary + "\x00"})
		}},
		{"set an oversized value", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			return st.Update(ctx, "app", func(env map[string]string) error {
				env["BIG"] = strings.Repeat(canary, 2000)
				return nil
			})
		}},
		{"malformed key text", func(t *testing.T) error {
			_, err := secret.ParseKey("envseal-key-1-" + canary)
			return err
		}},
		{"key with a typo", func(t *testing.T) error {
			k, err := secret.GenerateKey()
			require.NoError(t, err)
			text := []byte(k.Encode())
			text[20] ^= 1
			_, err = secret.ParseKey(string(text) + canary)
			return err
		}},
	}
}

// newCanaryStore returns a new FileStore, its key and its folder, with the
// canary as the value of TOKEN in bundle app.
func newCanaryStore(t *testing.T) (*secret.FileStore, secret.Key, string) {
	t.Helper()
	key, err := secret.GenerateKey()
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "store")
	st, err := secret.OpenFileStore(dir, key)
	require.NoError(t, err)
	require.NoError(t, st.Set(context.Background(), "app", map[string]string{"TOKEN": canary}))
	return st, key, dir
}

// nameLeakCases give every call that takes a bundle, environment or
// variable name a name with a value in it, KEY=VALUE pasted where the name
// goes, and every call that takes entries a key with a value in it.
func nameLeakCases() []leakCase {
	ctx := context.Background()
	const bad = "app=" + canary
	noop := func(map[string]string) error { return nil }
	return []leakCase{
		{"Get", func(t *testing.T) error { st, _, _ := newCanaryStore(t); _, err := st.Get(ctx, bad); return err }},
		{"Set", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			return st.Set(ctx, bad, map[string]string{"TOKEN": canary})
		}},
		{"Update", func(t *testing.T) error { st, _, _ := newCanaryStore(t); return st.Update(ctx, bad, noop) }},
		{"Delete", func(t *testing.T) error { st, _, _ := newCanaryStore(t); return st.Delete(ctx, bad) }},
		{"History", func(t *testing.T) error { st, _, _ := newCanaryStore(t); _, err := st.History(ctx, bad); return err }},
		{"GetVersion", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			_, err := st.GetVersion(ctx, bad, 1)
			return err
		}},
		{"Rollback", func(t *testing.T) error { st, _, _ := newCanaryStore(t); return st.Rollback(ctx, bad, 1) }},
		{"Watch", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			_, err := st.Watch(ctx, "app", bad)
			return err
		}},
		{"InEnvironment", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			_, err := st.InEnvironment(bad)
			return err
		}},
		{"OpenFileStoreOptions environment", func(t *testing.T) error {
			_, key, dir := newCanaryStore(t)
			_, err := secret.OpenFileStoreOptions(dir, key, secret.StoreOptions{Environment: bad})
			return err
		}},
		{"FromName", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			return resolveErr(t, secret.Resolver{Store: st}, secret.FromMap(map[string]string{"A": canary}), secret.FromName(bad))
		}},
		{"FromEnviron", func(t *testing.T) error {
			return resolveErr(t, secret.Resolver{}, secret.FromEnviron("TOKEN="+canary))
		}},
		{"FromMap key", func(t *testing.T) error {
			return resolveErr(t, secret.Resolver{}, secret.FromMap(map[string]string{"TOKEN=" + canary: canary}))
		}},
		{"Set key", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			return st.Set(ctx, "app", map[string]string{"TOKEN=" + canary: canary})
		}},
		{"Update key", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			return st.Update(ctx, "app", func(env map[string]string) error {
				env["TOKEN="+canary] = canary
				return nil
			})
		}},
		{"Manifest key", func(t *testing.T) error {
			m := &secret.Manifest{Secrets: []secret.Declaration{{Key: "TOKEN=" + canary}}}
			return resolveErr(t, secret.Resolver{Manifest: m}, secret.FromMap(map[string]string{"TOKEN": canary}))
		}},
	}
}

// apiLeakCases are the other error paths of the exported functions and
// methods, with the canary in the store, in a value or in a file.
func apiLeakCases() []leakCase {
	ctx := context.Background()
	return []leakCase{
		{"write under another key", func(t *testing.T) error {
			_, _, dir := newCanaryStore(t)
			other, err := secret.GenerateKey()
			require.NoError(t, err)
			st, err := secret.OpenFileStore(dir, other)
			require.NoError(t, err)
			return st.Set(ctx, "new", map[string]string{"TOKEN": canary})
		}},
		{"history under another key", func(t *testing.T) error {
			_, _, dir := newCanaryStore(t)
			other, err := secret.GenerateKey()
			require.NoError(t, err)
			st, err := secret.OpenFileStore(dir, other)
			require.NoError(t, err)
			_, err = st.GetVersion(ctx, "app", 1)
			return err
		}},
		{"rotate to the zero key", func(t *testing.T) error { st, _, _ := newCanaryStore(t); return st.Rotate(ctx, secret.Key{}) }},
		{"open with the zero key", func(t *testing.T) error {
			_, _, dir := newCanaryStore(t)
			_, err := secret.OpenFileStore(dir, secret.Key{})
			return err
		}},
		{"a version that is not there", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			_, err := st.GetVersion(ctx, "app", 99)
			return err
		}},
		{"roll back to a version that is not there", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			return st.Rollback(ctx, "app", 99)
		}},
		{"Update that fails", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			return st.Update(ctx, "app", func(env map[string]string) error {
				env["TOKEN"] = canary + "\x00"
				return nil
			})
		}},
		{"write from inside Update", func(t *testing.T) error {
			st, _, _ := newCanaryStore(t)
			return st.Update(ctx, "app", func(env map[string]string) error {
				return st.Set(ctx, "other", map[string]string{"TOKEN": env["TOKEN"]})
			})
		}},
		{"Resolve after a cancel", func(t *testing.T) error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err := secret.Resolve(cctx, secret.FromMap(map[string]string{"TOKEN": canary}))
			return err
		}},
		{"Strict without a Manifest", func(t *testing.T) error {
			return resolveErr(t, secret.Resolver{Strict: true}, secret.FromMap(map[string]string{"TOKEN": canary}))
		}},
		{"Manifest.Check", func(t *testing.T) error {
			m := &secret.Manifest{Secrets: []secret.Declaration{{Key: "NEEDED", Description: "fake"}}}
			return m.Check(map[string]string{"TOKEN": canary, "NEEDED": ""}, true)
		}},
		{"Watch on a store that cannot watch", func(t *testing.T) error {
			r := secret.Resolver{Store: memStore{"x": {"TOKEN": canary}}}
			return r.Watch(ctx, func(*secret.Env, error) {}, secret.FromName("x"))
		}},
		{"LoadManifest of a folder", func(t *testing.T) error {
			_, err := secret.LoadManifest(t.TempDir())
			return err
		}},
		{"Write after Close", func(t *testing.T) error {
			r := secret.NewRedactor(io.Discard, mustEnv(t, map[string]string{"TOKEN": canary}))
			require.NoError(t, r.Close())
			_, err := r.Write([]byte(canary))
			return err
		}},
	}
}

// TestNoValueInErrors drives every error path with the canary in its input
// and checks every printed form of the error.
func TestNoValueInErrors(t *testing.T) {
	t.Parallel()
	var cases []leakCase
	cases = append(cases, coreLeakCases()...)
	cases = append(cases, storeLeakCases()...)
	for _, c := range nameLeakCases() {
		cases = append(cases, leakCase{"name with a value: " + c.name, c.run})
	}
	cases = append(cases, apiLeakCases()...)
	cases = append(cases, runnerLeakCases()...)
	cases = append(cases, dotenvLeakCases()...)
	cases = append(cases, manifestLeakCases()...)
	cases = append(cases, dirLeakCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.run(t)
			require.Error(t, err)
			assertNoCanary(t, err)
		})
	}
}

// inField holds a value in unexported fields, by value, by pointer and in an
// interface, where fmt cannot call its methods and prints what reflection
// finds.
type inField[T any] struct {
	v   T
	p   *T
	any any
}

func held[T any](v T) inField[T] { return inField[T]{v: v, p: &v, any: v} }

// TestPrintedFormsHoldNoValue prints every source and every Redactor in
// every way a program might (every fmt verb, slog, JSON), on its own, by
// pointer and from unexported fields of a struct, and checks that no
// canary shows: no value, no value typed where a name goes, nothing a
// Redactor holds back.
func TestPrintedFormsHoldNoValue(t *testing.T) {
	t.Parallel()
	env := mustEnv(t, map[string]string{"TOKEN": canary, "OTHER": "fake-other-value"})
	// A Redactor holding back the start of the value, after another value.
	var out strings.Builder
	red := secret.NewRedactor(&out, env)
	_, err := red.Write([]byte("fake-other-value " + canary[:len(canary)-1]))
	require.NoError(t, err)
	key, err := secret.GenerateKey()
	require.NoError(t, err)
	keyText := key.Encode()[len("envseal-key-1-"):]
	st, err := secret.OpenFileStore(filepath.Join(t.TempDir(), "store"), key)
	require.NoError(t, err)
	require.NoError(t, st.Set(context.Background(), "app", map[string]string{"TOKEN": canary}))
	prod, err := st.InEnvironment("prod")
	require.NoError(t, err)
	versions, err := st.History(context.Background(), "app")
	require.NoError(t, err)
	manifest := &secret.Manifest{Secrets: []secret.Declaration{{Key: "TOKEN", Description: "fake"}}}
	tests := []struct {
		name string
		v    any
	}{
		{"Env", env},
		{"Env by value", *env},
		{"Key", key},
		{"Key by pointer", &key},
		{"FileStore", st},
		{"FileStore by value", *st},
		{"FileStore in an environment", prod},
		{"Resolver", secret.Resolver{Store: st, Manifest: manifest, Strict: true}},
		{"Resolver by pointer", &secret.Resolver{Store: st}},
		{"Runner", secret.Command(env, "true")},
		{"Runner by value", *secret.Command(env, "true")},
		{"StoreOptions", secret.StoreOptions{Environment: "prod", KeySource: "ENVSEAL_KEY"}},
		{"Version", versions[0]},
		{"Manifest", manifest},
		{"Declaration", manifest.Secrets[0]},
		{"FromMap", secret.FromMap(map[string]string{"TOKEN": canary})},
		{"FromMap with a value as a key", secret.FromMap(map[string]string{"TOKEN=" + canary: "x"})},
		{"FromName with a value as the name", secret.FromName("token=" + canary)},
		{"FromEnviron with a value as a name", secret.FromEnviron("TOKEN=" + canary)},
		{"FromDotenv", secret.FromDotenv("testdata/app.env")},
		{"FromDotenv of two files", secret.FromDotenv("a.env", "b.env")},
		{"FromDir", secret.FromDir("testdata")},
		{"Redactor", red},
		{"Redactor by value", *red},
		{"zero Redactor", secret.Redactor{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			secrettest.NoLeak(t, []string{canary, keyText}, tt.v, &tt.v, held(tt.v), &struct{ f inField[any] }{held(tt.v)})
		})
	}
	t.Run("Runner with values in its fields", func(t *testing.T) {
		// Printed through its methods, a Runner shows none of its arguments
		// nor its base environment. Held by value where fmt cannot call them,
		// it does: the Runner's doc says so.
		t.Parallel()
		r := secret.Command(env, "fake-command", canary)
		r.Environ = []string{"BASE=" + canary}
		r.Dir = "/tmp"
		secrettest.NoLeak(t, []string{canary}, r, *r)
	})
	t.Run("sources as themselves", func(t *testing.T) {
		t.Parallel()
		for _, s := range []secret.Source{secret.FromMap(map[string]string{"TOKEN": canary}), secret.FromDir("/run/secrets")} {
			secrettest.NoLeak(t, []string{canary}, held(s), held(&s))
			assert.Equal(t, s.Name(), fmt.Sprint(s))
			assert.Equal(t, s.Name(), fmt.Sprintf("%+v", s))
			assert.Equal(t, `secret.Source("`+s.Name()+`")`, fmt.Sprintf("%#v", s))
		}
	})
	t.Run("Redactor shows its keys", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, "Redactor{OTHER, TOKEN}", fmt.Sprint(red))
		assert.Equal(t, "secret.Redactor{OTHER, TOKEN}", fmt.Sprintf("%#v", red))
		j, err := json.Marshal(red)
		require.NoError(t, err)
		assert.JSONEq(t, `{"keys":["OTHER","TOKEN"]}`, string(j))
	})
}

// fuzzCanary is the secret that fuzz targets put into their input. Every run
// of 8 of its bytes holds a byte that is no letter, digit or underscore, so
// that an error may name a key or a bundle next to it (keys and names are
// not secret) without quoting 8 bytes of it.
const fuzzCanary = "c4N-aR/y+Q7~vL.x!Z9"

// withCanary returns data with fuzzCanary put in at a few places chosen from
// data itself: the start, the middle, the end, and after each of the first
// separators (=, :, quotes, #, newline) a value could follow.
func withCanary(data []byte) [][]byte {
	at := []int{0, len(data) / 2, len(data)}
	for i, c := range data {
		if len(at) >= 10 {
			break
		}
		switch c {
		case '=', ':', '"', '\'', '#', '\n', ' ':
			at = append(at, i+1)
		}
	}
	out := make([][]byte, 0, len(at))
	for _, i := range at {
		b := make([]byte, 0, len(data)+len(fuzzCanary))
		b = append(b, data[:i]...)
		b = append(b, fuzzCanary...)
		b = append(b, data[i:]...)
		out = append(out, b)
	}
	return out
}

// TestCanaryKeyLoading gives LoadKey, FindKey, DefaultStore and Resolve of
// the default store a key, a key file and an environment that hold a value
// or a key where they should not, through the real process environment:
// no error shows it. It sets variables, so it does not run in parallel.
func TestCanaryKeyLoading(t *testing.T) {
	key, err := secret.GenerateKey()
	require.NoError(t, err)
	keyText := key.Encode()
	dir := t.TempDir()
	write := func(name, content string, perm os.FileMode) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), perm))
		require.NoError(t, os.Chmod(p, perm))
		return p
	}
	tests := []struct {
		name    string
		vars    map[string]string
		secrets []string
	}{
		{"value as ENVSEAL_KEY", map[string]string{"ENVSEAL_KEY": canary}, nil},
		{"ENVSEAL_KEY with a value after the prefix", map[string]string{"ENVSEAL_KEY": "envseal-key-1-" + canary}, nil},
		{"ENVSEAL_KEY with a line after it", map[string]string{"ENVSEAL_KEY": keyText + "\n" + canary}, []string{keyText[14:]}},
		{"ENVSEAL_KEY truncated", map[string]string{"ENVSEAL_KEY": keyText[:len(keyText)-1]}, []string{keyText[14 : len(keyText)-1]}},
		{"key file holding a value", map[string]string{"ENVSEAL_KEY_FILE": write("value", canary+"\n", 0o600)}, nil},
		{"key file others may read", map[string]string{"ENVSEAL_KEY_FILE": write("open", keyText+"\n", 0o644)}, []string{keyText[14:]}},
		{"environment with a value", map[string]string{"ENVSEAL_KEY": keyText, "ENVSEAL_ENVIRONMENT": "prod=" + canary}, []string{keyText[14:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", dir)
			t.Setenv("XDG_CONFIG_HOME", dir)
			t.Setenv("ENVSEAL_STORE", filepath.Join(dir, "store"))
			for _, k := range []string{"ENVSEAL_KEY", "ENVSEAL_KEY_FILE", "ENVSEAL_ENVIRONMENT"} {
				t.Setenv(k, tt.vars[k])
			}
			secrets := append([]string{canary}, tt.secrets...)
			var errs []any
			if !strings.Contains(tt.name, "environment") {
				_, err := secret.LoadKey()
				require.Error(t, err)
				_, _, err2 := secret.FindKey()
				require.Error(t, err2)
				errs = append(errs, err, err2)
			}
			_, err := secret.DefaultStore()
			require.Error(t, err)
			_, err2 := secret.Resolve(context.Background(), secret.FromMap(map[string]string{"A": canary}), secret.FromName("app"))
			require.Error(t, err2)
			errs = append(errs, err, err2)
			secrettest.NoLeak(t, secrets, errs...)
		})
	}
}

// TestNoValueInPanics calls what panics on misuse (nil receivers, a nil
// context, a Redactor without a writer) with the canary in its arguments:
// the panic's value holds none of it.
func TestNoValueInPanics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := mustEnv(t, map[string]string{"TOKEN": canary})
	vars := map[string]string{"TOKEN": canary}
	tests := []struct {
		name string
		call func()
	}{
		{"nil FileStore", func() { _ = (*secret.FileStore)(nil).Set(ctx, "app", vars) }},
		{"zero FileStore", func() { _ = (&secret.FileStore{}).Set(ctx, "app", vars) }},
		{"nil Manifest", func() { _ = (*secret.Manifest)(nil).Check(vars, true) }},
		//lint:ignore SA1012 a nil context is the misuse under test
		{"nil context", func() { _, _ = secret.Resolve(nil, secret.FromMap(vars)) }},
		{"Redactor without a writer", func() { _, _ = secret.NewRedactor(nil, env).Write([]byte("x " + canary)) }},
		{"nil Redactor", func() { _, _ = (*secret.Redactor)(nil).Write([]byte(canary)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got any
			func() {
				defer func() { got = recover() }()
				tt.call()
			}()
			require.NotNil(t, got, "it does not panic")
			secrettest.NoLeak(t, []string{canary}, got)
		})
	}
}

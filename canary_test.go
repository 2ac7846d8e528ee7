package secret_test

import (
	"context"
	"encoding/json"
	"fmt"
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
	newStore := func(t *testing.T) (*secret.FileStore, string) {
		key, err := secret.GenerateKey()
		require.NoError(t, err)
		dir := filepath.Join(t.TempDir(), "store")
		st, err := secret.OpenFileStore(dir, key)
		require.NoError(t, err)
		require.NoError(t, st.Set(ctx, "app", map[string]string{"TOKEN": canary}))
		return st, dir
	}
	return []leakCase{
		{"bundle opened with the wrong key", func(t *testing.T) error {
			_, dir := newStore(t)
			other, err := secret.GenerateKey()
			require.NoError(t, err)
			st, err := secret.OpenFileStore(dir, other)
			require.NoError(t, err)
			return resolveErr(t, secret.Resolver{Store: st}, secret.FromName("app"))
		}},
		{"tampered bundle", func(t *testing.T) error {
			st, dir := newStore(t)
			path := filepath.Join(dir, "app.sealed")
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			data[len(data)-1] ^= 1
			require.NoError(t, os.WriteFile(path, data, 0o600))
			return resolveErr(t, secret.Resolver{Store: st}, secret.FromName("app"))
		}},
		{"set a value with NUL", func(t *testing.T) error {
			st, _ := newStore(t)
			return st.Set(ctx, "app", map[string]string{"TOKEN": canary + "\x00"})
		}},
		{"set an oversized value", func(t *testing.T) error {
			st, _ := newStore(t)
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

// TestNoValueInErrors drives every error path with the canary in its input
// and checks every printed form of the error.
func TestNoValueInErrors(t *testing.T) {
	t.Parallel()
	var cases []leakCase
	cases = append(cases, coreLeakCases()...)
	cases = append(cases, storeLeakCases()...)
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
	tests := []struct {
		name string
		v    any
	}{
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
			secrettest.NoLeak(t, []string{canary}, tt.v, &tt.v, held(tt.v), &struct{ f inField[any] }{held(tt.v)})
		})
	}
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

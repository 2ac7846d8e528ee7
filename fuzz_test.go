package secret_test

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
	"github.com/envseal/secret/secrettest"
)

// The fuzz targets of the root package besides FuzzParseManifest and
// FuzzRedactor: the text form of a key, and bundle names. Each checks that
// no secret in its input reaches an error.

// digits matches what keyErrors leave out of ParseKey's messages.
var digits = regexp.MustCompile(`[0-9]+`)

// keyErrors are ParseKey's messages, numbers taken out: nothing else, and so
// no byte of the input, may show.
func keyErrors() map[string]bool {
	out := map[string]bool{}
	for _, m := range []string{
		`malformed key: it does not start with "envseal-key-1-"`,
		`malformed key: 1 characters after the prefix, want 48 (truncated or mistyped?)`,
		`malformed key: a character is not in the URL-safe base64 alphabet`,
		`malformed key: checksum mismatch (mistyped or truncated key?)`,
		"malformed key: it is the all-zero key, which is not a valid key; generate one with `envseal key generate`",
	} {
		out[digits.ReplaceAllString(m, "N")] = true
	}
	return out
}

// FuzzParseKey parses any text as a key. A key that parses has one text
// form, the input less surrounding white space, and never prints; an error
// is one of ParseKey's fixed messages, with lengths at most, and quotes no
// byte of the input, so that a mistyped key never ends up in a log.
func FuzzParseKey(f *testing.F) {
	k, err := secret.GenerateKey()
	require.NoError(f, err)
	text := k.Encode()
	for _, s := range []string{
		text, " " + text + "\n", text[:len(text)-1], text + "A", "envseal-key-1-", "", "envseal-key-2-" + text[14:],
		strings.Replace(text, text[20:21], "*", 1), "envseal-key-1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"KEY=" + text, text[14:],
	} {
		f.Add(s)
	}
	known := keyErrors()
	f.Fuzz(func(t *testing.T, s string) {
		k, err := secret.ParseKey(s)
		if err == nil {
			enc := k.Encode()
			if enc != strings.TrimSpace(s) {
				t.Fatal("a key parsed from a text other than its own text form")
			}
			back, err := secret.ParseKey(enc)
			if err != nil || back != k {
				t.Fatal("a key does not survive Encode and ParseKey")
			}
			secrettest.NoLeak(t, []string{enc[len("envseal-key-1-"):]}, k, &k, []secret.Key{k})
			return
		}
		if msg := digits.ReplaceAllString(err.Error(), "N"); !known[msg] {
			t.Fatalf("ParseKey's error is not one of its fixed messages: %q", msg)
		}
		for _, in := range withCanary([]byte(s)) {
			if _, err := secret.ParseKey(string(in)); err != nil {
				secrettest.NoLeak(t, []string{fuzzCanary}, err)
			}
		}
	})
}

// nameRule is the rule of bundle names, as the design states it.
var nameRule = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// FuzzBundleName checks ValidBundleName against the rule of bundle names,
// and gives a FileStore and FromName any name, then that name with a secret
// after it (KEY=VALUE pasted where a name goes): every call that takes a
// name refuses it without quoting the secret, and without touching the
// store's folder.
func FuzzBundleName(f *testing.F) {
	for _, s := range []string{
		"openai", "a", "", "-a", "a-", "a_b-c", strings.Repeat("a", 64), strings.Repeat("a", 65), "A", "a/b", "../x", ".",
		"..", "a\x00", "prod/openai", "name=value", "café", "a.sealed", " a", "a\n",
	} {
		f.Add(s)
	}
	key, err := secret.GenerateKey()
	require.NoError(f, err)
	dir := filepath.Join(f.TempDir(), "store")
	st, err := secret.OpenFileStore(dir, key)
	require.NoError(f, err)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, name string) {
		valid := secret.ValidBundleName(name)
		if valid != nameRule.MatchString(name) {
			t.Fatalf("ValidBundleName(%q) = %v, against the rule", name, valid)
		}
		_, err := st.Get(ctx, name)
		if err == nil {
			t.Fatalf("Get(%q) found a bundle in an empty store", name)
		}
		if valid != errors.Is(err, secret.ErrNotFound) {
			t.Fatalf("Get(%q): %v", name, err)
		}
		bad := name + "=" + fuzzCanary
		if secret.ValidBundleName(bad) {
			t.Fatal("a name with = in it is valid")
		}
		noop := func(map[string]string) error { return nil }
		_, getErr := st.Get(ctx, bad)
		_, histErr := st.History(ctx, bad)
		_, verErr := st.GetVersion(ctx, bad, 1)
		_, envErr := st.InEnvironment(bad)
		_, optErr := secret.OpenFileStoreOptions(dir, key, secret.StoreOptions{Environment: bad})
		_, watchErr := st.Watch(ctx, bad)
		_, resErr := (&secret.Resolver{Store: st}).Resolve(ctx, secret.FromName(bad))
		errs := []error{
			getErr, st.Set(ctx, bad, map[string]string{"K": "fake-v"}), st.Update(ctx, bad, noop), st.Delete(ctx, bad),
			histErr, verErr, st.Rollback(ctx, bad, 1), envErr, optErr, watchErr, resErr,
		}
		for i, err := range errs {
			if err == nil {
				t.Fatalf("call %d took the invalid name", i)
			}
		}
		secrettest.NoLeak(t, []string{fuzzCanary}, secret.FromName(bad))
		secrettest.NoLeak(t, []string{fuzzCanary}, anys(errs)...)
		names, err := st.List(ctx)
		if err != nil || len(names) != 0 {
			t.Fatalf("the store is not empty: %d bundles, %v", len(names), err)
		}
	})
}

// anys returns errs as a slice of any.
func anys(errs []error) []any {
	out := make([]any, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return out
}

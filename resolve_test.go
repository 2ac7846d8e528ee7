package secret_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// memStore is a Store held in memory.
type memStore map[string]map[string]string

func (s memStore) Get(_ context.Context, name string) (map[string]string, error) {
	b, ok := s[name]
	if !ok {
		return nil, fmt.Errorf("bundle %s: %w", name, secret.ErrNotFound)
	}
	return b, nil
}

// failSource is a Source whose Load fails.
type failSource struct {
	name string
	err  error
}

func (s failSource) Name() string                                    { return s.name }
func (s failSource) Load(context.Context) (map[string]string, error) { return nil, s.err }

// countSource counts its loads.
type countSource struct {
	mu sync.Mutex
	n  int
}

func (s *countSource) Name() string { return "count" }
func (s *countSource) Load(context.Context) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return map[string]string{"COUNTED": "fake-counted"}, nil
}

func TestResolvePrecedence(t *testing.T) {
	t.Parallel()
	store := memStore{
		"openai": {"OPENAI_API_KEY": "fake-from-store", "ORG": "fake-org"},
		"db":     {"DB_URL": "fake-db-url", "ORG": "fake-org-db"},
	}
	tests := []struct {
		name       string
		sources    []secret.Source
		want       map[string]string
		wantOrigin map[string]string
	}{
		{
			name:    "no sources",
			sources: nil,
			want:    map[string]string{},
		},
		{
			name:       "one map",
			sources:    []secret.Source{secret.FromMap(map[string]string{"A": "fake-a"})},
			want:       map[string]string{"A": "fake-a"},
			wantOrigin: map[string]string{"A": "map"},
		},
		{
			name: "later map wins",
			sources: []secret.Source{
				secret.FromMap(map[string]string{"A": "fake-1", "B": "fake-b"}),
				secret.FromMap(map[string]string{"A": "fake-2"}),
			},
			want:       map[string]string{"A": "fake-2", "B": "fake-b"},
			wantOrigin: map[string]string{"A": "map", "B": "map"},
		},
		{
			name: "empty value overrides",
			sources: []secret.Source{
				secret.FromMap(map[string]string{"A": "fake-1"}),
				secret.FromMap(map[string]string{"A": ""}),
			},
			want: map[string]string{"A": ""},
		},
		{
			name: "named bundles in order, map on top",
			sources: []secret.Source{
				secret.FromName("openai"),
				secret.FromName("db"),
				secret.FromMap(map[string]string{"OPENAI_API_KEY": "fake-override"}),
			},
			want: map[string]string{
				"OPENAI_API_KEY": "fake-override", "ORG": "fake-org-db", "DB_URL": "fake-db-url",
			},
			wantOrigin: map[string]string{
				"OPENAI_API_KEY": "map", "ORG": "name:db", "DB_URL": "name:db",
			},
		},
		{
			name: "bundle wins over earlier map",
			sources: []secret.Source{
				secret.FromMap(map[string]string{"ORG": "fake-map-org"}),
				secret.FromName("openai"),
			},
			want:       map[string]string{"ORG": "fake-org", "OPENAI_API_KEY": "fake-from-store"},
			wantOrigin: map[string]string{"ORG": "name:openai"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := secret.Resolver{Store: store}
			env, err := r.Resolve(context.Background(), tt.sources...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, env.Map())
			for k, o := range tt.wantOrigin {
				assert.Equal(t, o, env.Origin(k), "origin of %s", k)
			}
		})
	}
}

func TestResolveRejects(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", 16385)
	tests := []struct {
		name    string
		sources []secret.Source
		// wantSource and wantKey are what the *SourceError names.
		wantSource, wantKey string
		wantIs              error
		wantText            string
	}{
		{
			name:       "failing source",
			sources:    []secret.Source{secret.FromMap(map[string]string{"A": "fake"}), failSource{"vault:x", errors.New("connection refused")}},
			wantSource: "vault:x",
			wantText:   "vault:x: connection refused",
		},
		{
			name:       "missing bundle",
			sources:    []secret.Source{secret.FromName("nope")},
			wantSource: "name:nope",
			wantIs:     secret.ErrNotFound,
		},
		{
			name:       "empty key",
			sources:    []secret.Source{secret.FromMap(map[string]string{"": "fake"})},
			wantSource: "map", wantKey: "",
			wantText: "empty key",
		},
		{
			name:       "key starts with digit",
			sources:    []secret.Source{secret.FromMap(map[string]string{"1KEY": "fake"})},
			wantSource: "map", wantKey: "1KEY",
			wantText: `key "1KEY": invalid key`,
		},
		{
			name:       "key with space",
			sources:    []secret.Source{secret.FromMap(map[string]string{"MY KEY": "fake"})},
			wantSource: "map", wantKey: "MY KEY",
		},
		{
			name:       "key with dash",
			sources:    []secret.Source{secret.FromMap(map[string]string{"API-KEY": "fake"})},
			wantSource: "map", wantKey: "API-KEY",
		},
		{
			name:       "key with equals",
			sources:    []secret.Source{secret.FromMap(map[string]string{"A=B": "fake"})},
			wantSource: "map", wantKey: "A=B",
		},
		{
			name:       "non-ASCII key",
			sources:    []secret.Source{secret.FromMap(map[string]string{"KÉY": "fake"})},
			wantSource: "map", wantKey: "KÉY",
		},
		{
			name:       "key too long",
			sources:    []secret.Source{secret.FromMap(map[string]string{long: "fake"})},
			wantSource: "map", wantKey: long,
			wantText: "16385 bytes, over the limit of 16384",
		},
		{
			name:       "value too long",
			sources:    []secret.Source{secret.FromMap(map[string]string{"BIG": strings.Repeat("v", 32769)})},
			wantSource: "map", wantKey: "BIG",
			wantText: "map: key BIG: value is 32769 bytes, over the limit of 32768",
		},
		{
			name:       "NUL in value",
			sources:    []secret.Source{secret.FromMap(map[string]string{"NUL": "fake\x00value"})},
			wantSource: "map", wantKey: "NUL",
			wantText: "map: key NUL: value contains a NUL byte",
		},
		{
			name: "bad later source fails the whole resolve",
			sources: []secret.Source{
				secret.FromMap(map[string]string{"GOOD": "fake"}),
				secret.FromMap(map[string]string{"bad key": "fake"}),
			},
			wantSource: "map", wantKey: "bad key",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := secret.Resolver{Store: memStore{}}
			env, err := r.Resolve(context.Background(), tt.sources...)
			require.Error(t, err)
			assert.Nil(t, env, "no partial Env")
			var se *secret.SourceError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.wantSource, se.Source)
			assert.Equal(t, tt.wantKey, se.Key)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			if tt.wantText != "" {
				assert.Contains(t, err.Error(), tt.wantText)
			}
			assert.NotContains(t, err.Error(), "fake", "error text must not contain a value")
		})
	}
}

func TestResolveReportsEveryBadKeyOfASource(t *testing.T) {
	t.Parallel()
	_, err := secret.Resolve(context.Background(), secret.FromMap(map[string]string{
		"1A": "fake", "OK": "fake", "B-B": "fake", "NUL": "fake\x00",
	}))
	require.Error(t, err)
	msg := err.Error()
	for _, k := range []string{`"1A"`, `"B"… (3 bytes)`, "NUL"} {
		assert.Contains(t, msg, k)
	}
	assert.NotContains(t, msg, "OK")
}

func TestResolveMisuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	_, err := secret.Resolve(ctx, secret.FromMap(nil), nil)
	assert.EqualError(t, err, "source 2 of 2 is nil")

	r := secret.Resolver{Strict: true}
	_, err = r.Resolve(ctx)
	assert.ErrorContains(t, err, "Strict")

	r = secret.Resolver{Manifest: &secret.Manifest{Secrets: []secret.Declaration{{Key: "A"}, {Key: "A"}}}}
	_, err = r.Resolve(ctx)
	assert.ErrorContains(t, err, "invalid manifest: secret 2: key A is already declared by secret 1")

	r = secret.Resolver{Manifest: &secret.Manifest{Secrets: []secret.Declaration{{Key: "BAD KEY"}}}}
	_, err = r.Resolve(ctx)
	assert.ErrorContains(t, err, `invalid manifest: secret 1: invalid key "BAD"… (7 bytes)`)

	r = secret.Resolver{Manifest: &secret.Manifest{Secrets: []secret.Declaration{{Description: "no key"}}}}
	_, err = r.Resolve(ctx)
	assert.ErrorContains(t, err, "invalid manifest: secret 1: empty key")
}

func TestNilResolverIsTheZeroResolver(t *testing.T) {
	t.Parallel()
	var r *secret.Resolver
	env, err := r.Resolve(context.Background(), secret.FromMap(map[string]string{"A": "fake-a"}))
	require.NoError(t, err)
	assert.Equal(t, []string{"A"}, env.Keys())
	assert.Equal(t, "map", env.Origin("A"))
}

func TestResolveCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var c countSource
	env, err := secret.Resolve(ctx, &c)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, env)
	assert.Zero(t, c.n, "no source loads after cancellation")
}

func TestResolveManifest(t *testing.T) {
	t.Parallel()
	manifest := &secret.Manifest{Secrets: []secret.Declaration{
		{Key: "OPENAI_API_KEY", Description: "OpenAI key for completions"},
		{Key: "DB_URL", Description: "Postgres connection string"},
		{Key: "SENTRY_DSN", Description: "error reporting", Optional: true},
		{Key: "NO_DESC"},
	}}
	tests := []struct {
		name           string
		strict         bool
		vars           map[string]string
		wantMissing    []string
		wantUndeclared []string
		wantText       string
	}{
		{
			name: "all present, optional absent",
			vars: map[string]string{"OPENAI_API_KEY": "fake-1", "DB_URL": "fake-2", "NO_DESC": "fake-3"},
		},
		{
			name: "optional present and empty",
			vars: map[string]string{"OPENAI_API_KEY": "fake-1", "DB_URL": "fake-2", "NO_DESC": "fake-3", "SENTRY_DSN": ""},
		},
		{
			name: "undeclared allowed when not strict",
			vars: map[string]string{"OPENAI_API_KEY": "fake-1", "DB_URL": "fake-2", "NO_DESC": "fake-3", "EXTRA": "fake-4"},
		},
		{
			name:        "everything missing at once, sorted",
			vars:        map[string]string{},
			wantMissing: []string{"DB_URL", "NO_DESC", "OPENAI_API_KEY"},
			wantText: "secrets do not satisfy the manifest:\n" +
				"  missing DB_URL: Postgres connection string\n" +
				"  missing NO_DESC\n" +
				"  missing OPENAI_API_KEY: OpenAI key for completions",
		},
		{
			name:        "required but empty is missing",
			vars:        map[string]string{"OPENAI_API_KEY": "", "DB_URL": "fake-2", "NO_DESC": "fake-3"},
			wantMissing: []string{"OPENAI_API_KEY"},
		},
		{
			name:           "strict lists undeclared",
			strict:         true,
			vars:           map[string]string{"OPENAI_API_KEY": "fake-1", "DB_URL": "fake-2", "NO_DESC": "fake-3", "ZED": "fake", "EXTRA": "fake"},
			wantUndeclared: []string{"EXTRA", "ZED"},
			wantText: "secrets do not satisfy the manifest:\n" +
				"  undeclared EXTRA\n" +
				"  undeclared ZED",
		},
		{
			name:           "strict with missing and undeclared",
			strict:         true,
			vars:           map[string]string{"DB_URL": "fake-2", "NO_DESC": "fake-3", "EXTRA": "fake"},
			wantMissing:    []string{"OPENAI_API_KEY"},
			wantUndeclared: []string{"EXTRA"},
		},
		{
			name:   "strict, optional declared is not undeclared",
			strict: true,
			vars:   map[string]string{"OPENAI_API_KEY": "fake-1", "DB_URL": "fake-2", "NO_DESC": "fake-3", "SENTRY_DSN": "fake-4"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := secret.Resolver{Manifest: manifest, Strict: tt.strict}
			env, err := r.Resolve(context.Background(), secret.FromMap(tt.vars))
			if tt.wantMissing == nil && tt.wantUndeclared == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.vars, env.Map())
				return
			}
			assert.Nil(t, env)
			var verr *secret.ValidationError
			require.ErrorAs(t, err, &verr)
			assert.Equal(t, tt.wantMissing, verr.Missing)
			assert.Equal(t, tt.wantUndeclared, verr.Undeclared)
			if tt.wantText != "" {
				assert.Equal(t, tt.wantText, err.Error())
			}
			assert.NotContains(t, err.Error(), "fake")
		})
	}
}

func TestFromMapCopiesAtCallTime(t *testing.T) {
	t.Parallel()
	m := map[string]string{"A": "fake-before"}
	src := secret.FromMap(m)
	m["A"] = "fake-after"
	m["B"] = "fake-b"
	got, err := src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "fake-before"}, got)
	got["C"] = "fake-c" // the caller owns what Load returns
	again, err := src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "fake-before"}, again)
	assert.Equal(t, "map", src.Name())
}

// TestFromEnviron reads the real process environment, so it cannot run in
// parallel with tests that set variables.
func TestFromEnviron(t *testing.T) {
	t.Setenv("ENVSEAL_TEST_SET", "fake-set")
	t.Setenv("ENVSEAL_TEST_EMPTY", "")
	ctx := context.Background()

	env, err := secret.Resolve(ctx, secret.FromEnviron("ENVSEAL_TEST_SET", "ENVSEAL_TEST_EMPTY"))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"ENVSEAL_TEST_SET": "fake-set", "ENVSEAL_TEST_EMPTY": ""}, env.Map())
	assert.Equal(t, "environ", env.Origin("ENVSEAL_TEST_SET"))

	env, err = secret.Resolve(ctx, secret.FromEnviron())
	require.NoError(t, err)
	assert.Zero(t, env.Len(), "no keys: nothing is copied from the environment")

	_, err = secret.Resolve(ctx, secret.FromEnviron("ENVSEAL_TEST_SET", "ENVSEAL_TEST_UNSET_1", "ENVSEAL_TEST_UNSET_2"))
	var se *secret.SourceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "environ", se.Source)
	assert.ErrorIs(t, err, secret.ErrNotFound)
	assert.EqualError(t, err, "environ: not found: environment variable not set: ENVSEAL_TEST_UNSET_1, ENVSEAL_TEST_UNSET_2")
}

func TestErrNotFoundMatchesFSErrNotExist(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("bundle x: %w", secret.ErrNotFound)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorIs(t, err, secret.ErrNotFound)
	assert.NotErrorIs(t, fs.ErrNotExist, secret.ErrNotFound)
}

func TestResolveConcurrent(t *testing.T) {
	t.Parallel()
	r := &secret.Resolver{
		Store:    memStore{"b": {"B": "fake-b"}},
		Manifest: &secret.Manifest{Secrets: []secret.Declaration{{Key: "A"}, {Key: "B"}}},
	}
	srcs := []secret.Source{secret.FromMap(map[string]string{"A": "fake-a"}), secret.FromName("b")}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env, err := r.Resolve(context.Background(), srcs...)
			if err == nil && env.Len() != 2 {
				err = fmt.Errorf("got %d keys, want 2", env.Len())
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

func TestValidKey(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"A", "_", "a", "OPENAI_API_KEY", "_9", "k1", strings.Repeat("K", 16384)} {
		assert.True(t, secret.ValidKey(k), "ValidKey(%.20q)", k)
	}
	for _, k := range []string{"", "1A", "A-B", "A.B", "A B", "A=B", "KÉY", "A\x00", strings.Repeat("K", 16385)} {
		assert.False(t, secret.ValidKey(k), "ValidKey(%.20q)", k)
	}
}

func TestSourceErrorSaysEnvsealOnce(t *testing.T) {
	t.Parallel()
	r := secret.Resolver{Store: failStore{}}
	_, err := r.Resolve(context.Background(), secret.FromName("nope"))
	assert.EqualError(t, err, `name:nope: bundle "nope": not found`)
	assert.ErrorIs(t, err, secret.ErrNotFound)
	assert.EqualError(t, &secret.SourceError{Source: "map"}, "map: failed")
}

// failStore fails every Get the way the package's FileStore does.
type failStore struct{}

func (failStore) Get(_ context.Context, name string) (map[string]string, error) {
	return nil, fmt.Errorf("bundle %q: %w", name, secret.ErrNotFound)
}

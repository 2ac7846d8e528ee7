package secret_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/envseal/secret"
)

// The public contract of the design notes, pinned at compile time: a renamed
// or retyped name breaks this file before it breaks a user.
var (
	_ func(map[string]string) secret.Source  = secret.FromMap
	_ func(...string) secret.Source          = secret.FromDotenv
	_ func(string) secret.Source             = secret.FromName
	_ func(string) secret.Source             = secret.FromDir
	_ func(...string) secret.Source          = secret.FromEnviron
	_ func([]byte) (*secret.Manifest, error) = secret.ParseManifest
	_ func(string) (*secret.Manifest, error) = secret.LoadManifest

	_ func(context.Context, ...secret.Source) (*secret.Env, error)                   = secret.Resolve
	_ func(*secret.Resolver, context.Context, ...secret.Source) (*secret.Env, error) = (*secret.Resolver).Resolve

	_ func(*secret.Env, string) (string, bool)   = (*secret.Env).Get
	_ func(*secret.Env) []string                 = (*secret.Env).Keys
	_ func(*secret.Env) map[string]string        = (*secret.Env).Map
	_ func(*secret.Env) []string                 = (*secret.Env).Environ
	_ func(*secret.Env, []string) []string       = (*secret.Env).Overlay
	_ func(*secret.Env, string) string           = (*secret.Env).Origin
	_ fmt.Stringer                               = (*secret.Env)(nil)
	_ fmt.GoStringer                             = (*secret.Env)(nil)
	_ fmt.Formatter                              = (*secret.Env)(nil)
	_ slog.LogValuer                             = (*secret.Env)(nil)
	_ interface{ MarshalJSON() ([]byte, error) } = (*secret.Env)(nil)

	_ error = secret.ErrNotFound
	_ error = &secret.ParseError{Path: "", Line: 0, Err: nil}
	_ error = &secret.ValidationError{Missing: nil, Undeclared: nil}

	_ = secret.Resolver{Store: secret.Store(nil), Manifest: (*secret.Manifest)(nil), Strict: false}
	_ = secret.Manifest{Secrets: []secret.Declaration{{Key: "", Description: "", Optional: false}}}

	_ func() (secret.Key, error)                          = secret.GenerateKey
	_ func(string) (secret.Key, error)                    = secret.ParseKey
	_ func(secret.Key) string                             = secret.Key.Encode
	_ func() (secret.Key, error)                          = secret.LoadKey
	_ func(string, secret.Key) (*secret.FileStore, error) = secret.OpenFileStore
	_ func() (*secret.FileStore, error)                   = secret.DefaultStore
	_ secret.Store                                        = (*secret.FileStore)(nil)

	_ func(*secret.FileStore, context.Context, string) (map[string]string, error)               = (*secret.FileStore).Get
	_ func(*secret.FileStore, context.Context, string, map[string]string) error                 = (*secret.FileStore).Set
	_ func(*secret.FileStore, context.Context, string, func(env map[string]string) error) error = (*secret.FileStore).Update
	_ func(*secret.FileStore, context.Context, string) error                                    = (*secret.FileStore).Delete
	_ func(*secret.FileStore, context.Context) ([]string, error)                                = (*secret.FileStore).List
	_ func(*secret.FileStore, context.Context, secret.Key) error                                = (*secret.FileStore).Rotate
	_ fmt.Stringer                                                                              = secret.Key{}
	_ fmt.GoStringer                                                                            = secret.Key{}
	_ fmt.Formatter                                                                             = secret.Key{}
	_ slog.LogValuer                                                                            = secret.Key{}
)

// TestSourceNames pins each source's provenance label, which users see in
// Origin and in errors.
func TestSourceNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  secret.Source
		want string
	}{
		{secret.FromMap(nil), "map"},
		{secret.FromDotenv(".env"), "dotenv:.env"},
		{secret.FromDotenv("config/app.env"), "dotenv:config/app.env"},
		{secret.FromName("openai"), "name:openai"},
		{secret.FromDir("/run/secrets"), "dir:/run/secrets"},
		{secret.FromEnviron("HOME"), "environ"},
	}
	for _, tt := range tests {
		if got := tt.src.Name(); got != tt.want {
			t.Errorf("Name() = %q, want %q", got, tt.want)
		}
	}
	if !errors.Is(fmt.Errorf("wrapped: %w", secret.ErrNotFound), secret.ErrNotFound) {
		t.Error("ErrNotFound does not survive wrapping")
	}
}

package secret_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// canary is a value no printed form may ever contain. Its fragments are
// checked too, so that a message quoting part of a line is caught.
const canary = "CANARYfakeSECRETvalue0042"

var canaryFragments = []string{canary, "CANARY", "SECRETvalue", "fakeSECRET", "value0042"}

// leakCase drives one error path with the canary somewhere in its input.
type leakCase struct {
	name string
	// run returns the error of the path under test; it must not be nil.
	run func(t *testing.T) error
}

// renderings returns every way a program might print err.
func renderings(err error) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out[verb] = fmt.Sprintf(verb, err)
	}
	out["Error()"] = err.Error()
	var text, jsonLog bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Error("resolve failed", "err", err)
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Error("resolve failed", slog.Any("err", err))
	out["slog text"] = text.String()
	out["slog json"] = jsonLog.String()
	if js, jerr := json.Marshal(err); jerr == nil {
		out["json"] = string(js)
	}
	// Every error in the chain, printed on its own.
	i := 0
	var walk func(error)
	walk = func(e error) {
		for e != nil {
			i++
			out[fmt.Sprintf("chain %d %%+v", i)] = fmt.Sprintf("%+v", e)
			out[fmt.Sprintf("chain %d %%#v", i)] = fmt.Sprintf("%#v", e)
			switch u := e.(type) {
			case interface{ Unwrap() []error }:
				for _, inner := range u.Unwrap() {
					walk(inner)
				}
				return
			case interface{ Unwrap() error }:
				e = u.Unwrap()
			default:
				return
			}
		}
	}
	walk(err)
	return out
}

// assertNoCanary fails if any rendering of err contains the canary.
func assertNoCanary(t *testing.T, err error) {
	t.Helper()
	for how, s := range renderings(err) {
		for _, frag := range canaryFragments {
			if strings.Contains(s, frag) || strings.Contains(s, fmt.Sprintf("%x", frag)) {
				// Do not print s: it holds the canary.
				t.Errorf("%s of the error contains a fragment of the secret value", how)
				break
			}
		}
	}
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

// TestNoValueInErrors drives every error path with the canary in its input
// and checks every printed form of the error.
func TestNoValueInErrors(t *testing.T) {
	t.Parallel()
	var cases []leakCase
	cases = append(cases, coreLeakCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.run(t)
			require.Error(t, err)
			assertNoCanary(t, err)
		})
	}
}

// TestCanaryCheckCatchesLeaks makes sure the check above can fail.
func TestCanaryCheckCatchesLeaks(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		fmt.Errorf("line 3: bad value %q", canary),
		fmt.Errorf("near %q", canary[:10]),
		&secret.ParseError{Path: ".env", Line: 1, Err: fmt.Errorf("bad %s", canary[12:])},
	} {
		leaked := false
		for _, s := range renderings(err) {
			for _, frag := range canaryFragments {
				leaked = leaked || strings.Contains(s, frag)
			}
		}
		assert.True(t, leaked)
	}
}

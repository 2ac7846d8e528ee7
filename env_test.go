package secret_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

func resolveMaps(t *testing.T, ms ...map[string]string) *secret.Env {
	t.Helper()
	srcs := make([]secret.Source, len(ms))
	for i, m := range ms {
		srcs[i] = secret.FromMap(m)
	}
	env, err := secret.Resolve(context.Background(), srcs...)
	require.NoError(t, err)
	return env
}

func TestEnvAccessors(t *testing.T) {
	t.Parallel()
	env := resolveMaps(t, map[string]string{"B": "fake-b", "A": "fake-a", "C": ""})

	v, ok := env.Get("A")
	assert.True(t, ok)
	assert.Equal(t, "fake-a", v)
	v, ok = env.Get("C")
	assert.True(t, ok, "an empty value is set")
	assert.Empty(t, v)
	_, ok = env.Get("MISSING")
	assert.False(t, ok)

	assert.Equal(t, 3, env.Len())
	assert.Equal(t, []string{"A", "B", "C"}, env.Keys())
	assert.Equal(t, []string{"A=fake-a", "B=fake-b", "C="}, env.Environ())
	assert.Equal(t, "map", env.Origin("A"))
	assert.Empty(t, env.Origin("MISSING"))

	// Keys and Map return copies: changing them does not change env.
	keys := env.Keys()
	keys[0] = "Z"
	m := env.Map()
	m["A"] = "fake-changed"
	m["NEW"] = "fake-new"
	assert.Equal(t, []string{"A", "B", "C"}, env.Keys())
	v, _ = env.Get("A")
	assert.Equal(t, "fake-a", v)
	_, ok = env.Get("NEW")
	assert.False(t, ok)
}

func TestZeroEnv(t *testing.T) {
	t.Parallel()
	var env secret.Env
	assert.Zero(t, env.Len())
	assert.Empty(t, env.Keys())
	assert.Equal(t, map[string]string{}, env.Map())
	assert.Empty(t, env.Environ())
	assert.Equal(t, []string{"PATH=/bin"}, env.Overlay([]string{"PATH=/bin"}))
	assert.Equal(t, "Env{}", env.String())
}

func TestEnvOverlay(t *testing.T) {
	t.Parallel()
	env := resolveMaps(t, map[string]string{"TOKEN": "fake-token", "MODE": "fake-mode"})
	tests := []struct {
		name string
		base []string
		want []string
	}{
		{name: "nil base", base: nil, want: []string{"MODE=fake-mode", "TOKEN=fake-token"}},
		{
			name: "secrets replace base entries",
			base: []string{"HOME=/root", "TOKEN=old", "PATH=/bin"},
			want: []string{"HOME=/root", "PATH=/bin", "MODE=fake-mode", "TOKEN=fake-token"},
		},
		{
			name: "every duplicate of a secret key is dropped",
			base: []string{"TOKEN=a", "X=1", "TOKEN=b"},
			want: []string{"X=1", "MODE=fake-mode", "TOKEN=fake-token"},
		},
		{
			name: "duplicate base keys: last wins, first position",
			base: []string{"X=1", "Y=2", "X=3"},
			want: []string{"X=3", "Y=2", "MODE=fake-mode", "TOKEN=fake-token"},
		},
		{
			name: "entry without = kept",
			base: []string{"WEIRD", "Y=2"},
			want: []string{"WEIRD", "Y=2", "MODE=fake-mode", "TOKEN=fake-token"},
		},
		{
			name: "key prefix is not the key",
			base: []string{"TOKENS=keep", "MODE_X=keep"},
			want: []string{"TOKENS=keep", "MODE_X=keep", "MODE=fake-mode", "TOKEN=fake-token"},
		},
		{
			name: "envseal's key variables are not passed on",
			base: []string{"ENVSEAL_KEY=fake-key", "HOME=/root", "ENVSEAL_KEY_FILE=/fake/key", "ENVSEAL_KEY=fake-again", "ENVSEAL_STORE=/fake/store"},
			want: []string{"HOME=/root", "ENVSEAL_STORE=/fake/store", "MODE=fake-mode", "TOKEN=fake-token"},
		},
		{
			name: "names that only look like them are",
			base: []string{"ENVSEAL_KEYS=keep", "envseal_key=keep", "ENVSEAL_KEY_FILE_X=keep"},
			want: []string{"ENVSEAL_KEYS=keep", "envseal_key=keep", "ENVSEAL_KEY_FILE_X=keep", "MODE=fake-mode", "TOKEN=fake-token"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := append([]string(nil), tt.base...)
			assert.Equal(t, tt.want, env.Overlay(base))
			assert.Equal(t, tt.base, base, "base is not modified")
		})
	}
}

// An Env that sets envseal's key variables itself passes them on: they are
// secrets the workload was given, not the key of the process that runs it.
func TestEnvOverlayKeyVarsFromTheEnv(t *testing.T) {
	t.Parallel()
	env := resolveMaps(t, map[string]string{"ENVSEAL_KEY": "fake-workload-key", "ENVSEAL_KEY_FILE": "/fake/workload/key"})
	got := env.Overlay([]string{"ENVSEAL_KEY=fake-parent-key", "ENVSEAL_KEY_FILE=/fake/parent/key", "HOME=/root"})
	assert.Equal(t, []string{"HOME=/root", "ENVSEAL_KEY=fake-workload-key", "ENVSEAL_KEY_FILE=/fake/workload/key"}, got)
}

func TestEnvNeverPrintsValues(t *testing.T) {
	t.Parallel()
	const canary = "fake-canary-0123456789"
	env, err := secret.Resolve(context.Background(),
		secret.FromMap(map[string]string{"API_KEY": "fake-overridden", "MODE": canary}),
		secret.FromMap(map[string]string{"API_KEY": canary}),
	)
	require.NoError(t, err)

	var outputs []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%10.3s"} {
		outputs = append(outputs, fmt.Sprintf(format, env), fmt.Sprintf(format, *env))
	}
	outputs = append(outputs,
		env.String(), env.GoString(), fmt.Sprint(env), fmt.Sprintln(*env),
		fmt.Sprintf("%v", struct{ E *secret.Env }{env}),
		fmt.Sprintf("%+v", struct{ E secret.Env }{*env}),
		fmt.Sprintf("%v", []any{env, *env}),
		fmt.Sprintf("%v", map[string]secret.Env{"e": *env}),
	)
	js, err := json.Marshal(env)
	require.NoError(t, err)
	jsv, err := json.Marshal(struct{ Env secret.Env }{*env})
	require.NoError(t, err)
	outputs = append(outputs, string(js), string(jsv))
	var text, jsonLog bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("resolved", "env", env, "copy", *env)
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("resolved", "env", env, slog.Any("copy", *env))
	outputs = append(outputs, text.String(), jsonLog.String())

	for _, out := range outputs {
		assert.NotContains(t, out, "fake-", "printed form leaks a value")
		assert.NotContains(t, out, "0123456789", "printed form leaks a value")
	}

	assert.Equal(t, "Env{API_KEY (map), MODE (map)}", env.String())
	assert.Equal(t, "secret.Env{API_KEY (map), MODE (map)}", fmt.Sprintf("%#v", env))
	assert.JSONEq(t, `{"API_KEY":{"origin":"map"},"MODE":{"origin":"map"}}`, string(js))
	assert.Contains(t, text.String(), "env.API_KEY.origin=map")
	assert.Contains(t, jsonLog.String(), `"env":{"API_KEY":{"origin":"map"},"MODE":{"origin":"map"}}`)
}

// A nil *Env is empty, like the zero Env: no method panics, and no printed
// form is a panic report.
func TestNilEnv(t *testing.T) {
	t.Parallel()
	var env *secret.Env
	v, ok := env.Get("A")
	assert.False(t, ok)
	assert.Empty(t, v)
	assert.Zero(t, env.Len())
	assert.Empty(t, env.Keys())
	assert.Equal(t, map[string]string{}, env.Map())
	assert.Empty(t, env.Environ())
	assert.Equal(t, []string{"PATH=/bin"}, env.Overlay([]string{"PATH=/bin"}))
	assert.Empty(t, env.Origin("A"))
	assert.Equal(t, "Env{}", env.String())
	assert.Equal(t, "secret.Env{}", env.GoString())
	assert.Equal(t, "<nil>", fmt.Sprint(env))
	js, err := json.Marshal(env)
	require.NoError(t, err)
	assert.Equal(t, "null", string(js))
	var text bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("resolved", "env", env)
	assert.NotContains(t, text.String(), "panic")
}

// fmt cannot call the methods of an unexported field: an Env held in one
// must still not print its values.
func TestEnvInUnexportedFieldNeverPrintsValues(t *testing.T) {
	t.Parallel()
	env := resolveMaps(t, map[string]string{"API_KEY": "fake-canary-in-field"})
	type holder struct {
		name string
		env  secret.Env
		ptr  *secret.Env
	}
	h := holder{name: "h", env: *env, ptr: env}
	var text bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("held", "holder", h)
	for _, out := range []string{fmt.Sprintf("%v", h), fmt.Sprintf("%+v", h), fmt.Sprintf("%#v", h), text.String()} {
		assert.NotContains(t, out, "fake-canary", "printed form leaks a value")
	}
}

// captureT records what a testify assertion would report.
type captureT struct{ msgs []string }

func (c *captureT) Errorf(format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
}

// A failing testify comparison of two Envs prints a diff made by reflection,
// which ignores String and Format: it must find no value to print.
func TestEnvValuesUnreachableByReflection(t *testing.T) {
	t.Parallel()
	a := resolveMaps(t, map[string]string{"TOKEN": "fake-reflect-aaaa"})
	b := resolveMaps(t, map[string]string{"TOKEN": "fake-reflect-bbbb"})
	var c captureT
	assert.Equal(&c, a, b)
	assert.Equal(&c, *a, *b)
	assert.Equal(&c, struct{ env *secret.Env }{a}, struct{ env *secret.Env }{b})
	require.NotEmpty(t, c.msgs, "the comparison must fail")
	for _, m := range c.msgs {
		assert.NotContains(t, m, "fake-reflect", "testify's diff reached a value")
	}
	assert.NotContains(t, fmt.Sprintf("%+v", struct{ env secret.Env }{*a}), "fake-reflect")
}

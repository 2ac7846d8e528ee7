package secret_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// TestRunnerNeverPrintsValues prints a Runner in every way: no secret value,
// argument or base environment entry shows, only the program and the keys.
func TestRunnerNeverPrintsValues(t *testing.T) {
	t.Parallel()
	env := resolveMaps(t, map[string]string{"API_KEY": "fake-canary-value"})
	r := secret.Command(env, "./worker", "--token", "fake-canary-arg")
	r.Environ = []string{"ENVSEAL_KEY=fake-canary-key", "OTHER=fake-canary-base"}

	var outputs []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T %v"} {
		outputs = append(outputs, fmt.Sprintf(format, r), fmt.Sprintf(format, *r))
	}
	outputs = append(outputs,
		fmt.Sprint(r), fmt.Sprintf("%+v", struct{ R *secret.Runner }{r}),
		fmt.Sprintf("%+v", struct{ R secret.Runner }{*r}),
		fmt.Sprintf("%+v", struct{ r *secret.Runner }{r}),
		fmt.Sprintf("%v", []any{r, *r}),
	)
	js, err := json.Marshal(r)
	require.NoError(t, err)
	jsv, err := json.Marshal(struct{ R secret.Runner }{*r})
	require.NoError(t, err)
	outputs = append(outputs, string(js), string(jsv))
	var text, jsonLog bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("running", "runner", r)
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("running", "runner", r)
	outputs = append(outputs, text.String(), jsonLog.String())

	for _, out := range outputs {
		assert.NotContains(t, out, "fake-canary", "printed form leaks a value")
	}
	assert.Equal(t, `Runner{"./worker" Env{API_KEY (map)}}`, r.String())
	assert.Equal(t, `secret.Runner{"./worker" Env{API_KEY (map)}}`, fmt.Sprintf("%#v", r))
	assert.JSONEq(t, `{"command":"./worker","env":{"API_KEY":{"origin":"map"}}}`, string(js))
	assert.Contains(t, text.String(), "runner.command=./worker runner.env.API_KEY.origin=map")
	assert.Equal(t, `Runner{"" Env{}}`, (&secret.Runner{}).String())
}

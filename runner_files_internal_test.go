package secret

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecretFilesErrorsCarryNoValue makes writing a secret file fail and
// checks that the error names the key and the folder, never the value.
func TestSecretFilesErrorsCarryNoValue(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "gone")
	f := &secretFiles{dir: dir}
	env := newEnv(map[string]envVar{"A": {value: "fake-secret-a", origin: "map"}})
	err := f.write(env)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "secret file of key A in "+dir+": "), err.Error())
	assert.NotContains(t, err.Error(), "fake-secret")
	assert.Empty(t, f.written)
}

// TestSecretFilesEnviron checks the child's environment with secret files:
// no variable named like a secret, no store key, and the folder.
func TestSecretFilesEnviron(t *testing.T) {
	t.Parallel()
	f := &secretFiles{dir: "/run/x"}
	env := newEnv(map[string]envVar{"A": {value: "fake-a", origin: "map"}})
	got := f.environ([]string{"A=stale", "B=kept", "ENVSEAL_KEY=k", "ENVSEAL_KEY_FILE=f", SecretsDirVar + "=/elsewhere", "B=last"}, env)
	assert.Equal(t, []string{"B=last", SecretsDirVar + "=/run/x"}, got)
}

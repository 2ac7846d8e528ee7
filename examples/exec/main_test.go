package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExecProgram builds the example and runs it as a user would, with real
// child processes.
func TestExecProgram(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "exec")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	run := func(t *testing.T, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return string(out), exit.ExitCode()
		}
		require.NoError(t, err)
		return string(out), 0
	}

	t.Run("default child sees the secrets", func(t *testing.T) {
		out, code := run(t, "-manifest", "inf.yml", "-dotenv", "app.env")
		assert.Equal(t, 0, code)
		assert.Contains(t, out, "resolved 5 secrets")
		assert.Contains(t, out, "DATABASE_URL     from dotenv:app.env")
		assert.Contains(t, out, "APP_MODE         from map")
		assert.Contains(t, out, "OPENAI_API_KEY   set, 24 bytes")
		assert.Contains(t, out, "SENTRY_DSN       not set")
		assert.NotContains(t, out, "sk-fake", "the program never prints a value")
	})

	t.Run("expanded value reaches the child", func(t *testing.T) {
		out, code := run(t, "-manifest", "inf.yml", "-dotenv", "app.env", "--", "sh", "-c", `printf '%s\n' "$DATABASE_URL"`)
		assert.Equal(t, 0, code)
		assert.Contains(t, out, "postgres://app:pa$Sword-not-real@localhost:5432/app\n")
	})

	t.Run("an optional .env file overrides when it exists", func(t *testing.T) {
		out, code := run(t, "-manifest", "inf.yml", "-dotenv", "app.env", "-local", "nope.env")
		assert.Equal(t, 0, code, out)
		local := filepath.Join(t.TempDir(), "local.env")
		require.NoError(t, os.WriteFile(local, []byte("DB_HOST=fake-dev-host\n"), 0o600))
		out, code = run(t, "-manifest", "inf.yml", "-dotenv", "app.env", "-local", local)
		assert.Equal(t, 0, code, out)
		assert.Contains(t, out, "DB_HOST          from dotenv:"+local)
		require.NoError(t, os.WriteFile(local, []byte("not a line\n"), 0o600))
		out, code = run(t, "-manifest", "inf.yml", "-dotenv", "app.env", "-local", local)
		assert.Equal(t, 1, code)
		assert.Contains(t, out, local+":1:", "a broken optional file is still an error")
	})

	t.Run("secrets as files", func(t *testing.T) {
		out, code := run(t, "-manifest", "inf.yml", "-dotenv", "app.env", "-files")
		assert.Equal(t, 0, code, out)
		assert.Contains(t, out, "child process sees, as files:")
		assert.Contains(t, out, "OPENAI_API_KEY   file, 24 bytes")
		assert.NotContains(t, out, "OPENAI_API_KEY   set")
		out, code = run(t, "-manifest", "inf.yml", "-dotenv", "app.env", "-files", "--", "sh", "-c", `cat "$ENVSEAL_SECRETS_DIR/DB_HOST"; echo; echo "dir=$ENVSEAL_SECRETS_DIR"`)
		assert.Equal(t, 0, code, out)
		assert.Contains(t, out, "localhost\n")
		_, dir, ok := strings.Cut(out, "dir=")
		require.True(t, ok, out)
		assert.NoDirExists(t, strings.TrimSpace(dir), "the folder is removed when the child exits")
	})

	t.Run("exit code passed on", func(t *testing.T) {
		_, code := run(t, "-manifest", "inf.yml", "-dotenv", "app.env", "--", "sh", "-c", "exit 7")
		assert.Equal(t, 7, code)
	})

	t.Run("killed by a signal: 128+N", func(t *testing.T) {
		_, code := run(t, "-manifest", "inf.yml", "-dotenv", "app.env", "--", "sh", "-c", "kill -TERM $$")
		assert.Equal(t, 128+15, code)
	})

	t.Run("not found: 127", func(t *testing.T) {
		out, code := run(t, "-manifest", "inf.yml", "-dotenv", "app.env", "--", "/nonexistent/fake-command")
		assert.Equal(t, 127, code)
		assert.Contains(t, out, "exec: /nonexistent/fake-command: no such file")
	})

	t.Run("the store key is not passed on", func(t *testing.T) {
		cmd := exec.Command(bin, "-manifest", "inf.yml", "-dotenv", "app.env", "--", "sh", "-c", `echo "key=${ENVSEAL_KEY-unset}"`)
		cmd.Env = append(os.Environ(), "ENVSEAL_KEY=fake-not-for-the-child")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err)
		assert.Contains(t, string(out), "key=unset\n")
	})

	t.Run("missing secrets: listed, child not run", func(t *testing.T) {
		dir := t.TempDir()
		empty := filepath.Join(dir, "empty.env")
		require.NoError(t, os.WriteFile(empty, []byte("# nothing here\n"), 0o600))
		marker := filepath.Join(dir, "ran")
		out, code := run(t, "-manifest", "inf.yml", "-dotenv", empty, "--", "touch", marker)
		assert.Equal(t, 1, code)
		assert.Contains(t, out, "missing DATABASE_URL: Postgres connection string for the results table")
		assert.Contains(t, out, "missing OPENAI_API_KEY: OpenAI API key used for completions")
		assert.NotContains(t, out, "SENTRY_DSN")
		assert.NoFileExists(t, marker)
	})

	t.Run("missing manifest", func(t *testing.T) {
		out, code := run(t, "-manifest", "nope.yml")
		assert.Equal(t, 2, code)
		assert.True(t, strings.Contains(out, "nope.yml") && strings.Contains(out, "repository root"), "unhelpful message")
	})
}

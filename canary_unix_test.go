//go:build unix

package secret_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// runnerLeakCases are the Runner's error paths, with the canary in the
// child's secrets.
func runnerLeakCases() []leakCase {
	ctx := context.Background()
	env := func(t *testing.T) *secret.Env { return mustEnv(t, map[string]string{"TOKEN": canary}) }
	return []leakCase{
		{"Runner: command not found", func(t *testing.T) error {
			return secret.Command(env(t), "/nonexistent/fake-command").Run(ctx)
		}},
		{"Runner: command exits 3", func(t *testing.T) error {
			r := &secret.Runner{Args: helper(t, "exit", "3"), Env: env(t)}
			return r.Run(ctx)
		}},
		{"Runner: command killed", func(t *testing.T) error {
			r := &secret.Runner{Args: helper(t, "kill-self", "TERM"), Env: env(t), Redact: true}
			return r.Run(ctx)
		}},
		{"Runner: Restart before Start", func(t *testing.T) error {
			return secret.Command(env(t), "true").Restart(env(t))
		}},
		{"Runner: Start twice", func(t *testing.T) error {
			r := &secret.Runner{Args: helper(t, "exit", "0"), Env: env(t)}
			require.NoError(t, r.Start(ctx))
			err := r.Start(ctx)
			require.NoError(t, r.Wait())
			return err
		}},
		{"Runner: no command", func(t *testing.T) error {
			return (&secret.Runner{Env: env(t)}).Run(ctx)
		}},
	}
}

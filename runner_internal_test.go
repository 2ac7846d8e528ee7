//go:build unix

package secret

import (
	"context"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunnerDefaults checks what the zero values of Grace, StopSignal and
// Forward stand for, as the Runner's doc says.
func TestRunnerDefaults(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	require.NoError(t, err)
	tests := []struct {
		name    string
		forward []os.Signal
		want    []os.Signal
	}{
		{"nil Forward", nil, []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
			syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}},
		{"empty Forward", []os.Signal{}, []os.Signal{}},
		{"chosen", []os.Signal{syscall.SIGHUP}, []os.Signal{syscall.SIGHUP}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &Runner{Args: []string{exe, runnerHelperArg, "exit", "0"}, Forward: tt.forward}
			require.NoError(t, r.Run(context.Background()))
			assert.Equal(t, DefaultGrace, r.run.grace)
			assert.Equal(t, 10e9, float64(DefaultGrace), "docker stop's 10 s")
			assert.Equal(t, syscall.SIGTERM, r.run.stop)
			assert.Equal(t, tt.want, r.run.forward)
		})
	}
}

package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestExportOnTerminal runs the envseal binary with a real terminal as its
// standard output: export refuses to write values there, unless --reveal is
// given.
func TestExportOnTerminal(t *testing.T) {
	t.Parallel()
	const value = "fake-real-terminal-value"
	s := newSandbox(t)
	s.okBinary("", "secrets", "set", "app", "A="+value)

	cmd, sc := s.startOnTTY("secrets", "export", "app")
	out := sc.rest()
	assert.Equal(t, exitFailure, exitCodeOf(t, cmd))
	assert.Contains(t, out, "standard output is a terminal: not writing the values of app to it")
	assert.NotContains(t, out, value)

	cmd, sc = s.startOnTTY("secrets", "export", "app", "--reveal")
	out = sc.rest()
	assert.Equal(t, 0, exitCodeOf(t, cmd))
	assert.Contains(t, strings.ReplaceAll(out, "\r\n", "\n"), "A="+value+"\n")
}

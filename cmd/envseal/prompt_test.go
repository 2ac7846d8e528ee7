package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadTypedLine feeds readTypedLine the bytes a terminal in raw mode
// sends for what a user types.
func TestReadTypedLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		typed string
		want  string
		code  int // the exit code of an interrupted prompt; 0 when not
	}{
		{"Enter is CR", "fake-value\rmore", "fake-value", 0},
		{"LF ends too", "fake-value\nmore", "fake-value", 0},
		{"end of input", "fake-value", "fake-value", 0},
		{"Backspace", "fake-valuX\x08e\r", "fake-value", 0},
		{"Delete erases a whole rune", "fake-ключ\x7f\x7fч\r", "fake-клч", 0},
		{"Backspace on nothing", "\x7f\x7ffake\r", "fake", 0},
		{"Ctrl-U erases the line", "wrong\x15fake-right\r", "fake-right", 0},
		{"Ctrl-D on an empty line", "\x04fake-after", "", 0},
		{"Ctrl-D within a line is ignored", "fake\x04-value\r", "fake-value", 0},
		{"spaces and tabs are kept", " fake\tvalue \r", " fake\tvalue ", 0},
		{"Ctrl-C", "fake-half\x03", "", 130},
		{"Ctrl-\\", "fake-half\x1c", "", 131},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := readTypedLine(strings.NewReader(tt.typed))
			if tt.code == 0 {
				require.NoError(t, got.err)
				assert.True(t, got.line == tt.want, "the line read is not the one typed")
				return
			}
			var ec *exitCode
			require.True(t, errors.As(got.err, &ec), "interrupted: %v", got.err)
			assert.Equal(t, tt.code, ec.code)
			assert.Equal(t, "interrupted: nothing was set", ec.msg)
			assert.Empty(t, got.line)
		})
	}
}

func TestReadTypedLineTooLong(t *testing.T) {
	t.Parallel()
	got := readTypedLine(bytes.NewReader(bytes.Repeat([]byte("x"), maxValueFile+1)))
	require.EqualError(t, got.err, "more than 1048576 bytes")
	assert.Empty(t, got.line)
}

package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/envseal/secret/internal/safetext"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailure  = 1  // the command failed, or validation failed
	exitUsage    = 2  // the command line is wrong
	exitInternal = 70 // a bug (EX_SOFTWARE)
)

// usageError is a command line that cannot be run. It prints as one line
// with a pointer to the command's help, and exits 2.
type usageError struct {
	cmd string // the command path, as "envseal secrets set"
	err error
}

func (e *usageError) Error() string {
	return fmt.Sprintf("%s: %v (see '%s --help')", e.cmd, e.err, e.cmd)
}

func (e *usageError) Unwrap() error { return e.err }

// usagef is a usageError of the command cmdPath.
func usagef(cmdPath, format string, args ...any) error {
	return &usageError{cmd: cmdPath, err: fmt.Errorf(format, args...)}
}

// exitCode ends envseal with a code and, if msg is not empty, a message: a
// child's exit status, or a failure already explained.
type exitCode struct {
	code int
	msg  string
}

func (e *exitCode) Error() string { return e.msg }

// report prints err, if any, and returns the exit code for it. This is where
// envseal says "envseal: ", once: the library's errors never do. Control
// characters in the message (from a manifest, a path, a name) are printed
// escaped, so that no error can send the terminal an escape sequence.
func report(stderr io.Writer, err error) int {
	return reportTo(escaping{stderr}, err)
}

// escaping is a writer that escapes the control characters of what is
// written to it, newlines and tabs apart (see safetext.EscapeLines).
type escaping struct{ w io.Writer }

func (e escaping) Write(p []byte) (int, error) {
	if _, err := io.WriteString(e.w, safetext.EscapeLines(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func reportTo(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ec *exitCode
	if errors.As(err, &ec) {
		if ec.msg != "" {
			fmt.Fprintln(stderr, "envseal: "+ec.msg)
		}
		return ec.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, ue.Error())
		return exitUsage
	}
	fmt.Fprintln(stderr, "envseal: "+err.Error())
	return exitFailure
}

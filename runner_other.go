//go:build !unix

package secret

import (
	"os"
	"syscall"
)

// forwardedSignals returns the signals a Runner passes on by default: none,
// where a process cannot send another one a signal other than os.Kill.
func forwardedSignals() []os.Signal { return nil }

// stopSignal returns the signal a Runner stops a child with by default:
// os.Kill, the only one os.Process.Signal sends here.
func stopSignal() os.Signal { return os.Kill }

// terminal is the controlling terminal; there is none to consult here.
type terminal struct{}

func openTerminal() *terminal { return nil }

func (*terminal) close() {}

// delivered reports whether the terminal delivered sig to the child itself:
// never, here.
func (*terminal) delivered(os.Signal, int) bool { return false }

// sysProcAttr returns the child's process attributes: the defaults.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// exitStatus returns the exit code a shell reports for ps: its exit status.
// No signal ends a process here.
func exitStatus(ps *os.ProcessState) (int, os.Signal) { return ps.ExitCode(), nil }

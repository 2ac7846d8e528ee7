//go:build unix

package secret

import (
	"os"
	"syscall"
)

// forwardedSignals returns the signals a Runner passes on by default.
func forwardedSignals() []os.Signal {
	return []os.Signal{
		syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH,
	}
}

// stopSignal returns the signal a Runner stops a child with by default.
func stopSignal() os.Signal { return syscall.SIGTERM }

// fromKeyboard reports whether a terminal sends sig to its foreground process
// group itself: Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT) and a resize (SIGWINCH).
func fromKeyboard(sig os.Signal) bool {
	return sig == syscall.SIGINT || sig == syscall.SIGQUIT || sig == syscall.SIGWINCH
}

// exitStatus returns the exit code a shell reports for ps, and the signal
// that ended the process, if one did.
func exitStatus(ps *os.ProcessState) (int, os.Signal) {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), ws.Signal()
	}
	return ps.ExitCode(), nil
}

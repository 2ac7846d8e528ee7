//go:build unix

package main

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardedSignals are the signals that run passes on to its child.
func forwardedSignals() []os.Signal {
	return []os.Signal{
		unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT,
		unix.SIGUSR1, unix.SIGUSR2, unix.SIGWINCH,
	}
}

// openControllingTerminal opens envseal's controlling terminal, or returns
// nil when it has none.
func openControllingTerminal() *os.File {
	f, err := os.Open("/dev/tty")
	if err != nil {
		return nil
	}
	return f
}

// terminalDelivered reports whether the terminal tty has itself delivered
// sig to the process pid: sig is one that a terminal sends its foreground
// process group (Ctrl-C, Ctrl-\, a resize), and pid is in that group.
func terminalDelivered(tty *os.File, sig os.Signal, pid int) bool {
	if tty == nil || (sig != unix.SIGINT && sig != unix.SIGQUIT && sig != unix.SIGWINCH) {
		return false
	}
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	if err != nil {
		return false
	}
	pg, err := unix.Getpgid(pid)
	return err == nil && pg == fg
}

// killedBy returns the number of the signal that ended the process, if one
// did.
func killedBy(state *os.ProcessState) (int, bool) {
	ws, ok := state.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0, false
	}
	return int(ws.Signal()), true
}

// promptSignals are the signals that end a hidden prompt, after it restored
// the terminal.
func promptSignals() []os.Signal {
	return []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT}
}

// signalNumber is sig's number, for the exit code 128+N.
func signalNumber(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return int(s)
	}
	return 1
}

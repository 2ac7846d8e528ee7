//go:build unix

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

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

// parseSignal returns the signal named s: HUP, SIGHUP, hup or its number.
func parseSignal(s string) (os.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || unix.SignalName(syscall.Signal(n)) == "" {
			return nil, fmt.Errorf("no signal number %d here", n)
		}
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	sig := unix.SignalNum(name)
	if sig == 0 {
		return nil, fmt.Errorf("unknown signal %q: want a name as HUP, TERM, USR1, or a number", s)
	}
	return sig, nil
}

// signalName is sig's name for messages, as SIGHUP; SIGTERM when nil, the
// runner's default.
func signalName(sig os.Signal) string {
	if sig == nil {
		return "SIGTERM"
	}
	if s, ok := sig.(syscall.Signal); ok {
		if name := unix.SignalName(s); name != "" {
			return name
		}
	}
	return sig.String()
}

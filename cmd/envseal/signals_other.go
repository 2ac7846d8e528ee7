//go:build !unix

package main

import (
	"fmt"
	"os"
	"strings"
)

// promptSignals are the signals that end a hidden prompt, after it restored
// the terminal.
func promptSignals() []os.Signal { return []os.Signal{os.Interrupt} }

// signalNumber is sig's number as Unix counts, for the exit code 128+N: the
// only signal caught here is os.Interrupt, SIGINT.
func signalNumber(os.Signal) int { return 2 }

// parseSignal accepts only TERM, the default, which stops COMMAND as this
// system can: other signals cannot be sent to a process here.
func parseSignal(s string) (os.Signal, error) {
	switch strings.ToUpper(strings.TrimPrefix(strings.ToUpper(s), "SIG")) {
	case "TERM", "15":
		return nil, nil
	}
	return nil, fmt.Errorf("signal %q cannot be sent to a process on this system: only TERM (which stops it) is supported", s)
}

// signalName is sig's name for messages: the only one parseSignal gives is
// nil, the runner's default, which stops COMMAND.
func signalName(sig os.Signal) string {
	if sig == nil {
		return "a stop request"
	}
	return sig.String()
}

//go:build !unix

package main

import "os"

// promptSignals are the signals that end a hidden prompt, after it restored
// the terminal.
func promptSignals() []os.Signal { return []os.Signal{os.Interrupt} }

// signalNumber is sig's number as Unix counts, for the exit code 128+N: the
// only signal caught here is os.Interrupt, SIGINT.
func signalNumber(os.Signal) int { return 2 }

//go:build !unix

package main

import "os"

// forwardedSignals are the signals that run catches while its child runs.
// Windows sends Ctrl-C to every process of the console, the child included:
// envseal catches it only to stay and report the child's exit code.
func forwardedSignals() []os.Signal { return []os.Signal{os.Interrupt} }

// openControllingTerminal returns nil: there are no process groups to ask
// about here.
func openControllingTerminal() *os.File { return nil }

// terminalDelivered reports true: the console has delivered every signal
// that envseal catches to the child already.
func terminalDelivered(*os.File, os.Signal, int) bool { return true }

// killedBy reports false: a process here ends with an exit code, not by a
// signal.
func killedBy(*os.ProcessState) (int, bool) { return 0, false }

// promptSignals are the signals that end a hidden prompt, after it restored
// the terminal.
func promptSignals() []os.Signal { return []os.Signal{os.Interrupt} }

// signalNumber is sig's number as Unix counts, for the exit code 128+N: the
// only signal caught here is os.Interrupt, SIGINT.
func signalNumber(os.Signal) int { return 2 }

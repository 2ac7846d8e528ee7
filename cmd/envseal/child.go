package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
)

// runChild starts cmd, forwards signals to it until it ends, and returns the
// exit code for envseal: the child's, or 128+N when signal N killed it.
//
// A child started from a terminal shares envseal's process group, the
// terminal's foreground group, so the terminal delivers Ctrl-C, Ctrl-\ and
// resizes to it directly. Forwarding those too would deliver them twice,
// and many programs take a second Ctrl-C as "quit now". So a terminal
// signal is forwarded only when the child is not in the foreground process
// group of envseal's controlling terminal (no terminal, run in the
// background, or a child that moved to a group of its own); every other
// signal is always forwarded. This is what bash does for its jobs, and what
// uv and others settled on; see the help of run.
func runChild(cmd *exec.Cmd) (int, error) {
	sigs := make(chan os.Signal, 16)
	// Notify before Start so that no signal kills envseal and leaves the child.
	signal.Notify(sigs, forwardedSignals()...)
	defer signal.Stop(sigs)

	if err := cmd.Start(); err != nil {
		return startFailureCode(err), startError(err)
	}
	tty := openControllingTerminal()
	if tty != nil {
		defer tty.Close()
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				if terminalDelivered(tty, sig, cmd.Process.Pid) {
					continue
				}
				_ = cmd.Process.Signal(sig) // it may have exited: nothing to do
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	return childExitCode(cmd.ProcessState, err)
}

// childExitCode is envseal's exit code for a child that ended in state, Wait
// having returned err.
func childExitCode(state *os.ProcessState, err error) (int, error) {
	if state == nil {
		return exitFailure, err
	}
	if sig, ok := killedBy(state); ok {
		return 128 + sig, nil
	}
	var ee *exec.ExitError
	if err == nil || errors.As(err, &ee) {
		return state.ExitCode(), nil
	}
	// The child ran, but copying its output failed.
	return state.ExitCode(), err
}

// startFailureCode is the shell's code for a command that could not start: 127
// not found, 126 found but not runnable.
func startFailureCode(err error) int {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return 127
	}
	return 126
}

// startError says why a command could not start, without the "exec:" and
// "fork/exec PATH:" layers of os/exec, whose path envseal names already.
func startError(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		if errors.Is(ee.Err, exec.ErrNotFound) {
			return errors.New("command not found in $PATH")
		}
		return ee.Err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return errors.New("no such file, or its #! interpreter does not exist")
		}
		return pe.Err
	}
	return err
}

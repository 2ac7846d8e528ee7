//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package secret

import (
	"os"
	"syscall"
	"unsafe"
)

// terminal is this process's controlling terminal, open to ask it for its
// foreground process group.
type terminal struct{ f *os.File }

// openTerminal opens the controlling terminal, or returns nil when there is
// none.
func openTerminal() *terminal {
	f, err := os.Open("/dev/tty")
	if err != nil {
		return nil
	}
	return &terminal{f: f}
}

func (t *terminal) close() {
	if t != nil {
		t.f.Close()
	}
}

// delivered reports whether the terminal has already delivered sig to the
// child pid itself, so that passing it on would deliver it twice: sig is one
// the terminal sends to its foreground process group (Ctrl-C, Ctrl-\, a
// resize), and that group is both the child's and this process's. When this
// process is not in it, the terminal did not send sig here: another process
// did, and the child has not received it.
func (t *terminal) delivered(sig os.Signal, pid int) bool {
	if t == nil || !fromKeyboard(sig) {
		return false
	}
	var fg int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, t.f.Fd(), uintptr(syscall.TIOCGPGRP), uintptr(unsafe.Pointer(&fg)))
	if errno != 0 {
		return false
	}
	pg, err := syscall.Getpgid(pid)
	return err == nil && pg == int(fg) && syscall.Getpgrp() == int(fg)
}

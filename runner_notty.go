//go:build unix && !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package secret

import "os"

// terminal is the controlling terminal. Here (Solaris, illumos, AIX) the
// syscall package cannot ask it for its foreground process group, so every
// signal is passed on, and Ctrl-C reaches the child twice.
type terminal struct{}

func openTerminal() *terminal { return nil }

func (*terminal) close() {}

// delivered reports whether the terminal delivered sig to the child itself:
// unknown here, so false.
func (*terminal) delivered(os.Signal, int) bool { return false }

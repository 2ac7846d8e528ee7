//go:build unix

package main

import (
	"os"
	"syscall"
	"unsafe"
)

// tcgetpgrp returns the foreground process group of the terminal f.
func tcgetpgrp(f *os.File) (int, error) {
	var pgrp int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(syscall.TIOCGPGRP), uintptr(unsafe.Pointer(&pgrp)))
	if errno != 0 {
		return 0, errno
	}
	return int(pgrp), nil
}

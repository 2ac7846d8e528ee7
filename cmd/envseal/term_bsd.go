//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package main

import "syscall"

// The ioctls that read and set a terminal's attributes.
const (
	ioctlGetTermios = syscall.TIOCGETA
	ioctlSetTermios = syscall.TIOCSETA
)

package main

import "syscall"

// The ioctls that read and set a terminal's attributes.
const (
	ioctlGetTermios = syscall.TCGETS
	ioctlSetTermios = syscall.TCSETS
)

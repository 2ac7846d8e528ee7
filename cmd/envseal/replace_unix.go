//go:build unix

package main

import "syscall"

// replaceProcess returns syscall.Exec, which replaces this process.
func replaceProcess() func(path string, argv, env []string) error { return syscall.Exec }

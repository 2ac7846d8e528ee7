//go:build !unix

package main

// replaceProcess returns nil: a process cannot be replaced here, so run
// starts COMMAND as a child and waits for it.
func replaceProcess() func(path string, argv, env []string) error { return nil }

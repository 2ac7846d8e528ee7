//go:build unix && !linux && !freebsd

package secret

import "syscall"

// sysProcAttr returns the child's process attributes: the defaults. There is
// no parent-death signal here; see Runner's doc.
func sysProcAttr() *syscall.SysProcAttr { return nil }

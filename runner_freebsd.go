package secret

import "syscall"

// sysProcAttr returns the child's process attributes: a parent-death signal
// of SIGKILL, so that the child, which holds the secrets, does not outlive
// this process, even when this one is killed with SIGKILL.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

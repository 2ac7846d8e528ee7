//go:build unix && !linux

package etcdtest

import "syscall"

// sysProcAttr puts a member in its own process group. Only Linux can kill
// it with the test process (Pdeathsig); elsewhere a test process killed
// with SIGKILL leaves its members running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

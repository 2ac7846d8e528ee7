package etcdtest

import "syscall"

// sysProcAttr makes a member die with the test process, even one killed
// with SIGKILL, so that no etcd outlives a test run.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

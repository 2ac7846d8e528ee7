//go:build !linux

package secret

import (
	"os"
	"syscall"
)

// The terminal's job control hooks: only Linux hands the terminal to a
// child (see runner_linux.go); here they do nothing.

func (*terminal) prepare(attr *syscall.SysProcAttr) *syscall.SysProcAttr { return attr }
func (*terminal) started(int)                                            {}
func (*terminal) failed()                                                {}
func (*terminal) exited()                                                {}
func (*terminal) events() <-chan os.Signal                               { return nil }
func (*terminal) handle(os.Signal)                                       {}

//go:build unix

package secret

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkPrivateFolder checks that the folder dir, whose Lstat is fi, belongs
// to this user and that group and others cannot use it.
func checkPrivateFolder(dir string, fi fs.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("secret files folder %s belongs to another user (uid %d)", dir, st.Uid)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("secret files folder %s is accessible by group or others (mode %04o); refusing to use it: run `chmod 700 %s`", dir, perm, dir)
	}
	return nil
}

// processAlive reports whether process pid exists. One this user may not
// signal exists too.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || !errors.Is(err, syscall.ESRCH)
}

package secret

import (
	"os"
	"path/filepath"
	"syscall"
)

// Magic numbers of statfs(2) for file systems in memory.
const (
	tmpfsMagic = 0x01021994
	ramfsMagic = 0x858458f6
)

// filesParent returns where a Runner makes the folder of its secret files
// when it is not given one: a file system in memory, so that the values
// never reach a disk. That is $XDG_RUNTIME_DIR (/run/user/UID), when it is
// set, is this user's alone and is in memory; else /dev/shm when it is in
// memory; else the temporary folder (os.TempDir).
func filesParent() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(dir) && inMemory(dir) {
		if fi, err := os.Lstat(dir); err == nil && fi.IsDir() && checkPrivateFolder(dir, fi) == nil {
			return dir
		}
	}
	if inMemory("/dev/shm") {
		return "/dev/shm"
	}
	return os.TempDir()
}

// inMemory reports whether dir is on tmpfs or ramfs.
func inMemory(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	return uint32(st.Type) == tmpfsMagic || uint32(st.Type) == ramfsMagic
}

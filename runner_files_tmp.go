//go:build !linux

package secret

import "os"

// filesParent returns where a Runner makes the folder of its secret files
// when it is not given one: the temporary folder (os.TempDir). Only Linux
// has a file system in memory at a known place (/dev/shm).
func filesParent() string { return os.TempDir() }

//go:build !unix

package secret

import (
	"io/fs"
	"os"
)

// checkPrivateFolder accepts any folder: without Unix permissions, the
// folder is protected by the access list it inherits from its parent.
func checkPrivateFolder(string, fs.FileInfo) error { return nil }

// processAlive reports whether process pid exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

//go:build unix

package secret

import "syscall"

// oNonblock is O_NONBLOCK, for opening files that must be regular (key files,
// bundles, the lock file) without blocking if one turns out to be a FIFO.
// Some non-Unix ports have no O_NONBLOCK; see nonblock_other.go.
const oNonblock = syscall.O_NONBLOCK

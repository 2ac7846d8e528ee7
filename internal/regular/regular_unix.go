//go:build unix

package regular

import "syscall"

// ONonblock is O_NONBLOCK: opening a FIFO for reading would otherwise wait
// for a writer. It changes nothing for a regular file.
const ONonblock = syscall.O_NONBLOCK

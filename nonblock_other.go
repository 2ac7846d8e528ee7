//go:build !unix

package secret

// oNonblock is 0 where there is no O_NONBLOCK to pass, or no FIFO to fear.
const oNonblock = 0

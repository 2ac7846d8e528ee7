//go:build !unix

package regular

// ONonblock is 0 where there is no O_NONBLOCK to pass, or no FIFO to fear.
const ONonblock = 0

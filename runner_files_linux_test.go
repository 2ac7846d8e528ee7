package secret_test

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const tmpfsMagic = 0x01021994

// assertInMemory checks that dir is on tmpfs, where a Runner puts its
// secret files on Linux, when this machine has a tmpfs at /dev/shm.
func assertInMemory(t *testing.T, dir string) {
	t.Helper()
	var shm syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &shm); err != nil || uint32(shm.Type) != tmpfsMagic {
		t.Log("no tmpfs at /dev/shm: the secret files went to the temporary folder")
		return
	}
	var st syscall.Statfs_t
	require.NoError(t, syscall.Statfs(dir, &st))
	assert.Equal(t, uint32(tmpfsMagic), uint32(st.Type), "%s is on tmpfs", dir)
}

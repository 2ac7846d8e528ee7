//go:build !unix

package secret

import (
	"context"
	"errors"
	"os"
	"runtime"
)

// lock is not built on this platform: FileStore writers need flock(2).
func lock(context.Context, *os.Root) (func(), error) {
	return nil, errors.New("envseal: writing to a FileStore is not supported on " + runtime.GOOS)
}

//go:build !unix

package lockfile

import (
	"context"
	"os"
)

// supported reports whether Lock works here.
const supported = false

const oNonblock = 0

func wait(context.Context, *os.File) error { return ErrUnsupported }

func release(*os.File) {}

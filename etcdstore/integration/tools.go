//go:build tools

// The cluster tests build and run these programs against a cluster: the
// envseal command and the fleet example. This file records them as
// dependencies of the module, so that go build finds them with or without
// the repository's go.work.
package integration

import (
	_ "github.com/envseal/secret/cmd/envseal"
	_ "github.com/envseal/secret/examples/fleet"
)

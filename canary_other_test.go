//go:build !unix

package secret_test

// runnerLeakCases are the Runner's error paths; the Runner's tests run on
// Unix only.
func runnerLeakCases() []leakCase { return nil }

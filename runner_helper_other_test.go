//go:build !unix

package secret

// runnerHelperMain runs no helper: the Runner tests that need one run on
// Unix only.
func runnerHelperMain([]string) (int, bool) { return 0, false }

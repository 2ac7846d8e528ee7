package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"golang.org/x/term"

	"github.com/envseal/secret"
)

// environment is what one invocation of envseal reads from outside its
// command line and standard streams. main uses the process's own; tests
// build theirs, so that they run in parallel without os.Setenv.
type environment struct {
	// getenv looks up ENVSEAL_STORE, ENVSEAL_KEY_FILE and ENVSEAL_KEY.
	getenv func(string) string
	// environ is the environment that run starts COMMAND with, less the
	// key variables, and where --pass finds its variables.
	environ []string
	// configDir is the user config dir, as os.UserConfigDir.
	configDir func() (string, error)
	// findKey finds the store key and says where, as secret.FindKey: from
	// the same variables and config dir.
	findKey func() (secret.Key, string, error)
	// isTerminal reports whether w, a standard stream, is a terminal.
	isTerminal func(w io.Writer) bool
	// dir is the current folder, where init writes envseal.yml and run and
	// check read it: "" is the process's own.
	dir string
	// replace, when not nil, replaces this process with the program at
	// path, as execve(2) does: run uses it when envseal has nothing left
	// to do once COMMAND starts. Only the real process has one (not
	// Windows, and not the tests that run the CLI in-process).
	replace func(path string, argv, env []string) error
}

// processEnvironment is the environment of this process.
func processEnvironment() *environment {
	return &environment{
		getenv:     os.Getenv,
		environ:    os.Environ(),
		configDir:  os.UserConfigDir,
		findKey:    secret.FindKey,
		isTerminal: isTerminalFile,
		replace:    replaceProcess(),
	}
}

// isTerminalFile reports whether w is a file that is a terminal.
func isTerminalFile(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// lookup returns the variable k of the environment (environ), and whether
// it is set. Of several entries for k, the first counts, as for os.Getenv;
// on Windows, names are compared without regard to case, as there.
func (e *environment) lookup(k string) (string, bool) {
	for _, kv := range e.environ {
		if name, v, ok := strings.Cut(kv, "="); ok && (name == k || runtime.GOOS == "windows" && strings.EqualFold(name, k)) {
			return v, true
		}
	}
	return "", false
}

// The variables that name the store, its environment and its key.
const (
	envStore       = "ENVSEAL_STORE"
	envEnvironment = "ENVSEAL_ENVIRONMENT"
	envKey         = "ENVSEAL_KEY"
	envKeyFile     = "ENVSEAL_KEY_FILE"
	envHistory     = "ENVSEAL_HISTORY"
)

// defaultStoreDir is the folder that secret.DefaultStore opens: ENVSEAL_STORE
// if set in e, else the library's default (envseal/store in the user config
// dir). In-process tests set ENVSEAL_STORE or --store; the user config dir
// is tested on the binary, with its own HOME.
func (e *environment) defaultStoreDir() (string, error) {
	if d := e.getenv(envStore); d != "" {
		return d, nil
	}
	if _, err := e.configDir(); err != nil {
		return "", fmt.Errorf("no store folder: %s is not set and the user config dir is unknown (%v); set %s or use --store", envStore, err, envStore)
	}
	return secret.DefaultStoreDir()
}

// defaultKeyFile is the file that secret.LoadKey reads when ENVSEAL_KEY is
// empty: ENVSEAL_KEY_FILE if set in e, else the library's default
// (envseal/key in the user config dir), where key generate writes.
func (e *environment) defaultKeyFile() (string, error) {
	if p := e.getenv(envKeyFile); p != "" {
		return p, nil
	}
	if _, err := e.configDir(); err != nil {
		return "", fmt.Errorf("no key file: %s is not set and the user config dir is unknown (%v); set %s or use --out", envKeyFile, err, envKeyFile)
	}
	return secret.DefaultKeyFile()
}

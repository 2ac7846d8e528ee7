package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/envseal/secret"
	"golang.org/x/term"
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
	// loadKey finds the store key, as secret.LoadKey: from the same
	// variables and config dir.
	loadKey func() (secret.Key, error)
	// isTerminal reports whether w, a standard stream, is a terminal.
	isTerminal func(w io.Writer) bool
}

// processEnvironment is the environment of this process.
func processEnvironment() *environment {
	return &environment{
		getenv:     os.Getenv,
		environ:    os.Environ(),
		configDir:  os.UserConfigDir,
		loadKey:    secret.LoadKey,
		isTerminal: isTerminalFile,
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

// The variables that name the store and its key.
const (
	envStore   = "ENVSEAL_STORE"
	envKey     = "ENVSEAL_KEY"
	envKeyFile = "ENVSEAL_KEY_FILE"
)

// defaultStoreDir is the folder that secret.DefaultStore opens: ENVSEAL_STORE
// if set, else envseal/store in the user config dir.
//
// TODO(layout): below the ENVSEAL_STORE lookup in e, use
// secret.DefaultStoreDir() instead of e.configDir. It reads the process's
// environment; that is safe because no in-process test reaches this point
// (the sandbox's configDir fails the test that does: the config dir is
// tested on the binary, with its own HOME).
func (e *environment) defaultStoreDir() (string, error) {
	if d := e.getenv(envStore); d != "" {
		return d, nil
	}
	dir, err := e.configDir()
	if err != nil {
		return "", fmt.Errorf("no store folder: %s is not set and the user config dir is unknown (%v); set %s or use --store", envStore, err, envStore)
	}
	return filepath.Join(dir, "envseal", "store"), nil
}

// defaultKeyFile is the file that secret.LoadKey reads when ENVSEAL_KEY is
// empty: ENVSEAL_KEY_FILE if set, else envseal/key in the user config dir.
//
// TODO(layout): below the ENVSEAL_KEY_FILE lookup in e, use
// secret.DefaultKeyFile() instead of e.configDir. It reads the process's
// environment, and key generate writes where it points; that is safe
// because no in-process test reaches this point (see defaultStoreDir).
func (e *environment) defaultKeyFile() (string, error) {
	if p := e.getenv(envKeyFile); p != "" {
		return p, nil
	}
	dir, err := e.configDir()
	if err != nil {
		return "", fmt.Errorf("no key file: %s is not set and the user config dir is unknown (%v); set %s or use --out", envKeyFile, err, envKeyFile)
	}
	return filepath.Join(dir, "envseal", "key"), nil
}

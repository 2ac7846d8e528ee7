package main

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"
	"strings"

	"github.com/envseal/secret"
	"github.com/spf13/cobra"
)

// version is set at link time with -ldflags "-X main.version=v1.2.3"; when
// empty, the module version from the build info is used.
var version = ""

// app holds what the commands of one invocation share.
type app struct {
	storeDir string // --store
	started  bool   // the command line parsed and a command began to run
}

func newRootCmd() (*cobra.Command, *app) {
	a := &app{}
	root := &cobra.Command{
		Use:   "envseal",
		Short: "Keep secrets in an encrypted store and run workloads with them",
		Long: `envseal keeps named bundles of secrets in an encrypted local store and runs
a workload with secrets resolved from bundles, .env files, secret folders and
flags, validated against an inf.yml manifest.

The store key comes from ENVSEAL_KEY, else the file named by ENVSEAL_KEY_FILE,
else the default key file written by 'envseal key generate'. The store is the
folder given by --store, else ENVSEAL_STORE, else the default one.`,
		Version:           buildVersion(),
		SilenceErrors:     true,
		SilenceUsage:      true,
		Args:              noArgs,
		RunE:              helpOrUnknown,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
		PersistentPreRunE: func(*cobra.Command, []string) error {
			a.started = true
			return nil
		},
	}
	root.SetVersionTemplate("envseal {{.Version}}\n")
	root.PersistentFlags().StringVar(&a.storeDir, "store", "", "the store `DIR` (default $ENVSEAL_STORE, else the user config dir)")
	root.AddCommand(newKeyCmd(a), newSecretsCmd(a), newRunCmd(a), newCheckCmd(a))
	return root, a
}

// noArgs rejects arguments of a command that only groups others.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unknown command %q", args[0])
	}
	return nil
}

// argsBetween accepts min to max arguments (max < 0: no limit); otherwise the
// usage error says what is wanted.
func argsBetween(min, max int, want string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < min:
			return fmt.Errorf("missing %s", want)
		case max >= 0 && len(args) > max:
			return fmt.Errorf("too many arguments: want %s", want)
		}
		return nil
	}
}

// helpOrUnknown is the action of a group command: it prints its help.
func helpOrUnknown(cmd *cobra.Command, args []string) error {
	return cmd.Help()
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// asUsage makes an error that stopped the command line before any command ran
// a one-line usage error of cmd.
func asUsage(cmd *cobra.Command, err error) error {
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	// Cobra's suggestions span lines: keep one.
	msg := strings.Join(strings.Fields(err.Error()), " ")
	return &usageError{cmd: cmd.CommandPath(), err: errors.New(msg)}
}

// openStore opens the store named by --store, else the default store, with
// the key from the environment or the default key file.
func (a *app) openStore() (*secret.FileStore, error) {
	key, err := secret.LoadKey()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, secret.ErrNotFound) {
			return nil, errors.New("no store key yet: run 'envseal key generate' first (or set ENVSEAL_KEY or ENVSEAL_KEY_FILE)")
		}
		return nil, fmt.Errorf("loading the store key: %w", err)
	}
	if a.storeDir != "" {
		return secret.OpenFileStore(a.storeDir, key)
	}
	return secret.DefaultStore()
}

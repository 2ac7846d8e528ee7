package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

` + storeHelp + `

Exit codes: 0 success; 1 failure, or secrets that do not satisfy the
manifest; 2 usage error; for run, COMMAND's own code (126 cannot run, 127 not
found, 128+N killed by signal N).`,
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
	root.PersistentFlags().StringVar(&a.storeDir, "store", "", "the store `DIR` (default $ENVSEAL_STORE, else envseal/store in the user config dir)")
	root.AddCommand(newKeyCmd(a), newSecretsCmd(a), newRunCmd(a), newCheckCmd(a))
	// Cobra's completion command prints its help, exit 0, for any argument:
	// an unknown shell is a usage error here.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("unknown shell %q: want bash, zsh, fish or powershell", args[0])
				}
				return nil
			}
			c.RunE = helpOrUnknown
		}
	}
	return root, a
}

// storeHelp says where the store and its key are, for the help texts.
const storeHelp = `Environment: the store is the folder given by --store, else $ENVSEAL_STORE,
else envseal/store in the user config dir ($XDG_CONFIG_HOME or ~/.config on
Linux, ~/Library/Application Support on macOS). Its key is $ENVSEAL_KEY, else
the file named by $ENVSEAL_KEY_FILE, else envseal/key in the user config dir,
as written by 'envseal key generate'.`

// noArgs rejects arguments of a command that only groups others.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unknown command %q", args[0])
	}
	return nil
}

// noArguments rejects any argument of a command that takes none. The
// arguments are not quoted: one may be a value typed in the wrong place.
func noArguments(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments, got %d", len(args))
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
		return nil, keyError(err, os.Getenv)
	}
	dir := a.storeDir
	if dir == "" {
		if dir, err = defaultStoreDir(); err != nil {
			return nil, err
		}
	}
	return secret.OpenFileStore(dir, key)
}

// defaultStoreDir is the folder DefaultStore uses: $ENVSEAL_STORE, else
// envseal/store in the user config dir.
func defaultStoreDir() (string, error) {
	if d := os.Getenv("ENVSEAL_STORE"); d != "" {
		return d, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no store folder: ENVSEAL_STORE is not set and the user config dir is unknown (%v); set ENVSEAL_STORE or use --store", err)
	}
	return filepath.Join(dir, "envseal", "store"), nil
}

// keyError explains a key that could not be loaded, with what to do. A key
// file that does not exist gets advice naming it; other errors are the
// library's, which name the variable or file and never the key.
func keyError(err error, getenv func(string) string) error {
	if !errors.Is(err, secret.ErrNotFound) {
		return err
	}
	if p := getenv("ENVSEAL_KEY_FILE"); p != "" {
		return fmt.Errorf("no store key: ENVSEAL_KEY_FILE names %s, which does not exist; fix the variable, or run 'envseal key generate' to create a new key there", p)
	}
	if p, perr := defaultKeyPath(); perr == nil {
		return fmt.Errorf("no store key yet: %s does not exist; run 'envseal key generate' to create it (or set ENVSEAL_KEY or ENVSEAL_KEY_FILE)", p)
	}
	return errors.New("no store key yet: run 'envseal key generate' first (or set ENVSEAL_KEY or ENVSEAL_KEY_FILE)")
}

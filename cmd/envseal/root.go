package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/envseal/secret"
)

// version is set at link time with -ldflags "-X main.version=v1.2.3"; when
// empty, the module version from the build info is used.
var version = ""

// app holds what the commands of one invocation share.
type app struct {
	env             *environment
	storeFlag       string // --store
	environmentFlag string // --environment
	allowKeyChange  bool   // --allow-key-change, for the commands that write
	// closers are the stores to close when the command is done (etcd).
	closers []io.Closer
}

// close closes the stores the command opened.
func (a *app) close() {
	for _, c := range a.closers {
		c.Close()
	}
	a.closers = nil
}

// newRootCmd makes the envseal command, reading and writing the streams
// given.
func newRootCmd(a *app, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
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
		Version:       buildVersion(),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          noSubcommand,
		RunE:          showHelp,
	}
	// Before the completion command: it takes its output stream when made.
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("envseal {{.Version}}\n")
	root.SetFlagErrorFunc(flagUsageError)
	root.PersistentFlags().StringVar(&a.storeFlag, "store", "", "the store: a folder, or etcd://HOST:PORT[,HOST:PORT...]/PREFIX (default $ENVSEAL_STORE, else envseal/store in the user config dir)")
	root.PersistentFlags().StringVar(&a.environmentFlag, "environment", "", "the store's `ENVIRONMENT`, such as dev or prod (default $ENVSEAL_ENVIRONMENT, else default)")
	root.AddCommand(newKeyCmd(a), newSecretsCmd(a), newInitCmd(a), newRunCmd(a), newCheckCmd(a))
	addCompletionCmd(root)
	argErrorsAreUsageErrors(root)
	setSuggestionDistance(root)
	return root
}

// addCompletionCmd adds cobra's completion command. Cobra's prints its help,
// exit 0, for any argument: an unknown shell is a usage error here. Its
// shells take no arguments, and the error does not quote them.
func addCompletionCmd(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Args = func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return nil
				}
				if commandWord(args[0]) {
					return fmt.Errorf("unknown shell %q: want bash, zsh, fish or powershell", args[0])
				}
				return errors.New("unknown shell: want bash, zsh, fish or powershell")
			}
			c.RunE = showHelp
			for _, sh := range c.Commands() {
				sh.Args = noArguments
			}
		}
	}
}

// argErrorsAreUsageErrors makes every error of an Args validator under c,
// cobra's own included, a usage error of its command.
func argErrorsAreUsageErrors(c *cobra.Command) {
	if validate := c.Args; validate != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := validate(cmd, args); err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		argErrorsAreUsageErrors(sub)
	}
}

// flagUsageError is the usage error for a command line whose flags do not
// parse. pflag quotes the value of a flag it cannot set, and the argument it
// cannot read as a flag; either may be a secret typed in the wrong place, so
// neither is repeated.
func flagUsageError(cmd *cobra.Command, err error) error {
	var (
		invalid  *pflag.InvalidValueError
		syntax   *pflag.InvalidSyntaxError
		notExist *pflag.NotExistError
		ours     *sourceFlagError
	)
	switch {
	case errors.As(err, &ours):
		err = ours
	case errors.As(err, &invalid):
		err = fmt.Errorf("invalid value for --%s", invalid.GetFlag().Name)
	case errors.As(err, &syntax):
		err = errors.New("bad flag syntax")
	case errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() != "":
		err = fmt.Errorf("unknown shorthand flag: -%s", notExist.GetSpecifiedName())
	}
	return &usageError{cmd: cmd.CommandPath(), err: err}
}

// storeHelp says where the store and its key are, for the help texts.
const storeHelp = `Environment: the store is given by --store, else $ENVSEAL_STORE, else it is
the folder envseal/store in the user config dir ($XDG_CONFIG_HOME or ~/.config
on Linux, ~/Library/Application Support on macOS). A store is a folder or an
etcd cluster shared by a fleet, etcd://HOST:PORT[,HOST:PORT...]/PREFIX, reached
with TLS and credentials from $ENVSEAL_ETCD_CACERT, $ENVSEAL_ETCD_CERT,
$ENVSEAL_ETCD_KEY, $ENVSEAL_ETCD_USER and $ENVSEAL_ETCD_PASSWORD (or
$ENVSEAL_ETCD_PASSWORD_FILE). Its environment (dev, prod...) is --environment,
else $ENVSEAL_ENVIRONMENT, else default. Its key is $ENVSEAL_KEY, else the file
named by $ENVSEAL_KEY_FILE, else envseal/key in the user config dir, as written
by 'envseal key generate'.`

// noSubcommand is the Args of a command that only groups others: an
// argument is a subcommand that does not exist. The error suggests the
// subcommands whose names are close to it (cobra's suggestions: within
// SuggestionsMinimumDistance edits, or starting with it). It quotes the
// argument only if it looks like a command word: anything else may be a
// value typed in the wrong place.
func noSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	what := "unknown command (argument 1 is not shown: it does not look like one)"
	if commandWord(args[0]) {
		what = fmt.Sprintf("unknown command %q", args[0])
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		return fmt.Errorf("%s; did you mean %s?", what, quoteList(slices.Compact(s)))
	}
	return errors.New(what)
}

// suggestionDistance is how many edits away a mistyped command may be from
// the one suggested.
const suggestionDistance = 2

// setSuggestionDistance sets the distance of cobra's suggestions on c and
// every command under it: cobra only sets it on the commands it checks
// itself.
func setSuggestionDistance(c *cobra.Command) {
	c.SuggestionsMinimumDistance = suggestionDistance
	for _, sub := range c.Commands() {
		setSuggestionDistance(sub)
	}
}

// commandWord reports whether s could be a command's name: a short word of
// letters, digits and dashes.
func commandWord(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// noArguments is the Args of a command that takes none. The arguments are
// not quoted: one may be a value typed in the wrong place.
func noArguments(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments, got %d", len(args))
	}
	return nil
}

// argsBetween accepts min to max arguments (max < 0: no limit); otherwise the
// error says what is wanted.
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

// showHelp is the action of a command that only groups others.
func showHelp(cmd *cobra.Command, args []string) error {
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

// explainKeyError says what to do about a key that could not be loaded when
// the library's error does not: ENVSEAL_KEY_FILE names a file that does not
// exist. The library's errors name the variable or file, never the key.
func (a *app) explainKeyError(err error) error {
	if p := a.env.getenv(envKeyFile); p != "" && errors.Is(err, secret.ErrNotFound) {
		return fmt.Errorf("no store key: %s names %s, which does not exist; fix the variable, or run 'envseal key generate' to create a new key there", envKeyFile, p)
	}
	return err
}

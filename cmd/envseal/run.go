package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
)

func newRunCmd(a *app) *cobra.Command {
	r := resolution{lookup: a.env.lookup}
	var redact bool
	var watch watchOptions
	cmd := &cobra.Command{
		Use:   "run [flags] -- COMMAND [ARGS...]",
		Short: "Run a command with resolved secrets in its environment",
		Long: `Resolve the secrets, validate them against the manifest, then run COMMAND
with them set on top of envseal's own environment. ENVSEAL_KEY and
ENVSEAL_KEY_FILE are not passed on. If a required secret is missing, COMMAND
does not run: every missing key is listed with its description, and envseal
exits 1.

` + resolutionHelp + `

COMMAND gets envseal's standard input, output and error as they are, so
terminal programs work. With --redact its output and error go through a
redactor instead, which replaces every secret value of at least ` + strconv.Itoa(secret.MinRedactLen) + ` bytes
with [REDACTED:KEY], also when a value is split across writes (output that
could be the start of a value is held until the next write shows whether it
is). COMMAND's output is then a pipe, not the terminal: some programs buffer
it, or drop their colours.

Signals (Unix): SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH
sent to envseal are passed to COMMAND, and envseal waits for it to exit. Run
from an interactive shell on Linux, envseal hands the terminal to COMMAND as
the shell does for a job: Ctrl-C and Ctrl-\ reach COMMAND once, a kill -INT of
envseal from another shell reaches it too, and Ctrl-Z, fg and bg work.
Elsewhere (macOS, the BSDs, pipelines, scripts) COMMAND shares envseal's
process group, so Ctrl-C, Ctrl-\ and window resizes reach it directly and are
not passed on a second time; interrupt it from elsewhere with SIGTERM. On
Windows, Ctrl-C reaches COMMAND from the console. If envseal is killed with
SIGKILL, COMMAND is killed too (Linux, FreeBSD).

The exit code is COMMAND's, 128+N when it died from signal N, 127 when it is
not found, 126 when it cannot be run.

Everything after -- is COMMAND's, flags included. Without --, COMMAND is the
first argument that is not a flag, and what follows it is COMMAND's too; but
if any of it is spelled like one of run's own flags (--redact, --secret,
--env=..., --store and every other flag listed below, except --help), envseal
refuses to guess whose it is: it runs nothing, exits 2, and asks for -- before
COMMAND (the flag is then COMMAND's) or the flag before COMMAND (it is then
envseal's).

` + watchHelp,
		Example: `  envseal run -- ./app                    # with the sources of envseal.yml
  envseal run -f api -- ./api             # and those of its function api
  envseal run --secret openai -- python app.py
  envseal run --manifest inf.yml --secret base --dotenv .env --env MODE=dev -- ./worker
  envseal run --dir /run/secrets --redact -- ./server --port 8080
  envseal run --watch --secret db -- ./worker
  envseal run --watch --watch-signal HUP --no-restart --dir /run/secrets -- ./server`,
		Args: commandArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sig, err := watch.check(cmd)
			if err != nil {
				return usagef(cmd.CommandPath(), "%v", err)
			}
			p, err := a.loadProject(cmd, &r)
			if err != nil {
				return err
			}
			if watch.on {
				return a.runWatching(cmd, &r, p, sig, watch.noRestart, args, redact)
			}
			env, _, err := a.resolve(cmd, &r, p, r.function, true)
			if err != nil {
				return err
			}
			return a.runCommand(cmd, env, args, redact)
		},
	}
	r.addFlags(cmd.Flags())
	a.addSourceCompletion(cmd)
	cmd.Flags().BoolVar(&redact, "redact", false, "replace secret values in COMMAND's output and error with [REDACTED:KEY]")
	watch.addFlags(cmd)
	// Flags after COMMAND belong to it.
	cmd.Flags().SetInterspersed(false)
	return cmd
}

// commandArgs is the Args of run: COMMAND [ARGS...], and no flag of run's
// own among ARGS unless -- came before COMMAND.
func commandArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return errors.New("missing COMMAND: envseal run [flags] -- COMMAND [ARGS...]")
	}
	if cmd.ArgsLenAtDash() == 0 {
		return nil // -- came before COMMAND: all of it is COMMAND's
	}
	for _, arg := range args[1:] {
		if name, ok := ownFlag(cmd, arg); ok {
			return fmt.Errorf("--%s after COMMAND: envseal will not guess whether it is envseal's or COMMAND's; "+
				"put -- before COMMAND to give it to COMMAND, or move it before COMMAND for envseal", name)
		}
	}
	return nil
}

// ownFlag reports whether arg is spelled like a long flag of cmd (--NAME or
// --NAME=...), other than --help, and returns NAME. Only the name is
// returned: what follows = may be a value.
func ownFlag(cmd *cobra.Command, arg string) (string, bool) {
	name, ok := strings.CutPrefix(arg, "--")
	if !ok || name == "" {
		return "", false
	}
	name, _, _ = strings.Cut(name, "=")
	if name == "help" || cmd.Flags().Lookup(name) == nil {
		return "", false
	}
	return name, true
}

// runCommand runs args[0] with args[1:] through a secret.Runner: env set on
// top of envseal's environment (less its key variables), envseal's standard
// streams, signals forwarded, and redaction with redact. It returns the
// *exitCode that ends envseal with COMMAND's code.
func (a *app) runCommand(cmd *cobra.Command, env *secret.Env, args []string, redact bool) error {
	r := &secret.Runner{
		Args:    args,
		Env:     env,
		Environ: a.env.environ,
		Stdin:   cmd.InOrStdin(),
		Stdout:  cmd.OutOrStdout(),
		Stderr:  cmd.ErrOrStderr(),
		Redact:  redact,
	}
	err := r.Run(cmd.Context())
	var ee *secret.ExitError
	if err == nil || errors.As(err, &ee) {
		return &exitCode{code: r.ExitCode()}
	}
	return &exitCode{code: r.ExitCode(), msg: err.Error()}
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
)

func newRunCmd(a *app) *cobra.Command {
	r := resolution{lookup: a.env.lookup}
	var redact, execCmd bool
	var watch watchOptions
	var files filesFlags
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

Secrets as files (the OpenFaaS way): with --files DIR, COMMAND gets its
secrets as files instead of variables, one per key, named after the key,
holding exactly its value, mode 0600, in the folder DIR (made with mode 0700;
an existing DIR must be empty and only yours), which the variable
` + secret.SecretsDirVar + ` names too; no secret is in COMMAND's environment. With
--files-auto, envseal makes a new private folder itself, in memory so that no
value reaches a disk: in $XDG_RUNTIME_DIR or /dev/shm on Linux (elsewhere,
the temporary folder); COMMAND finds it in ` + secret.SecretsDirVar + `. The
files are removed when COMMAND exits, however it exits: on its own, killed
by a signal, or stopped because envseal got SIGTERM or SIGINT (passed on, as
above). If envseal itself is killed with SIGKILL it cannot remove them:
COMMAND is killed too (Linux, FreeBSD), and the next 'envseal run' with
--files-auto, or with --files and the same DIR, removes what the dead
process left; a folder in memory is gone at reboot anyway.

The exit code is COMMAND's, 128+N when it died from signal N, 127 when it is
not found, 126 when it cannot be run (or its secret files cannot be written).

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
  envseal run --watch --watch-signal HUP --no-restart --dir /run/secrets -- ./server
  envseal run --secret api --files-auto -- sh -c 'cat "$ENVSEAL_SECRETS_DIR/API_KEY"'`,
		Args: commandArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if execCmd && (redact || files.on() || watch.on) {
				return usagef(cmd.CommandPath(), "--exec hands the process over to COMMAND, and --redact, --files and --watch need envseal to stay: give one or the other")
			}
			return files.check(cmd)
		},
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
				return a.runWatching(cmd, &r, p, sig, watch.noRestart, args, runOptions{redact: redact, files: files})
			}
			env, _, err := a.resolve(cmd, &r, p, r.function, true)
			if err != nil {
				return err
			}
			return a.runCommand(cmd, env, args, runOptions{redact: redact, files: files, exec: execCmd})
		},
	}
	r.addFlags(cmd.Flags())
	a.addSourceCompletion(cmd)
	cmd.Flags().BoolVar(&redact, "redact", false, "replace secret values in COMMAND's output and error with [REDACTED:KEY]")
	watch.addFlags(cmd)
	cmd.Flags().BoolVar(&execCmd, "exec", false, "replace envseal with COMMAND, as the shell's exec does: nothing in between (Unix; not with --redact, --files or --watch)")
	cmd.Flags().StringVar(&files.dir, "files", "", "give COMMAND its secrets as files in the folder `DIR` (0700, files 0600, removed after) instead of variables")
	cmd.Flags().BoolVar(&files.auto, "files-auto", false, "like --files, in a new private folder in memory ($XDG_RUNTIME_DIR or /dev/shm)")
	// The flag exists: the error cannot happen.
	_ = cmd.MarkFlagDirname("files")
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

// filesFlags are --files and --files-auto.
type filesFlags struct {
	dir  string // --files
	auto bool   // --files-auto
}

// on reports whether COMMAND gets its secrets as files.
func (f filesFlags) on() bool { return f.dir != "" || f.auto }

// check refuses --files with --files-auto, and an empty --files.
func (f filesFlags) check(cmd *cobra.Command) error {
	switch {
	case f.dir != "" && f.auto:
		return usagef(cmd.CommandPath(), "--files and --files-auto both choose where the secret files go: give one")
	case f.dir == "" && cmd.Flags().Changed("files"):
		return usagef(cmd.CommandPath(), "--files needs a folder; --files-auto lets envseal choose one")
	}
	return nil
}

// runOptions are how run starts COMMAND besides its secrets.
type runOptions struct {
	redact bool
	files  filesFlags
	exec   bool // --exec: envseal becomes COMMAND
}

// runCommand runs args[0] with args[1:] through a secret.Runner: env set on
// top of envseal's environment (less its key variables), or with --files,
// as files; envseal's standard streams, signals forwarded, and redaction
// with o.redact. It returns the *exitCode that ends envseal with COMMAND's
// code.
func (a *app) runCommand(cmd *cobra.Command, env *secret.Env, args []string, o runOptions) error {
	if o.exec {
		return a.replaceWith(env, args)
	}
	r := &secret.Runner{
		Args:     args,
		Env:      env,
		Environ:  a.env.environ,
		Stdin:    cmd.InOrStdin(),
		Stdout:   cmd.OutOrStdout(),
		Stderr:   cmd.ErrOrStderr(),
		Redact:   o.redact,
		Files:    o.files.on(),
		FilesDir: o.files.dir,
	}
	err := r.Run(cmd.Context())
	// COMMAND's own failure says nothing more than its exit code; anything
	// else (it could not start, its output or its secret files failed) is
	// said.
	var ee *secret.ExitError
	if err == nil || errors.As(err, &ee) && err == error(ee) {
		return &exitCode{code: r.ExitCode()}
	}
	return &exitCode{code: r.ExitCode(), msg: err.Error()}
}

// replaceWith replaces envseal with COMMAND (--exec), its environment
// envseal's with env on top (less the key variables, as Overlay does). It
// returns only when COMMAND cannot be run: an *exitCode of 127 (not found)
// or 126, with the message the Runner would give.
func (a *app) replaceWith(env *secret.Env, args []string) error {
	if a.env.replace == nil {
		return &exitCode{code: exitUsage, msg: "run --exec: a process cannot replace itself on this system (or in this test): run without --exec"}
	}
	a.close()
	path, err := args[0], error(nil)
	if !strings.ContainsRune(path, filepath.Separator) {
		path, err = exec.LookPath(path)
	}
	if err == nil {
		err = a.env.replace(path, args, env.Overlay(a.env.environ))
		err = &fs.PathError{Op: "fork/exec", Path: path, Err: err}
	}
	code := 126
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		code = 127
	}
	se := &secret.StartError{Path: args[0], Code: code, Err: err}
	return &exitCode{code: code, msg: se.Error()}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
)

// watchOptions are run's --watch flags.
type watchOptions struct {
	on        bool
	signal    string
	noRestart bool
}

const watchHelp = `With --watch, envseal keeps watching the sources while COMMAND runs: the
store's bundles (a folder store is looked at every 200 ms; an etcd store
pushes each change), the --dotenv files and the --dir folders (looked at
every 200 ms; a Kubernetes volume swapped by the kubelet counts). A burst of
changes counts as one: envseal waits for 100 ms without a change, 1 s at
most. On a change it resolves the secrets again and validates them against
the manifest. If they validate and differ from COMMAND's, envseal restarts
COMMAND with them: it sends --watch-signal (default TERM), waits the same
10 s grace as on exit, then SIGKILL, and starts COMMAND again. With
--no-restart it only sends --watch-signal (HUP for a program that reloads
its configuration on SIGHUP), and COMMAND keeps its environment: use it
with secrets COMMAND reads again on the signal, as from --dir files. If
they do not validate (a required key removed, a .env file with a bad line,
a bundle deleted), COMMAND keeps running with the secrets it has, envseal
says why on standard error, and tries again on the next change. Each
restart and each refusal is one line on standard error, naming the keys
that changed, never a value. With --redact, the new values are redacted at
once and the old ones still are. envseal exits when COMMAND exits by
itself, with its code.`

func (w *watchOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&w.on, "watch", false, "restart COMMAND when its secrets change (see above)")
	f.StringVar(&w.signal, "watch-signal", "TERM", "with --watch, the signal that tells COMMAND its secrets changed")
	f.BoolVar(&w.noRestart, "no-restart", false, "with --watch, send --watch-signal without restarting COMMAND")
}

// check refuses --watch-signal and --no-restart without --watch, and
// --no-restart without a --watch-signal: TERM would stop COMMAND for good.
func (w *watchOptions) check(cmd *cobra.Command) (os.Signal, error) {
	f := cmd.Flags()
	if !w.on {
		for _, name := range []string{"watch-signal", "no-restart"} {
			if f.Changed(name) {
				return nil, fmt.Errorf("--%s needs --watch", name)
			}
		}
		return nil, nil
	}
	if w.noRestart && !f.Changed("watch-signal") {
		return nil, errors.New("--no-restart needs --watch-signal, the signal on which COMMAND reloads (as HUP): the default, TERM, would stop it")
	}
	sig, err := parseSignal(w.signal)
	if err != nil {
		return nil, fmt.Errorf("--watch-signal: %w", err)
	}
	return sig, nil
}

// runWatching runs COMMAND as runCommand does, and restarts or signals it
// each time its sources change and still validate.
func (a *app) runWatching(cmd *cobra.Command, r *resolution, p *project, sig os.Signal, noRestart bool, args []string, o runOptions) error {
	pl, err := a.plan(cmd, r, p, r.function, true)
	if err != nil {
		return err
	}
	stderr := lockWriter(cmd.ErrOrStderr())
	wr := &watchRun{
		runner: &secret.Runner{
			Args:       args,
			Environ:    a.env.environ,
			Stdin:      cmd.InOrStdin(),
			Stdout:     cmd.OutOrStdout(),
			Stderr:     stderr,
			Redact:     o.redact,
			Files:      o.files.on(),
			FilesDir:   o.files.dir,
			StopSignal: sig,
		},
		stderr:    stderr,
		noRestart: noRestart,
		signal:    sig,
		name:      commandName(args),
		started:   make(chan error, 1),
	}
	ctx, stop := context.WithCancel(cmd.Context())
	defer stop()
	watched := make(chan error, 1)
	go func() {
		watched <- pl.res.Watch(ctx, func(env *secret.Env, err error) {
			wr.changed(cmd.Context(), env, pl.explain(ctx, err))
		}, pl.sources...)
	}()
	select {
	case err := <-wr.started:
		if err != nil {
			return err
		}
	case err := <-watched:
		return err // the sources cannot be watched
	}
	err = wr.runner.Wait()
	stop()
	<-watched
	var ee *secret.ExitError
	if err == nil || errors.As(err, &ee) {
		return &exitCode{code: wr.runner.ExitCode()}
	}
	return &exitCode{code: wr.runner.ExitCode(), msg: err.Error()}
}

// watchRun is a child run under --watch.
type watchRun struct {
	runner    *secret.Runner
	stderr    io.Writer
	noRestart bool
	signal    os.Signal
	name      string
	started   chan error  // the first resolution's or Start's error
	begun     bool        // the first resolution was handled
	current   *secret.Env // the secrets COMMAND has
}

// changed handles a resolution: the first starts COMMAND, or fails the run;
// each next one restarts or signals COMMAND, or says why it does not.
func (w *watchRun) changed(ctx context.Context, env *secret.Env, err error) {
	if w.begun && w.current == nil {
		return // the first resolution failed: envseal is on its way out
	}
	if !w.begun {
		w.begun = true
		if err == nil {
			w.runner.Env = env
			w.current = env
			err = w.runner.Start(ctx)
		}
		w.started <- err
		return
	}
	if err != nil {
		fmt.Fprintf(w.stderr, "envseal: the secrets changed but %s keeps the ones it has: %v\n", w.name, err)
		return
	}
	diff := keyChanges(w.current, env)
	if diff == "" {
		return // another bundle of the store, or the same values again
	}
	w.current = env
	if w.noRestart {
		w.runner.AddRedacted(env)
		fmt.Fprintf(w.stderr, "envseal: secrets changed (%s); sending %s to %s\n", diff, signalName(w.signal), w.name)
		if err := w.runner.Signal(w.signal); err != nil && !errors.Is(err, os.ErrProcessDone) {
			fmt.Fprintf(w.stderr, "envseal: %v\n", err)
		}
		return
	}
	fmt.Fprintf(w.stderr, "envseal: secrets changed (%s); restarting %s\n", diff, w.name)
	if err := w.runner.Restart(env); err != nil && !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(w.stderr, "envseal: restarting %s: %v\n", w.name, err)
	}
}

// keyChanges names the keys that differ between old and new, as "API_KEY
// changed, DEBUG added", or "" when none does. It never shows a value.
func keyChanges(old, new *secret.Env) string {
	var parts []string
	for _, k := range new.Keys() {
		nv, _ := new.Get(k)
		if ov, ok := old.Get(k); !ok {
			parts = append(parts, k+" added")
		} else if ov != nv {
			parts = append(parts, k+" changed")
		}
	}
	for _, k := range old.Keys() {
		if _, ok := new.Get(k); !ok {
			parts = append(parts, k+" removed")
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// commandName is COMMAND's name as the messages give it, quoted.
func commandName(args []string) string {
	return fmt.Sprintf("%q", args[0])
}

// lockWriter returns w, if it is a file (COMMAND then writes to it
// directly), or w made safe for the runner's output and envseal's messages
// to write at once.
func lockWriter(w io.Writer) io.Writer {
	if _, ok := w.(*os.File); ok {
		return w
	}
	return &lockedWriter{w: w}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

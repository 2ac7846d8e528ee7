package secret

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// DefaultGrace is how long a [Runner] waits, by default, for a child it asked
// to stop before it kills it: the default of docker stop.
const DefaultGrace = 10 * time.Second

// outputWaitDelay is how long a Runner keeps reading a child's output through
// a pipe after the child has exited. A process the child left in the
// background may hold the pipe open for ever.
const outputWaitDelay = 2 * time.Second

// Runner runs a workload with the secrets of an [Env] in its environment, as
// envseal run does: it starts the child, passes signals on to it, stops it
// when the context is done, and reports its exit the way a shell does. Make
// one with [Command], or as a struct literal; a function runtime needs no
// more than
//
//	env, err := secret.Resolve(ctx, secret.FromName("openai"), secret.FromDotenv(".env"))
//	if err != nil {
//		return err
//	}
//	r := secret.Command(env, "./worker", "--port", "8080")
//	err = r.Run(ctx) // r.ExitCode() is what a shell would report
//
// # Environment
//
// The child gets Environ (by default this process's environment) with the
// secrets set on top, built by [Env.Overlay]: one entry per key, the secret
// winning over the base, and never ENVSEAL_KEY or ENVSEAL_KEY_FILE of the
// base. The workload gets its secrets, not the key to every bundle.
//
// # Signals
//
// From Start until Wait returns, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
// SIGUSR2 and SIGWINCH sent to this process are passed on to the child (see
// Forward), and do not end this process: that is the caller's to decide,
// usually by waiting for the child. This uses [os/signal.Notify], which acts
// on the whole process.
//
// A terminal sends Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT) and window resizes
// (SIGWINCH) to every process of its foreground process group, so such a
// signal may have reached the child already; passing it on would deliver it
// twice (many programs take a second Ctrl-C as "quit now"), and Go's
// [os/signal] does not say who sent a signal. Two cases:
//
// On Linux, when this process is a job of its own that a job-control shell
// started in the terminal's foreground (envseal run typed at a prompt), the
// Runner does for the child what the shell does for each job: it gives it a
// process group of its own and makes that the terminal's foreground group.
// The terminal then signals the child alone, once, and every signal this
// process receives was sent by another process (kill -INT PID from another
// shell) and is passed on. Ctrl-Z, fg and bg keep working: when the child
// stops, this process takes the terminal back and stops with the same
// signal, so that the shell sees its job stopped; continued, it gives the
// terminal back to the child (if in the foreground) and continues it; when
// the child exits, it takes the terminal back.
//
// Otherwise (macOS and the BSDs; a Runner that shares its process group
// with other processes, as in a pipeline, a script or make; or one in the
// background) the child stays in this process's group, as a shell's child
// does, so that pipelines and job control behave as without envseal. Then
// SIGINT, SIGQUIT and SIGWINCH are not passed on when the terminal's
// foreground group is both this process's and the child's: the terminal
// delivered them to the child itself. The limit of that rule: such a signal
// sent to this process alone by another process is not passed on either.
// Send it to the process group (kill -INT -PGID) or to the child, or send
// SIGTERM, which is always passed on. Signals that are always passed on
// reach the child twice when they are sent to the whole process group (as
// timeout(1) does). On Solaris and AIX, where the terminal's foreground
// group cannot be read, every signal is passed on, and Ctrl-C reaches the
// child twice.
//
// On systems without Unix signals (Windows) nothing is passed on, and a
// child is stopped by killing it.
//
// # Stopping
//
// When the context given to Start is done, the Runner sends StopSignal
// (SIGTERM) to the child, waits up to Grace ([DefaultGrace], 10 s) for it to
// exit, then kills it with SIGKILL; Wait returns once it has exited. On
// Linux and FreeBSD the child is also started with a parent-death signal
// (SysProcAttr.Pdeathsig) of SIGKILL, so that it does not outlive this
// process, even when this process is killed with SIGKILL and has no chance
// to stop it. Elsewhere (macOS, the other BSDs, Solaris, Windows) a child
// outlives a parent killed that way, with its secrets, until it exits on its
// own: run the parent under a supervisor that kills the whole process group
// or job. The Runner signals the child only, as kill PID does, not processes
// that the child started itself.
//
// # Exit codes
//
// Run and Wait return nil when the child exited with status 0, an
// [*ExitError] when it ran and exited otherwise, and a [*StartError] when it
// could not start. [Runner.ExitCode] gives the code a shell would report in
// every case: the child's own status, 128+N when signal N ended it, 127 when
// the command was not found, 126 when it was found but could not be run.
//
// # Restarting
//
// While the child runs, Signal sends it a signal, and Restart stops it as
// the context would (StopSignal, then SIGKILL after Grace) and starts the
// command again with another Env: a workload whose secrets were rotated
// picks them up, as envconsul and envseal run --watch do. Run and Wait
// return only when a child exits by itself, or when the context is done.
//
// A Runner runs once: Start (or Run) may be called once; make a new Runner
// to run the command again. Signal, Restart, ExitCode and Wait may be called
// from any goroutine once Start has returned. The fields must not change
// after Start: the Runner works from a copy, and Restart is the way to
// change the secrets.
//
// Printed in any way (fmt, slog, JSON), a Runner or a *Runner shows the
// command's name and the keys of its Env, never a value, an argument or its
// base environment. The one exception is fmt printing a Runner held by value
// in an unexported field of another struct, whose methods it cannot call: it
// prints Args and Environ as they are. Hold a *Runner there, or leave
// Environ nil.
type Runner struct {
	// Args is the command line: Args[0] is the program, looked up in $PATH
	// ([os/exec.LookPath]) unless it contains a path separator, and the
	// rest are its arguments. A relative path is relative to Dir.
	Args []string

	// Env holds the secrets set on top of Environ. The children that
	// Restart starts get the Env given to it instead.
	Env *Env

	// Environ is the base environment, "KEY=VALUE" entries; nil means this
	// process's environment, read when the child starts. ENVSEAL_KEY and
	// ENVSEAL_KEY_FILE are dropped from it.
	Environ []string

	// Dir is the child's working directory; "" means this process's.
	Dir string

	// Stdin, Stdout and Stderr are the child's standard input, output and
	// error; nil means this process's own ([os.Stdin], [os.Stdout],
	// [os.Stderr]), as they are when Start is called. An [*os.File] is handed
	// to the child as it is, so that a terminal stays a terminal; any other
	// reader or writer is connected through a pipe, as in [os/exec.Cmd].
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// Redact passes the child's output and error through a [Redactor] each,
	// which replaces every secret value of at least [MinRedactLen] bytes with
	// "[REDACTED:KEY]". The child's output is then a pipe, not the terminal:
	// some programs buffer their output, or drop their colours. After
	// Restart, the values of the new Env are redacted as well as the old
	// ones. Once the child has exited, its output is read for at most 2 s
	// more: a process it left in the background may keep the pipe open.
	Redact bool

	// Grace is how long the child has to exit after StopSignal before it is
	// killed; 0 means DefaultGrace.
	Grace time.Duration

	// StopSignal asks the child to stop when the context is done and on
	// Restart; nil means SIGTERM (on Windows, where a child can only be
	// killed, the child is killed at once).
	StopSignal os.Signal

	// Files hands the child its secrets as files instead of variables, as
	// OpenFaaS, Docker and Kubernetes mount secrets: one file per key of
	// the Env, named after the key, holding exactly its value, mode 0600,
	// in a folder of mode 0700 that the child finds in the variable
	// ENVSEAL_SECRETS_DIR (SecretsDirVar). The child's environment then
	// has no secret: Environ without the variables named like a key of
	// the Env (a stale value must not pass for the secret). The point is
	// to keep values out of the environment, which every process the
	// child starts inherits and /proc/PID/environ shows; FromDir reads the
	// folder back, as the workload may.
	//
	// The folder is removed when the Runner is done, however the child
	// ended: it exited, a signal killed it, or it was stopped because the
	// context was done or this process got SIGTERM or SIGINT, which the
	// Runner passes on and waits out. Restart writes the new Env's files
	// before the new child starts. A process killed with SIGKILL cannot
	// clean up: its folder stays (the child, on Linux and FreeBSD, is
	// killed with it) until the next Runner with Files removes it (a
	// folder whose marker file .envseal-run names a process that no longer
	// exists), or until reboot, since it is in memory. With Forward empty,
	// a signal that ends this process leaves the folder too: cancel the
	// context instead.
	Files bool

	// FilesDir is the folder of Files. It is made with mode 0700 and
	// removed after; an existing one must be a folder that only this
	// user can enter, and be empty (but for what a Runner killed with
	// SIGKILL left in it), and then only the files are removed. "" makes a
	// new folder, envseal-files-PID-RANDOM, in memory where there is a
	// file system for it, so that no value reaches a disk: in
	// $XDG_RUNTIME_DIR when it is this user's own and in memory, else in
	// /dev/shm (Linux); elsewhere, and when neither is, in os.TempDir().
	// A FilesDir on a disk puts the values on that disk until they are
	// removed.
	FilesDir string

	// Forward lists the signals passed on to the child. nil means SIGINT,
	// SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH (none on
	// Windows); an empty, non-nil slice passes none on and leaves this
	// process's signal handling and terminal alone (no job control), for a
	// runtime that runs several children and stops them through the
	// context.
	Forward []os.Signal

	run *running // set by Start

	// traceSignal, when set (by tests), is called with each signal received
	// and whether it was passed on.
	traceSignal func(sig os.Signal, forwarded bool)
}

// Command returns a Runner of the program name with the arguments arg and
// the secrets of env, as [os/exec.Command] returns a Cmd: the other fields
// keep their defaults.
func Command(env *Env, name string, arg ...string) *Runner {
	return &Runner{Args: append([]string{name}, arg...), Env: env}
}

// ExitError reports a child that ran and did not exit with status 0.
type ExitError struct {
	// Code is the exit code a shell reports: the child's exit status, or
	// 128+N when signal N ended it.
	Code int
	// Signal is the signal that ended the child, or nil when it exited.
	Signal os.Signal
}

// Error returns "exit status N", or "signal: NAME" when a signal ended the
// child.
func (e *ExitError) Error() string {
	if e.Signal != nil {
		return "signal: " + e.Signal.String()
	}
	return "exit status " + strconv.Itoa(e.Code)
}

// StartError reports a command that could not be started.
type StartError struct {
	// Path is the program, Args[0].
	Path string
	// Code is the exit code a shell reports: 127 when the program does not
	// exist, 126 when it exists but cannot be run (or Dir cannot be
	// entered).
	Code int
	// Err is the cause, from [os/exec]: check it with [errors.Is], as in
	// errors.Is(err, exec.ErrNotFound) or errors.Is(err, fs.ErrPermission).
	Err error
}

// Error says why Path could not be started, as in "./worker: permission
// denied", without the "exec:" and "fork/exec PATH:" layers of os/exec.
func (e *StartError) Error() string {
	var xe *exec.Error
	var pe *fs.PathError
	switch {
	case errors.Is(e.Err, exec.ErrNotFound):
		return e.Path + ": command not found in $PATH"
	case errors.As(e.Err, &xe):
		return e.Path + ": " + xe.Err.Error()
	case errors.As(e.Err, &pe) && pe.Op == "fork/exec" && errors.Is(pe.Err, fs.ErrNotExist):
		return e.Path + ": no such file, or its #! interpreter does not exist"
	case errors.As(e.Err, &pe) && pe.Op == "fork/exec":
		return e.Path + ": " + pe.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *StartError) Unwrap() error { return e.Err }

// errNotStarted is returned by the methods that need a running Runner.
var errNotStarted = errors.New("runner not started")

// Run starts the child and waits for it: Start, then Wait.
func (r *Runner) Run(ctx context.Context) error {
	if err := r.Start(ctx); err != nil {
		return err
	}
	return r.Wait()
}

// Start starts the child and returns once it runs, or with a [*StartError]
// when it cannot start. From then on, until Wait returns, the Runner passes
// signals on to the child and watches ctx: when ctx is done, it stops the
// child (StopSignal, then SIGKILL after Grace). Call Wait to learn how the
// child exited and to release what the Runner holds. When ctx is already
// done, Start starts nothing and returns ctx's error.
func (r *Runner) Start(ctx context.Context) error {
	if r.run != nil {
		return errors.New("runner already started: a Runner runs once")
	}
	if len(r.Args) == 0 || r.Args[0] == "" {
		return errors.New("runner has no command: Args is empty")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	run := &running{
		args:     append([]string(nil), r.Args...),
		env:      r.Env,
		environ:  r.Environ,
		dir:      r.Dir,
		stdin:    r.Stdin,
		stdout:   r.Stdout,
		stderr:   r.Stderr,
		redact:   r.Redact,
		grace:    r.Grace,
		stop:     r.StopSignal,
		forward:  r.Forward,
		useFiles: r.Files,
		filesDir: r.FilesDir,
		trace:    r.traceSignal,
		requests: make(chan request),
		done:     make(chan struct{}),
		code:     -1,
	}
	if run.stdin == nil {
		run.stdin = os.Stdin
	}
	if run.stdout == nil {
		run.stdout = os.Stdout
	}
	if run.stderr == nil {
		run.stderr = os.Stderr
	}
	if run.grace <= 0 {
		run.grace = DefaultGrace
	}
	if run.stop == nil {
		run.stop = stopSignal()
	}
	if run.forward == nil {
		run.forward = forwardedSignals()
	}
	r.run = run
	started := make(chan error, 1)
	go run.supervise(ctx, started)
	return <-started
}

// Wait waits until the Runner is done: the child exited by itself, or was
// stopped because the context was done. It returns nil when the child
// exited with status 0, an [*ExitError] when it exited otherwise, and a
// [*StartError] when it (or, after Restart, its successor) could not start.
// With Files, a failure to write or remove the secret files is an error too,
// joined to the child's result when there is one.
// When the child exited with status 0 but its output could not be passed on
// (a failing writer, or a background process holding the output pipe open
// past the 2 s wait of Redact, which wraps [os/exec.ErrWaitDelay]), Wait
// returns that error. Wait may be called more than once, from several
// goroutines: each gets the same result.
func (r *Runner) Wait() error {
	if r.run == nil {
		return errNotStarted
	}
	<-r.run.done
	return r.run.err
}

// ExitCode returns the exit code a shell would report for the child once
// Wait has returned: the child's exit status, 128+N when signal N ended it,
// 127 when the program was not found, 126 when it could not be run (or its
// secret files, with Files, could not be written). It
// returns -1 while the child runs, before Start, and when Start returned
// the context's error.
func (r *Runner) ExitCode() int {
	if r.run == nil {
		return -1
	}
	select {
	case <-r.run.done:
		return r.run.code
	default:
		return -1
	}
}

// Signal sends sig to the running child. It returns [os.ErrProcessDone]
// once the Runner is done.
func (r *Runner) Signal(sig os.Signal) error {
	if r.run == nil {
		return errNotStarted
	}
	return r.run.ask(request{signal: sig})
}

// Restart stops the running child as a done context would (StopSignal, then
// SIGKILL after Grace), waits for it to exit, and starts the command again
// with the secrets of env, which replaces Env. It returns once the new child
// runs. With Redact, the values of env are redacted from then on, and those
// of every earlier Env still are.
//
// When the new child cannot start, Restart returns the [*StartError], and so
// does Wait: the Runner is done. Restart returns [os.ErrProcessDone] when the
// Runner is done before the restart could begin (the child exited by
// itself), and the context's error when the context is done first: then the
// child is stopped and not started again. Restarts asked for while one is
// under way are merged into it: the child starts once, with the last env.
func (r *Runner) Restart(env *Env) error {
	if r.run == nil {
		return errNotStarted
	}
	return r.run.ask(request{restart: true, env: env})
}

// AddRedacted adds the values of env to those redacted from the child's
// output, with Redact set, and keeps redacting the earlier ones; the child
// keeps its environment. Restart does it for the Env it starts with; call
// AddRedacted when the child learns new secrets another way, as from files
// it reads again on a signal. It does nothing without Redact or before
// Start.
func (r *Runner) AddRedacted(env *Env) {
	if r.run == nil {
		return
	}
	for _, red := range []*Redactor{r.run.outRedact, r.run.errRedact} {
		if red != nil {
			red.learn(env)
		}
	}
}

// String returns the program's name, quoted, and the keys of the Env, as in
// `Runner{"./worker" Env{API_KEY (dotenv:.env)}}`. It never shows a value, an
// argument or the base environment.
func (r *Runner) String() string {
	name := ""
	if len(r.Args) > 0 {
		name = r.Args[0]
	}
	return "Runner{" + strconv.Quote(name) + " " + r.Env.String() + "}"
}

// GoString returns the form printed by %#v: "secret." followed by String.
func (r *Runner) GoString() string { return "secret." + r.String() }

// Format implements [fmt.Formatter] so that every verb prints String (or
// GoString for %#v): the base environment and the arguments may hold
// secrets too.
func (r Runner) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, r.GoString())
		return
	}
	fmt.Fprint(f, r.String())
}

// LogValue implements [slog.LogValuer]: the program's name and the Env.
func (r *Runner) LogValue() slog.Value {
	name := ""
	if len(r.Args) > 0 {
		name = r.Args[0]
	}
	return slog.GroupValue(slog.String("command", name), slog.Any("env", r.Env))
}

// MarshalJSON implements [json.Marshaler] with the program's name and the
// Env's keys and origins, as in {"command":"./worker","env":{...}}.
func (r Runner) MarshalJSON() ([]byte, error) {
	name := ""
	if len(r.Args) > 0 {
		name = r.Args[0]
	}
	return json.Marshal(struct {
		Command string `json:"command"`
		Env     *Env   `json:"env"`
	}{name, r.Env})
}

var (
	_ fmt.Formatter  = Runner{}
	_ json.Marshaler = Runner{}
	_ fmt.Stringer   = (*Runner)(nil)
	_ slog.LogValuer = (*Runner)(nil)
)

// running is a started Runner: its settings as they were at Start, and the
// supervisor goroutine's state.
type running struct {
	args                   []string
	env                    *Env
	environ                []string
	dir                    string
	stdin                  io.Reader
	stdout, stderr         io.Writer
	redact                 bool
	grace                  time.Duration
	stop                   os.Signal
	forward                []os.Signal
	useFiles               bool
	filesDir               string
	files                  *secretFiles // with useFiles, once made
	trace                  func(os.Signal, bool)
	requests               chan request
	done                   chan struct{} // closed when the Runner is done
	err                    error         // Wait's result; set before done is closed
	code                   int           // ExitCode's; set before done is closed
	tty                    *terminal     // the controlling terminal, or nil
	outRedact, errRedact   *Redactor     // with redact
	childStdout, childErrw io.Writer     // what the children write to
}

// request is a call of Signal or Restart, handled by the supervisor.
type request struct {
	signal  os.Signal
	restart bool
	env     *Env
	reply   chan error
}

// ask hands req to the supervisor and returns its answer.
func (run *running) ask(req request) error {
	req.reply = make(chan error, 1)
	select {
	case run.requests <- req:
		return <-req.reply
	case <-run.done:
		return os.ErrProcessDone
	}
}

// child is one started process and the result of waiting for it.
type child struct {
	cmd    *exec.Cmd
	exited chan error // receives cmd.Wait's result
}

// supervise starts the first child, reports on started, and then runs the
// Runner until it is done: it forwards signals, answers requests, stops the
// child when ctx is done and starts the next one on Restart.
func (run *running) supervise(ctx context.Context, started chan<- error) {
	// The kernel sends the parent-death signal when the thread that started
	// the child ends, not the process (go.dev/issue/27505). Go ends a
	// thread only when a goroutine locked to it returns: keep this one
	// locked to a thread of its own while children run, so that no other
	// goroutine can end it under them.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	// Without forwarding there is nothing to pass on and no job control to
	// do for the child: the caller handles signals.
	var (
		sigs chan os.Signal
		tty  *terminal
	)
	if len(run.forward) > 0 {
		// Notify before the child starts, so that no signal ends this
		// process between Start and the first forward.
		sigs = make(chan os.Signal, 16)
		signal.Notify(sigs, run.forward...)
		defer signal.Stop(sigs)
		tty = openTerminal()
		defer tty.close()
	}
	run.tty = tty

	run.childStdout, run.childErrw = run.stdout, run.stderr
	if run.redact {
		run.outRedact = NewRedactor(run.stdout, run.env)
		run.childStdout = run.outRedact
		if sameWriter(run.stdout, run.stderr) {
			// One redactor, so that os/exec gives the child one pipe for
			// both, as it does for one writer, and writes stay in order.
			run.childErrw = run.outRedact
		} else {
			run.errRedact = NewRedactor(run.stderr, run.env)
			run.childErrw = run.errRedact
		}
	}

	if run.useFiles {
		// After Notify: a SIGTERM that arrives from now on is passed on,
		// and the folder removed when the child is gone.
		if err := run.writeFiles(); err != nil {
			run.finish(126, err)
			started <- err
			return
		}
	}
	c, err := run.start()
	if err != nil {
		// Done before Start returns, so that ExitCode tells the code as
		// soon as Start has returned the error.
		run.finish(startCode(err), err)
		started <- err
		return
	}
	started <- nil

	ctxDone := ctx.Done()
	var (
		stopping    bool             // ctx is done: no more restarts
		terminating bool             // the child was asked to stop
		kill        <-chan time.Time // fires when its grace period is over
		killT       *time.Timer
		restarts    []request // waiting for the child to exit
	)
	defer func() {
		if killT != nil {
			killT.Stop()
		}
	}()
	// terminate asks the child to stop and arms the grace timer, once per
	// child.
	terminate := func() {
		if terminating {
			return
		}
		terminating = true
		_ = c.cmd.Process.Signal(run.stop) // it may have exited already
		killT = time.NewTimer(run.grace)
		kill = killT.C
	}
	for {
		select {
		case sig := <-sigs:
			forward := !tty.delivered(sig, c.cmd.Process.Pid)
			if forward {
				_ = c.cmd.Process.Signal(sig) // it may have exited already
			}
			if run.trace != nil {
				run.trace(sig, forward)
			}
		case <-ctxDone:
			ctxDone = nil
			stopping = true
			for _, req := range restarts {
				req.reply <- ctx.Err()
			}
			restarts = nil
			terminate()
		case sig := <-tty.events():
			tty.handle(sig)
		case <-kill:
			kill = nil
			_ = c.cmd.Process.Kill()
		case req := <-run.requests:
			switch {
			case !req.restart:
				req.reply <- c.cmd.Process.Signal(req.signal)
			case stopping:
				req.reply <- ctx.Err()
			default:
				restarts = append(restarts, req)
				terminate()
			}
		case werr := <-c.exited:
			tty.exited()
			if killT != nil {
				killT.Stop()
			}
			terminating, killT, kill = false, nil, nil
			ioErr := run.flush()
			if len(restarts) == 0 {
				run.finish(run.result(c, werr, ioErr))
				return
			}
			env := restarts[len(restarts)-1].env
			run.env = env
			if run.outRedact != nil {
				run.outRedact.learn(env)
			}
			if run.errRedact != nil {
				run.errRedact.learn(env)
			}
			c, err = nil, nil
			if run.files != nil {
				err = run.files.write(env)
			}
			if err == nil {
				c, err = run.start()
			}
			for _, req := range restarts {
				req.reply <- err
			}
			restarts = nil
			if err != nil {
				run.finish(startCode(err), err)
				return
			}
		}
	}
}

// writeFiles makes the folder of the secret files and writes those of the
// Env.
func (run *running) writeFiles() error {
	f, err := openSecretFiles(run.filesDir)
	if err != nil {
		return err
	}
	run.files = f
	return f.write(run.env)
}

// start starts a child with the current settings.
func (run *running) start() (*child, error) {
	path := run.args[0]
	if run.dir != "" {
		// os.StartProcess checks Dir only when there is no SysProcAttr;
		// otherwise a missing Dir fails as if the program were missing.
		fi, err := os.Stat(run.dir)
		if err == nil && !fi.IsDir() {
			err = &fs.PathError{Op: "chdir", Path: run.dir, Err: syscall.ENOTDIR}
		}
		if err != nil {
			return nil, &StartError{Path: path, Code: 126, Err: err}
		}
	}
	cmd := exec.Command(path, run.args[1:]...)
	base := run.environ
	if base == nil {
		base = os.Environ()
	}
	if run.files != nil {
		cmd.Env = run.files.environ(base, run.env)
	} else {
		cmd.Env = run.env.Overlay(base)
	}
	cmd.Dir = run.dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = run.stdin, run.childStdout, run.childErrw
	// Output copied through a pipe (Redact, or a writer that is not a
	// file) is read for at most this long after the child exits.
	cmd.WaitDelay = outputWaitDelay
	cmd.SysProcAttr = run.tty.prepare(sysProcAttr())
	if err := cmd.Start(); err != nil {
		run.tty.failed()
		code := 126
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			code = 127
		}
		return nil, &StartError{Path: path, Code: code, Err: err}
	}
	run.tty.started(cmd.Process.Pid)
	c := &child{cmd: cmd, exited: make(chan error, 1)}
	go func() { c.exited <- cmd.Wait() }()
	return c, nil
}

// flush writes out what the redactors hold back: a child's output ends with
// the child.
func (run *running) flush() error {
	var errs []error
	for _, r := range []*Redactor{run.outRedact, run.errRedact} {
		if r != nil {
			errs = append(errs, r.Flush())
		}
	}
	return errors.Join(errs...)
}

// result turns how a child ended into Wait's error and the exit code.
func (run *running) result(c *child, werr, ioErr error) (int, error) {
	ps := c.cmd.ProcessState
	if ps == nil { // Wait failed before the child was reaped: not expected
		return 1, werr
	}
	code, sig := exitStatus(ps)
	if code != 0 {
		return code, &ExitError{Code: code, Signal: sig}
	}
	path := run.args[0]
	var ee *exec.ExitError
	switch {
	case werr == nil || errors.As(werr, &ee):
	case errors.Is(werr, exec.ErrWaitDelay):
		return 0, &outputHeldError{path: path, err: werr}
	default:
		return 0, fmt.Errorf("%s: passing its output on: %w", path, werr)
	}
	if ioErr != nil {
		return 0, fmt.Errorf("%s: passing its output on: %w", path, ioErr)
	}
	return 0, nil
}

// outputHeldError reports a child that exited while a process it started
// kept its output open, which the Runner stopped reading after
// outputWaitDelay. It wraps exec.ErrWaitDelay.
type outputHeldError struct {
	path string
	err  error
}

func (e *outputHeldError) Error() string {
	return fmt.Sprintf("%s exited, but a process it started kept its output open; stopped reading it after %v", e.path, outputWaitDelay)
}

func (e *outputHeldError) Unwrap() error { return e.err }

// finish removes the secret files, records Wait's result and ends the
// Runner. A failure to remove the files is reported with the child's
// result.
func (run *running) finish(code int, err error) {
	for _, r := range []*Redactor{run.outRedact, run.errRedact} {
		if r != nil {
			if cerr := r.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("%s: passing its output on: %w", run.args[0], cerr)
			}
		}
	}
	if run.files != nil {
		if ferr := run.files.remove(); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}
	run.err, run.code = err, code
	close(run.done)
}

// startCode returns the exit code for an error of start.
func startCode(err error) int {
	var se *StartError
	if errors.As(err, &se) {
		return se.Code
	}
	return 126
}

// sameWriter reports whether a and b are the same writer, as os/exec decides
// it: == on the interfaces, false where the dynamic type is not comparable.
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

//go:build unix

package secret

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// runnerHelperArg, as the first argument of the test binary, makes it one of
// the processes of the Runner tests instead of running the tests: a child
// that reports what it sees and gets, or a host that runs a child through a
// Runner, as envseal run does.
const runnerHelperArg = "-envseal-runner-helper"

// runnerHelperMain runs the helper that args asks for, if they ask for one,
// and returns its exit code. TestMain calls it.
func runnerHelperMain(args []string) (code int, ok bool) {
	if len(args) < 3 || args[1] != runnerHelperArg {
		return 0, false
	}
	return runnerHelper(args[2], args[3:]), true
}

// helperSignals names the signals the helpers trap.
var helperSignals = map[string]syscall.Signal{
	"INT": syscall.SIGINT, "TERM": syscall.SIGTERM, "HUP": syscall.SIGHUP, "QUIT": syscall.SIGQUIT,
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "KILL": syscall.SIGKILL,
}

// runnerHelper is one helper process: runnerHelper MODE ARGS...
func runnerHelper(mode string, args []string) int {
	switch mode {
	case "env": // env KEY...: print KEY=VALUE, or KEY unset, for each key
		for _, k := range args {
			if v, ok := os.LookupEnv(k); ok {
				fmt.Printf("%s=%s\n", k, v)
			} else {
				fmt.Printf("%s unset\n", k)
			}
		}
		return 0

	case "pwd": // print the working directory
		wd, err := os.Getwd()
		if err != nil {
			return 98
		}
		fmt.Println(wd)
		return 0

	case "exit": // exit N
		n, _ := strconv.Atoi(args[0])
		return n

	case "kill-self": // kill-self SIG: die from signal SIG
		syscall.Kill(os.Getpid(), helperSignals[args[0]])
		select {}

	case "trap": // trap SIG CODE: see trapOnce
		code, _ := strconv.Atoi(args[1])
		return trapOnce(helperSignals[args[0]], code)

	case "ignore": // ignore SIG: say "ready", then "got SIG" on each SIG; answer each line of stdin with "pong"
		ch := make(chan os.Signal, 8)
		signal.Notify(ch, helperSignals[args[0]])
		go func() {
			for range ch {
				fmt.Println("got " + args[0])
			}
		}()
		fmt.Println("ready")
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			fmt.Println("pong")
		}
		select {} // until killed

	case "echo": // echo each line of stdin back, until its end
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			fmt.Println(in.Text())
		}
		return 0

	case "serve": // serve TEXT KEY...: print KEY=VALUE (empty when unset) for each key, "echo TEXT" and
		// "ready", then exit 0 on SIGTERM and 7 on SIGUSR1
		ch := make(chan os.Signal, 2)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGUSR1)
		for _, k := range args[1:] {
			fmt.Printf("%s=%s\n", k, os.Getenv(k))
		}
		fmt.Printf("echo %s\nready\n", args[0])
		if <-ch == syscall.SIGUSR1 {
			return 7
		}
		return 0

	case "split": // split A B: write A, wait for a line on stdin, write B and a newline; on stdout and stderr
		for _, w := range []*os.File{os.Stdout, os.Stderr} {
			w.WriteString(args[0])
		}
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			return 95
		}
		for _, w := range []*os.File{os.Stdout, os.Stderr} {
			w.WriteString(args[1] + "\n")
		}
		return 0

	case "sleep": // print "pid PID", then wait until killed
		fmt.Printf("pid %d\n", os.Getpid())
		select {}

	case "files": // files KEY...: report the folder of ENVSEAL_SECRETS_DIR, its entries, and each key's file and variable
		dir := os.Getenv(SecretsDirVar)
		fi, err := os.Stat(dir)
		if err != nil {
			fmt.Println("no folder:", err)
			return 97
		}
		fmt.Printf("dir %s %04o\n", dir, fi.Mode().Perm())
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			fmt.Printf("entry %s\n", e.Name())
		}
		for _, k := range args {
			b, err := os.ReadFile(filepath.Join(dir, k))
			mode := "-"
			if fi, err := os.Stat(filepath.Join(dir, k)); err == nil {
				mode = fmt.Sprintf("%04o", fi.Mode().Perm())
			}
			_, set := os.LookupEnv(k)
			fmt.Printf("%s file=%v mode=%s value=%q env=%v\n", k, err == nil, mode, b, set)
		}
		for _, k := range []string{"ENVSEAL_KEY", "ENVSEAL_KEY_FILE"} {
			if _, ok := os.LookupEnv(k); ok {
				fmt.Println(k, "set")
			}
		}
		return 0

	case "files-serve": // files-serve: say "dir DIR" and "ready", then exit 0 on SIGTERM or SIGINT
		ch := make(chan os.Signal, 2)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		fmt.Printf("dir %s\nready\n", os.Getenv(SecretsDirVar))
		<-ch
		return 0

	case "host": // host [-pid] [-files DIR|-] ARGV...: run ARGV through a Runner, as envseal run does; with -pid, say
		// "host PID" first; with -files, give it its secrets as files in DIR (- for a new folder)
		if len(args) > 0 && args[0] == "-pid" {
			fmt.Printf("host %d\n", os.Getpid())
			args = args[1:]
		}
		files, filesDir := false, ""
		if len(args) > 1 && args[0] == "-files" {
			files, filesDir = true, strings.TrimPrefix(args[1], "-")
			args = args[2:]
		}
		return runnerHost(args, files, filesDir)
	}
	return 99
}

// trapOnce says "ready" once sig is caught, and "got SIG" when it arrives.
// Then it reads a line from stdin, sent by the test once no second delivery
// can be on its way, makes sure every signal sent before that line has been
// seen, says "count N" (the number of times sig arrived) and exits with
// code.
func trapOnce(sig syscall.Signal, code int) int {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, sig)
	fmt.Println("ready")
	<-ch
	fmt.Println("got " + strings.TrimPrefix(signalName(sig), "SIG"))
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return 94
	}
	// A fence: a signal sent to itself after the line arrived. The kernel
	// hands pending signals over lowest number first, and Go passes those
	// it holds on in the same order, so once the fence (numbered above
	// every signal trapped here: SIGSYS on Linux, SIGUSR2 on the BSDs) is
	// seen, a second sig sent before the line is in ch.
	fenceSig := max(syscall.SIGSYS, syscall.SIGUSR2)
	fence := make(chan os.Signal, 1)
	signal.Notify(fence, fenceSig)
	syscall.Kill(os.Getpid(), fenceSig)
	<-fence
	n := 1
	for more := true; more; {
		select {
		case <-ch:
			n++
		default:
			more = false
		}
	}
	fmt.Printf("count %d\n", n)
	return code
}

// signalName returns the SIGXXX name of sig.
func signalName(sig syscall.Signal) string {
	for name, s := range helperSignals {
		if s == sig {
			return "SIG" + name
		}
	}
	return sig.String()
}

// runnerHost runs argv through a Runner with one secret, FAKE_SECRET (with
// files, as a file in filesDir, or in a new folder when it is ""), and
// the standard streams of this process, reports on stderr each signal it
// receives and whether it passed it on ("forwarded INT", "kept INT"), and
// exits with the Runner's exit code.
func runnerHost(argv []string, files bool, filesDir string) int {
	env := newEnv(map[string]envVar{"FAKE_SECRET": {value: "fake-host-secret", origin: "map"}})
	r := &Runner{Args: argv, Env: env, Files: files, FilesDir: filesDir}
	r.traceSignal = func(sig os.Signal, forwarded bool) {
		verb := "kept"
		if forwarded {
			verb = "forwarded"
		}
		fmt.Fprintf(os.Stderr, "%s %s\n", verb, strings.TrimPrefix(signalName(sig.(syscall.Signal)), "SIG"))
	}
	var ee *ExitError
	if err := r.Run(context.Background()); err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "host:", err)
	}
	return r.ExitCode()
}

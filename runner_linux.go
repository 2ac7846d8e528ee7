package secret

import (
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// sysProcAttr returns the child's process attributes: a parent-death signal
// of SIGKILL, so that the child, which holds the secrets, does not outlive
// this process, even when this one is killed with SIGKILL.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// terminal is this process's controlling terminal, and the job control that
// a Runner does with it on Linux.
//
// When this process is a job of its own, started by a job-control shell in
// the terminal's foreground, the Runner gives the child a process group of
// its own and makes it the terminal's foreground group, as the shell does
// for each job (and as tini does for its child). The terminal then sends
// Ctrl-C, Ctrl-\ and resizes to the child alone, never to this process, so
// that every signal this process receives came from another process and is
// passed on: kill -INT PID from another shell reaches the child, and Ctrl-C
// reaches it once. What the shell does with the job is passed on too: when
// the child stops (Ctrl-Z, or it reads the terminal while in the
// background), this process takes the terminal back and stops itself with
// the same signal, so that the shell sees its job stopped; when the shell
// continues it (fg or bg), it gives the terminal back to the child if it is
// in the foreground, and continues the child. When the child exits, it takes
// the terminal back.
//
// It does so only when it can tell that nothing else needs the terminal's
// foreground: its parent is in the same session but another process group
// (a shell that made it a job) and no other process is in its own process
// group (no other command of a pipeline, which would lose the terminal).
// Otherwise (a script, make, a pipeline, no /proc, MIPS) the child stays in
// this process's group, and delivered's rule applies.
type terminal struct {
	f *os.File

	// Job control, once a child was handed the terminal.
	sigs   chan os.Signal // SIGCHLD and SIGCONT
	handed bool           // the current child got the terminal
	pid    int            // the current child; its process group when handed
	pidfd  int            // the current child's pidfd, or -1
}

// openTerminal opens the controlling terminal, or returns nil when there is
// none.
func openTerminal() *terminal {
	f, err := os.Open("/dev/tty")
	if err != nil {
		return nil
	}
	return &terminal{f: f, pidfd: -1}
}

func (t *terminal) close() {
	if t == nil {
		return
	}
	if t.sigs != nil {
		signal.Stop(t.sigs)
	}
	t.closePidfd()
	t.f.Close()
}

// delivered reports whether the terminal has already delivered sig to the
// child pid itself, so that passing it on would deliver it twice: sig is one
// the terminal sends to its foreground process group (Ctrl-C, Ctrl-\, a
// resize), and that group is both the child's and this process's. When this
// process is not in it (as when the child was handed the terminal), the
// terminal did not send sig here: another process did, and the child has
// not received it.
func (t *terminal) delivered(sig os.Signal, pid int) bool {
	if t == nil || !fromKeyboard(sig) {
		return false
	}
	fg, err := t.foreground()
	if err != nil {
		return false
	}
	pg, err := syscall.Getpgid(pid)
	return err == nil && pg == fg && syscall.Getpgrp() == fg
}

// prepare returns the attributes of the next child: attr, and when this
// process can hand the terminal to the child, a process group of its own in
// the terminal's foreground.
func (t *terminal) prepare(attr *syscall.SysProcAttr) *syscall.SysProcAttr {
	if t == nil {
		return attr
	}
	t.closePidfd()
	t.handed, t.pid = false, 0
	if !t.canHandOff() {
		return attr
	}
	a := *attr
	// The child joins a new group and, its signals still blocked so that
	// the kernel does not stop it with SIGTTOU, makes it the terminal's
	// foreground group before it runs the command.
	a.Setpgid, a.Foreground, a.Ctty = true, true, int(t.f.Fd())
	a.PidFD = &t.pidfd
	t.handed = true
	if t.sigs == nil {
		t.sigs = make(chan os.Signal, 8)
		signal.Notify(t.sigs, syscall.SIGCHLD, syscall.SIGCONT)
	}
	return &a
}

// started records the child that prepare's attributes started.
func (t *terminal) started(pid int) {
	if t != nil {
		t.pid = pid
	}
}

// failed takes the terminal back after a child that was handed it failed to
// run its command: its group, now empty, may be the foreground.
func (t *terminal) failed() {
	if t == nil || !t.handed {
		return
	}
	t.handed = false
	if fg, err := t.foreground(); err == nil && fg != syscall.Getpgrp() && syscall.Kill(-fg, 0) == syscall.ESRCH {
		t.setForeground(syscall.Getpgrp())
	}
}

// exited takes the terminal back from a child that was handed it and has
// exited.
func (t *terminal) exited() {
	if t == nil || !t.handed {
		return
	}
	t.closePidfd()
	if fg, err := t.foreground(); err == nil && fg == t.pid {
		t.setForeground(syscall.Getpgrp())
	}
	t.handed = false
}

// events returns the signals handle acts on: nil until a child is handed
// the terminal.
func (t *terminal) events() <-chan os.Signal {
	if t == nil {
		return nil
	}
	return t.sigs
}

// handle passes a change of the child's job state on to this process, and
// the shell's decisions about this process on to the child.
func (t *terminal) handle(sig os.Signal) {
	if t == nil || !t.handed || t.pid == 0 {
		return
	}
	switch sig {
	case syscall.SIGCHLD:
		stop, ok := t.childStopped()
		if !ok {
			return
		}
		fg, err := t.foreground()
		if err != nil {
			return
		}
		self := syscall.Getpgrp()
		if fg == self && (stop == syscall.SIGTTIN || stop == syscall.SIGTTOU) {
			// It stopped for the terminal while in the background, and
			// the shell has brought this process back to the foreground
			// meanwhile: the child may have the terminal now.
			t.resume()
			return
		}
		if fg == t.pid {
			t.setForeground(self)
		}
		if stop != syscall.SIGTSTP && stop != syscall.SIGTTIN && stop != syscall.SIGTTOU {
			stop = syscall.SIGSTOP
		}
		// Stops this process; the shell sees its job stopped and, when it
		// continues it, SIGCONT comes here.
		syscall.Kill(os.Getpid(), stop)
	case syscall.SIGCONT:
		// The shell continued its job (fg, bg), or someone this process.
		t.resume()
	}
}

// resume continues the child, giving it the terminal if this process is in
// the foreground.
func (t *terminal) resume() {
	if fg, err := t.foreground(); err == nil && fg == syscall.Getpgrp() {
		t.setForeground(t.pid)
	}
	syscall.Kill(-t.pid, syscall.SIGCONT)
	if pg, err := syscall.Getpgid(t.pid); err == nil && pg != t.pid {
		syscall.Kill(t.pid, syscall.SIGCONT) // it left its group
	}
}

// childStopped reports whether the child has stopped, and with which
// signal, consuming that news as waitpid(WUNTRACED) does; its exit is left
// for os/exec to reap.
func (t *terminal) childStopped() (syscall.Signal, bool) {
	const pPID, pPIDFD = 1, 3
	idtype, id := pPID, t.pid
	if t.pidfd >= 0 {
		idtype, id = pPIDFD, t.pidfd
	}
	// siginfo_t: si_signo, si_errno and si_code, then (pointer-aligned) the
	// union whose SIGCHLD member starts with si_pid, si_uid, si_status.
	var info [128]byte
	_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, uintptr(idtype), uintptr(id),
		uintptr(unsafe.Pointer(&info)), syscall.WSTOPPED|syscall.WNOHANG, 0, 0)
	if errno != 0 {
		return 0, false
	}
	off := 3 * 4
	if unsafe.Sizeof(uintptr(0)) == 8 {
		off = 16
	}
	pid := *(*int32)(unsafe.Pointer(&info[off]))
	status := *(*int32)(unsafe.Pointer(&info[off+8]))
	if pid == 0 {
		return 0, false // no news: WNOHANG
	}
	return syscall.Signal(status), true
}

func (t *terminal) closePidfd() {
	if t.pidfd >= 0 {
		syscall.Close(t.pidfd)
		t.pidfd = -1
	}
}

// foreground returns the terminal's foreground process group.
func (t *terminal) foreground() (int, error) {
	var fg int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, t.f.Fd(), syscall.TIOCGPGRP, uintptr(unsafe.Pointer(&fg)))
	if errno != 0 {
		return 0, errno
	}
	return int(fg), nil
}

// setForeground makes pgid the terminal's foreground process group. From a
// background group the kernel would answer with SIGTTOU and stop this
// process, so this thread, which the supervisor keeps locked, blocks SIGTTOU
// meanwhile, as shells do.
func (t *terminal) setForeground(pgid int) error {
	var set, old uint64
	set = 1 << (syscall.SIGTTOU - 1)
	const sigBlock, sigSetmask = 0, 2
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigBlock,
		uintptr(unsafe.Pointer(&set)), uintptr(unsafe.Pointer(&old)), 8, 0, 0); errno != 0 {
		return errno
	}
	pg := int32(pgid)
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, t.f.Fd(), syscall.TIOCSPGRP, uintptr(unsafe.Pointer(&pg)))
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigSetmask, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// canHandOff reports whether the next child may have the terminal: this
// process is in the terminal's foreground, as a job of its own that a shell
// (its parent, in the same session but another group) started, alone in
// its process group.
func (t *terminal) canHandOff() bool {
	// MIPS numbers its signals and lays out its signal sets differently.
	if strings.HasPrefix(runtime.GOARCH, "mips") {
		return false
	}
	fg, err := t.foreground()
	if err != nil || fg != syscall.Getpgrp() {
		return false
	}
	self, err := readProcStat("self")
	if err != nil {
		return false
	}
	parent, err := readProcStat(strconv.Itoa(self.ppid))
	if err != nil || parent.pgrp == self.pgrp || parent.session != self.session {
		return false
	}
	return aloneInGroup(self.pgrp)
}

// procStat is what canHandOff needs of /proc/PID/stat.
type procStat struct{ ppid, pgrp, session int }

// readProcStat reads /proc/PID/stat.
func readProcStat(pid string) (procStat, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// "PID (COMM) STATE PPID PGRP SESSION ...": COMM may hold anything,
	// even ") ", so split after its last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, syscall.EINVAL
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 4 {
		return procStat{}, syscall.EINVAL
	}
	var st procStat
	for j, p := range []*int{&st.ppid, &st.pgrp, &st.session} {
		if *p, err = strconv.Atoi(f[j+1]); err != nil {
			return procStat{}, err
		}
	}
	return st, nil
}

// aloneInGroup reports whether no process but this one is in the process
// group pgrp.
func aloneInGroup(pgrp int) bool {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		st, err := readProcStat(e.Name())
		if err != nil {
			continue // gone, or not ours to read
		}
		if st.pgrp == pgrp {
			return false
		}
	}
	return true
}

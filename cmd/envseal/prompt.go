package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unsafe"
)

// readSecretLine prompts on w for the value of key and reads one line from
// the terminal f with echo turned off, so that the value shows neither on
// the screen nor in the terminal's scrollback. Echo is restored before it
// returns, also when Ctrl-C or another signal interrupts the input.
func readSecretLine(f *os.File, w io.Writer, key string) (string, error) {
	old, err := getTermios(f)
	if err != nil {
		return "", err
	}
	noEcho := *old
	noEcho.Lflag &^= syscall.ECHO
	noEcho.Lflag |= syscall.ICANON | syscall.ISIG
	// Catch the signals first: echo must not stay off if one ends envseal.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	if err := setTermios(f, &noEcho); err != nil {
		return "", err
	}
	fmt.Fprintf(w, "Value of %s (input hidden; Enter to end): ", key)

	type line struct {
		s   string
		err error
	}
	lines := make(chan line, 1)
	go func() {
		s, err := bufio.NewReader(io.LimitReader(f, maxValueFile+1)).ReadString('\n')
		lines <- line{s, err}
	}()
	var got line
	select {
	case got = <-lines:
	case sig := <-sigs:
		setTermios(f, old)
		fmt.Fprintln(w)
		n := 1
		if s, ok := sig.(syscall.Signal); ok {
			n = int(s)
		}
		return "", &exitCode{code: 128 + n, msg: "interrupted: nothing was set"}
	}
	restoreErr := setTermios(f, old)
	fmt.Fprintln(w) // the user's Enter was not echoed
	if got.err != nil && !errors.Is(got.err, io.EOF) {
		return "", got.err
	}
	if len(got.s) > maxValueFile {
		return "", fmt.Errorf("more than %d bytes", maxValueFile)
	}
	if restoreErr != nil {
		return "", restoreErr
	}
	return strings.TrimSuffix(strings.TrimSuffix(got.s, "\n"), "\r"), nil
}

// terminal returns r as an *os.File if it is a terminal, else nil.
func terminal(r io.Reader) *os.File {
	f, ok := r.(*os.File)
	if !ok {
		return nil
	}
	if _, err := getTermios(f); err != nil {
		return nil
	}
	return f
}

func getTermios(f *os.File) (*syscall.Termios, error) {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(ioctlGetTermios), uintptr(unsafe.Pointer(&t)))
	if errno != 0 {
		return nil, errno
	}
	return &t, nil
}

func setTermios(f *os.File, t *syscall.Termios) error {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(ioctlSetTermios), uintptr(unsafe.Pointer(t)))
	if errno != 0 {
		return errno
	}
	return nil
}

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"unicode/utf8"

	"golang.org/x/term"
)

// terminalFile returns r as an *os.File if it is a terminal, else nil.
func terminalFile(r io.Reader) *os.File {
	f, ok := r.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return f
}

// readHiddenLine prompts on w for the value of key and reads one line from
// the terminal tty, which does not echo it: the value shows neither on the
// screen nor in the terminal's scrollback.
//
// The terminal is in raw mode meanwhile, so Ctrl-C and Ctrl-\ arrive as
// keys, not signals, and end the prompt like a signal would (exit 130 or
// 131, nothing set). The terminal's mode is restored before it returns, also
// when a signal from elsewhere interrupts the input.
func readHiddenLine(tty *os.File, w io.Writer, key string) (string, error) {
	fd := int(tty.Fd())
	// Catch the signals first: the terminal must not stay raw if one ends
	// envseal.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, promptSignals()...)
	defer signal.Stop(sigs)
	saved, err := term.MakeRaw(fd)
	if err != nil {
		return "", err
	}
	// After MakeRaw: what is typed once the prompt shows is not echoed.
	fmt.Fprintf(w, "Value of %s (input hidden; Enter to end): ", key)
	lines := make(chan typedLine, 1)
	go func() { lines <- readTypedLine(bufio.NewReader(tty)) }()
	var got typedLine
	select {
	case got = <-lines:
	case sig := <-sigs:
		got.err = interrupted(signalNumber(sig))
	}
	restoreErr := term.Restore(fd, saved)
	fmt.Fprintln(w) // the user's Enter was not echoed
	if got.err != nil {
		return "", got.err
	}
	return got.line, restoreErr
}

// typedLine is what readTypedLine read.
type typedLine struct {
	line string
	err  error
}

// Keys that readTypedLine acts on.
const (
	keyCtrlC     = 0x03
	keyCtrlD     = 0x04
	keyBackspace = 0x08
	keyCtrlU     = 0x15
	keyCtrlBack  = 0x1c // Ctrl-\
	keyDelete    = 0x7f
)

// readTypedLine reads one line typed on a terminal in raw mode: up to Enter
// (CR or LF), with Backspace and Ctrl-U editing it. Ctrl-C and Ctrl-\ end
// it as interrupted; Ctrl-D on an empty line ends it empty.
func readTypedLine(r io.ByteReader) typedLine {
	var line []byte
	for {
		c, err := r.ReadByte()
		if errors.Is(err, io.EOF) {
			return typedLine{line: string(line)}
		}
		if err != nil {
			return typedLine{err: err}
		}
		switch c {
		case '\r', '\n':
			return typedLine{line: string(line)}
		case keyCtrlC:
			return typedLine{err: interrupted(2)} // SIGINT
		case keyCtrlBack:
			return typedLine{err: interrupted(3)} // SIGQUIT
		case keyCtrlD:
			if len(line) == 0 {
				return typedLine{}
			}
		case keyBackspace, keyDelete:
			_, n := utf8.DecodeLastRune(line)
			line = line[:len(line)-n]
		case keyCtrlU:
			line = line[:0]
		default:
			if len(line) >= maxValueFile {
				return typedLine{err: fmt.Errorf("more than %d bytes", maxValueFile)}
			}
			line = append(line, c)
		}
	}
}

// interrupted ends envseal as signal sig would have: exit 128+sig, and
// nothing set.
func interrupted(sig int) error {
	return &exitCode{code: 128 + sig, msg: "interrupted: nothing was set"}
}

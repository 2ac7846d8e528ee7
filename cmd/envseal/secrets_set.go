package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"strings"

	"github.com/envseal/secret"
	"github.com/spf13/cobra"
)

// maxValueFile bounds what KEY=@path and KEY=- read: the library rejects
// values over 32 KiB anyway; this stops a wrong path from filling memory.
const maxValueFile = 1 << 20

func newSecretsSetCmd(a *app) *cobra.Command {
	var dotenv []string
	var assigns []assignment
	var replace bool
	cmd := &cobra.Command{
		Use:                   "set NAME [KEY=VALUE | KEY=@FILE | KEY=-]... [--from-dotenv FILE]... [--replace]",
		DisableFlagsInUseLine: true,
		Short:                 "Set secrets in a bundle, creating it if needed",
		Long: `Set secrets in bundle NAME. The keys given are merged into the bundle under
the store's lock; other keys are kept. With --replace the bundle is replaced
by exactly the keys given.

  KEY=VALUE   the value itself (it stays in your shell history)
  KEY=@FILE   the content of FILE, one trailing newline removed
  KEY=-       standard input, one trailing newline removed (one key only);
              on a terminal, a prompt reads one line without echoing it

--from-dotenv reads keys from .env files, in order; KEY=... arguments win over
them. An empty value is given as KEY= (an empty file or standard input is
refused as a likely mistake). A value that itself starts with @, or is -, is
given through a file or standard input.

` + storeHelp,
		Example: `  envseal secrets set openai OPENAI_API_KEY=-
  envseal secrets set db DB_PASSWORD=@./db-password.txt DB_USER=app
  envseal secrets set staging --from-dotenv .env.staging --replace`,
		Args: func(cmd *cobra.Command, args []string) error {
			var err error
			assigns, err = parseSetArgs(args, len(dotenv) > 0)
			return err
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			vals, err := readValues(cmd, dotenv, assigns)
			if err != nil {
				return err
			}
			return a.setBundle(cmd, args[0], vals, replace)
		},
	}
	cmd.Flags().StringArrayVar(&dotenv, "from-dotenv", nil, "read keys from the .env `FILE` (repeatable)")
	cmd.Flags().BoolVar(&replace, "replace", false, "replace the bundle instead of merging into it")
	return cmd
}

// setBundle merges vals into the bundle name, or with replace, makes them
// the whole bundle.
func (a *app) setBundle(cmd *cobra.Command, name string, vals map[string]string, replace bool) error {
	st, err := a.openStore()
	if err != nil {
		return err
	}
	if replace {
		err = st.Set(cmd.Context(), name, vals)
	} else {
		err = st.Update(cmd.Context(), name, func(env map[string]string) error {
			maps.Copy(env, vals)
			return nil
		})
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "envseal: set %d key(s) in %s\n", len(vals), name)
	return nil
}

// parseSetArgs checks the arguments of secrets set, NAME and its
// assignments, and returns the assignments; haveDotenv says whether
// --from-dotenv gave keys too.
func parseSetArgs(args []string, haveDotenv bool) ([]assignment, error) {
	switch {
	case len(args) == 0:
		return nil, errors.New("missing NAME")
	case len(args) == 1 && !haveDotenv:
		return nil, errors.New("nothing to set: give KEY=VALUE arguments or --from-dotenv")
	}
	return parseAssignments(args[1:])
}

// assignment is one KEY=VALUE, KEY=@FILE or KEY=- argument of secrets set.
type assignment struct{ key, value string }

// parseAssignments checks the KEY=... arguments of secrets set. Its errors
// never quote an argument: it may be a value typed in the wrong place.
func parseAssignments(args []string) ([]assignment, error) {
	out := make([]assignment, 0, len(args))
	usedStdin := false
	for i, kv := range args {
		pos := i + 2 // NAME is argument 1
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("argument %d is not KEY=VALUE, KEY=@FILE or KEY=-", pos)
		}
		if !secret.ValidKey(k) {
			// Nor k: a value with = in it (base64 padding) ends up here.
			return nil, fmt.Errorf("argument %d: the part before = is not a key name %s", pos, keyRule)
		}
		if v == "-" {
			if usedStdin {
				return nil, fmt.Errorf("only one key can read standard input (%s=-)", k)
			}
			usedStdin = true
		}
		out = append(out, assignment{k, v})
	}
	return out, nil
}

// readValues reads the .env files, then the values of the assignments on
// top, and checks every key and value with the library's rules.
func readValues(cmd *cobra.Command, dotenv []string, assigns []assignment) (map[string]string, error) {
	vals := map[string]string{}
	if len(dotenv) > 0 {
		env, err := secret.Resolve(cmd.Context(), secret.FromDotenv(dotenv...))
		if err != nil {
			return nil, err
		}
		vals = env.Map()
	}
	for _, a := range assigns {
		v, err := readValue(cmd, a)
		if err != nil {
			return nil, err
		}
		vals[a.key] = v
	}
	// The library's key and value rules; the error names the key, not the value.
	if _, err := secret.Resolve(cmd.Context(), secret.FromMap(vals)); err != nil {
		return nil, err
	}
	return vals, nil
}

// readValue is the value that the assignment a sets: the value itself, or
// what it reads from a file (KEY=@FILE) or standard input (KEY=-).
func readValue(cmd *cobra.Command, a assignment) (string, error) {
	switch {
	case a.value == "-":
		return readStdinValue(cmd.InOrStdin(), cmd.ErrOrStderr(), a.key)
	case strings.HasPrefix(a.value, "@"):
		return readFileValue(a.value[1:], a.key)
	}
	return a.value, nil
}

// readStdinValue reads the value of key from stdin: one line typed at a
// hidden prompt on a terminal, else all of it, less one trailing newline.
// An empty value is refused as a likely mistake.
func readStdinValue(stdin io.Reader, stderr io.Writer, key string) (string, error) {
	if tty := terminalFile(stdin); tty != nil {
		v, err := readHiddenLine(tty, stderr, key)
		if err != nil {
			return "", fmt.Errorf("reading %s from the terminal: %w", key, err)
		}
		if v == "" {
			return "", fmt.Errorf("no value entered for %s: nothing was set (to set an empty value, give %s=)", key, key)
		}
		return v, nil
	}
	b, err := readLimited(stdin)
	if err != nil {
		return "", fmt.Errorf("reading %s from standard input: %w", key, err)
	}
	v := trimNewline(b)
	if v == "" {
		return "", fmt.Errorf("standard input is empty: no value for %s, nothing was set (to set an empty value, give %s=)", key, key)
	}
	return v, nil
}

// readFileValue reads the value of key from the file at path, less one
// trailing newline. An empty value is refused as a likely mistake.
func readFileValue(path, key string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", key, err)
	}
	b, err := readLimited(f)
	f.Close()
	if err != nil {
		return "", fmt.Errorf("reading %s from %s: %w", key, path, err)
	}
	v := trimNewline(b)
	if v == "" {
		return "", fmt.Errorf("%s is empty: no value for %s, nothing was set (to set an empty value, give %s=)", path, key, key)
	}
	return v, nil
}

// readLimited reads all of r, up to maxValueFile bytes.
func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxValueFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxValueFile {
		return nil, fmt.Errorf("more than %d bytes", maxValueFile)
	}
	return b, nil
}

// trimNewline removes one trailing "\n" or "\r\n", as FromDir does.
func trimNewline(b []byte) string {
	s := string(b)
	if strings.HasSuffix(s, "\r\n") {
		return s[:len(s)-2]
	}
	return strings.TrimSuffix(s, "\n")
}

package main

import (
	"context"
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
		Args: argsBetween(1, -1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, assigns := args[0], args[1:]
			if len(assigns) == 0 && len(dotenv) == 0 {
				return usagef(cmd.CommandPath(), "nothing to set: give KEY=VALUE arguments or --from-dotenv")
			}
			vals, err := readAssignments(cmd.Context(), cmd.CommandPath(), dotenv, assigns, cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
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
		},
	}
	cmd.Flags().StringArrayVar(&dotenv, "from-dotenv", nil, "read keys from the .env `FILE` (repeatable)")
	cmd.Flags().BoolVar(&replace, "replace", false, "replace the bundle instead of merging into it")
	return cmd
}

// readAssignments reads the .env files, then the KEY=... arguments on top,
// and checks every key and value with the library's rules.
func readAssignments(ctx context.Context, cmdPath string, dotenv, assigns []string, stdin io.Reader, stderr io.Writer) (map[string]string, error) {
	vals := map[string]string{}
	if len(dotenv) > 0 {
		env, err := secret.Resolve(ctx, secret.FromDotenv(dotenv...))
		if err != nil {
			return nil, err
		}
		vals = env.Map()
	}
	usedStdin := false
	for i, kv := range assigns {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			// kv may be a value typed in the wrong place: do not echo it.
			return nil, usagef(cmdPath, "argument %d is not KEY=VALUE, KEY=@FILE or KEY=-", i+2)
		}
		if !secret.ValidKey(k) {
			// Nor k: a value with = in it (base64 padding) ends up here.
			return nil, usagef(cmdPath, "argument %d: the part before = is not a key name %s", i+2, keyRule)
		}
		switch {
		case v == "-":
			if usedStdin {
				return nil, usagef(cmdPath, "only one key can read standard input (%s=-)", k)
			}
			usedStdin = true
			if tty := terminalFile(stdin); tty != nil {
				var err error
				if v, err = readHiddenLine(tty, stderr, k); err != nil {
					return nil, fmt.Errorf("reading %s from the terminal: %w", k, err)
				}
				if v == "" {
					return nil, fmt.Errorf("no value entered for %s: nothing was set (to set an empty value, give %s=)", k, k)
				}
				break
			}
			b, err := readLimited(stdin)
			if err != nil {
				return nil, fmt.Errorf("reading %s from standard input: %w", k, err)
			}
			if v = trimNewline(b); v == "" {
				return nil, fmt.Errorf("standard input is empty: no value for %s, nothing was set (to set an empty value, give %s=)", k, k)
			}
		case strings.HasPrefix(v, "@"):
			f, err := os.Open(v[1:])
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", k, err)
			}
			b, err := readLimited(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("reading %s from %s: %w", k, v[1:], err)
			}
			path := v[1:]
			if v = trimNewline(b); v == "" {
				return nil, fmt.Errorf("%s is empty: no value for %s, nothing was set (to set an empty value, give %s=)", path, k, k)
			}
		}
		vals[k] = v
	}
	// The library's key and value rules; the error names the key, not the value.
	if _, err := secret.Resolve(ctx, secret.FromMap(vals)); err != nil {
		return nil, err
	}
	return vals, nil
}

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

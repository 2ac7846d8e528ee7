package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
)

// maxValueFile bounds what KEY=@path and KEY=- read: the library rejects
// values over 32 KiB anyway; this stops a wrong path from filling memory.
const maxValueFile = 1 << 20

func newSecretsSetCmd(a *app) *cobra.Command {
	var dotenv, describe []string
	var assigns []assignment
	var descs map[string]string
	var replace, writeOnly bool
	var description string
	cmd := &cobra.Command{
		Use:                   "set NAME [KEY=VALUE | KEY=@./FILE | KEY=-]... [--from-dotenv FILE]... [-d TEXT | --describe KEY=TEXT...] [--write-only] [--replace]",
		DisableFlagsInUseLine: true,
		Short:                 "Set secrets in a bundle, creating it if needed",
		Long: `Set secrets in bundle NAME. The keys given are merged into the bundle under
the store's lock; other keys are kept. With --replace the bundle is replaced
by exactly the keys given, and envseal names the keys that this removed.

  KEY=VALUE       the value itself (it stays in your shell history)
  KEY=@/PATH      the content of a file, one trailing newline removed; the
  KEY=@./PATH     path after @ must start with /, ./ or ../ (so a value that
                  happens to start with @ is never taken for a file name)
  KEY=-           standard input, one trailing newline removed (one key
                  only); on a terminal, a prompt reads one line without
                  echoing it

--from-dotenv reads keys from .env files, in order; KEY=... arguments win over
them. An empty value is given as KEY= (an empty file or standard input is
refused as a likely mistake). A value that itself starts with @, or is -, is
given through standard input or a .env file. Errors never print a value, nor
the text after @.

A key can have a description, which 'secrets get', 'secrets list --keys' and
'check' show (it is not secret, and is sealed with the bundle): -d TEXT
describes the one KEY=... given; --describe KEY=TEXT (repeatable) describes
any key set here or already in the bundle, also with no KEY=... at all. An
empty TEXT removes the description. A key keeps its description when its
value changes, and loses it when it is removed. A description is at most
` + strconv.Itoa(secret.MaxDescriptionLen) + ` bytes of UTF-8.

--write-only creates a write-only bundle, as fxn's secrets are: its values
are used by 'envseal run' and 'envseal check' (masked), but 'secrets get
--reveal' and 'secrets export' refuse to show them, for good: every later
write keeps the bundle write-only, and only 'secrets delete' ends it. An
existing bundle cannot become write-only (its values may have been shown
already). It keeps values off screens and out of files by mistake; it does
not stop whoever holds the store's key from reading them with the library.

` + storeHelp,
		Example: `  envseal secrets set openai OPENAI_API_KEY=- -d "OpenAI key for completions"
  envseal secrets set db DB_PASSWORD=@./db-password.txt DB_USER=app
  envseal secrets set db --describe DB_USER="the role the app logs in as"
  envseal secrets set prod-payments STRIPE_KEY=- --write-only
  envseal secrets set staging --from-dotenv .env.staging --replace`,
		Args: func(cmd *cobra.Command, args []string) error {
			var err error
			if descs, err = parseDescribe(describe); err != nil {
				return err
			}
			assigns, err = parseSetArgs(args, len(dotenv) > 0 || len(descs) > 0)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("description") {
				if len(assigns) != 1 || len(dotenv) > 0 {
					return errors.New("-d describes the one KEY=... given; to describe several keys, use --describe KEY=TEXT for each")
				}
				if _, dup := descs[assigns[0].key]; dup {
					return fmt.Errorf("-d and --describe both describe %s", assigns[0].key)
				}
				descs[assigns[0].key] = description
			}
			return nil
		},
		ValidArgsFunction: a.completeNameThenKeys(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			vals, err := readValues(cmd, dotenv, assigns)
			if err != nil {
				return err
			}
			return a.setBundle(cmd, args[0], vals, setOptions{replace: replace, descriptions: descs, writeOnly: writeOnly})
		},
	}
	cmd.Flags().StringArrayVar(&dotenv, "from-dotenv", nil, "read keys from the .env `FILE` (repeatable)")
	cmd.Flags().StringVarP(&description, "description", "d", "", "describe the one KEY=... given with `TEXT` (\"\" removes its description)")
	cmd.Flags().StringArrayVar(&describe, "describe", nil, "describe `KEY=TEXT`, a key set here or in the bundle (repeatable)")
	cmd.Flags().BoolVar(&writeOnly, "write-only", false, "create the bundle write-only: its values are never shown or exported")
	cmd.Flags().BoolVar(&replace, "replace", false, "replace the bundle instead of merging into it")
	cmd.Flags().BoolVar(&a.allowKeyChange, "allow-key-change", false, "write under this key even though the store's other bundles are sealed under another one")
	return cmd
}

// setOptions are what secrets set does besides setting values.
type setOptions struct {
	replace      bool              // the bundle becomes exactly the keys set
	descriptions map[string]string // key -> description; "" removes it
	writeOnly    bool              // create the bundle write-only
}

// setBundle merges vals into the bundle name, or with replace, makes them
// the whole bundle, sets the descriptions and write-only flag of o, and says
// on standard error how many keys it set, which it described and, with
// replace, which keys it removed.
func (a *app) setBundle(cmd *cobra.Command, name string, vals map[string]string, o setOptions) error {
	st, err := a.openStore()
	if err != nil {
		return err
	}
	var removed []string
	var writeOnly bool
	err = updateWithInfo(cmd.Context(), st, name, func(env map[string]string, info *secret.BundleInfo) error {
		removed = removed[:0]
		if o.replace {
			for k := range env {
				if _, ok := vals[k]; !ok {
					removed = append(removed, k)
				}
			}
			clear(env)
		}
		maps.Copy(env, vals)
		var absent []string
		for _, k := range slices.Sorted(maps.Keys(o.descriptions)) {
			if _, ok := env[k]; !ok {
				absent = append(absent, k)
			}
			info.Descriptions[k] = o.descriptions[k]
		}
		if len(absent) > 0 {
			return fmt.Errorf("no key %s to describe: nothing was changed (set a key and its description with KEY=VALUE -d TEXT)", strings.Join(absent, ", "))
		}
		info.WriteOnly = info.WriteOnly || o.writeOnly
		writeOnly = info.WriteOnly
		return nil
	})
	if err != nil {
		return err
	}
	var parts []string
	if len(vals) > 0 || len(o.descriptions) == 0 {
		parts = append(parts, fmt.Sprintf("set %d key(s) in %s", len(vals), name))
	}
	var described, undescribed []string
	for _, k := range slices.Sorted(maps.Keys(o.descriptions)) {
		if o.descriptions[k] == "" {
			undescribed = append(undescribed, k)
		} else {
			described = append(described, k)
		}
	}
	if len(described) > 0 {
		parts = append(parts, fmt.Sprintf("described %s in %s", strings.Join(described, ", "), name))
	}
	if len(undescribed) > 0 {
		parts = append(parts, fmt.Sprintf("removed the description of %s in %s", strings.Join(undescribed, ", "), name))
	}
	if o.replace {
		parts = append(parts, "--replace removed "+keyList(removed))
	}
	if o.writeOnly && writeOnly {
		parts = append(parts, name+" is write-only: its values are never shown or exported")
	}
	fmt.Fprintln(cmd.ErrOrStderr(), "envseal: "+strings.Join(parts, "; "))
	return nil
}

// parseDescribe parses the --describe KEY=TEXT flags. Its errors name the
// flag by position, and never quote it.
func parseDescribe(flags []string) (map[string]string, error) {
	out := make(map[string]string, len(flags))
	for i, kv := range flags {
		k, text, ok := strings.Cut(kv, "=")
		if !ok || !secret.ValidKey(k) {
			return nil, fmt.Errorf("--describe %d wants KEY=TEXT, KEY a key name %s", i+1, keyRule)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("--describe describes %s twice", k)
		}
		out[k] = text
	}
	return out, nil
}

// keyList is "no other key", or the number of keys and their names, sorted.
func keyList(keys []string) string {
	if len(keys) == 0 {
		return "no other key"
	}
	slices.Sort(keys)
	return fmt.Sprintf("%d other key(s): %s", len(keys), strings.Join(keys, ", "))
}

// parseSetArgs checks the arguments of secrets set, NAME and its
// assignments, and returns the assignments; haveDotenv says whether
// --from-dotenv gave keys too.
func parseSetArgs(args []string, haveDotenv bool) ([]assignment, error) {
	switch {
	case len(args) == 0:
		return nil, errors.New("missing NAME")
	case strings.Contains(args[0], "="):
		return nil, errors.New("argument 1 looks like KEY=VALUE (not shown), but NAME goes first: envseal secrets set NAME KEY=VALUE [KEY=VALUE]")
	}
	if err := checkBundleArg(args, 0); err != nil {
		return nil, err
	}
	if len(args) == 1 && !haveDotenv {
		return nil, errors.New("nothing to set: give KEY=VALUE arguments or --from-dotenv")
	}
	return parseAssignments(args[1:])
}

// assignment is one KEY=VALUE, KEY=@FILE or KEY=- argument of secrets set,
// argument pos of the command.
type assignment struct {
	key, value string
	pos        int
}

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
		if path, ok := strings.CutPrefix(v, "@"); ok && !explicitPath(path) {
			return nil, fmt.Errorf("argument %d: %s=@... reads a file, but the text after @ (not shown) is not a path starting with /, ./ or ../; "+
				"for a file in this folder write %s=@./FILE; to set a value that starts with @, give it through standard input (%s=-)", pos, k, k, k)
		}
		out = append(out, assignment{k, v, pos})
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
		return readFileValue(a.value[1:], a)
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

// explicitPath reports whether p is a path that says it is one: absolute,
// or starting with ./ or ../ (or .\ and ..\ on Windows).
func explicitPath(p string) bool {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
		return true
	}
	return filepath.Separator == '\\' && (strings.HasPrefix(p, `.\`) || strings.HasPrefix(p, `..\`))
}

// readFileValue reads the value of the assignment a from the file at path,
// less one trailing newline. An empty value is refused as a likely mistake.
// Its errors name the key and the argument, never the path: it came after
// an @ that might have started a value.
func readFileValue(path string, a assignment) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("argument %d: reading the file for %s: %w", a.pos, a.key, withoutPath(err))
	}
	b, err := readLimited(f)
	f.Close()
	if err != nil {
		return "", fmt.Errorf("argument %d: reading the file for %s: %w", a.pos, a.key, withoutPath(err))
	}
	v := trimNewline(b)
	if v == "" {
		return "", fmt.Errorf("argument %d: the file for %s is empty: no value for %s, nothing was set (to set an empty value, give %s=)", a.pos, a.key, a.key, a.key)
	}
	return v, nil
}

// withoutPath is err less the path that an *fs.PathError names.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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

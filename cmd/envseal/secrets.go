package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
)

func newSecretsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the named bundles of secrets in the store",
		Long: `Manage the named bundles of secrets in the encrypted store. A bundle name
matches ` + bundleNameRule + `; a key matches [A-Za-z_][A-Za-z0-9_]*.

` + storeHelp,
		Args: noSubcommand,
		RunE: showHelp,
	}
	cmd.AddCommand(newSecretsSetCmd(a), newSecretsGetCmd(a), newSecretsListCmd(a), newSecretsDeleteCmd(a),
		newSecretsUnsetCmd(a), newSecretsImportCmd(a), newSecretsExportCmd(a), newSecretsHistoryCmd(a), newSecretsRollbackCmd(a))
	return cmd
}

// nameArgs accepts NAME then min-1 to max-1 more arguments (max < 0: no
// limit), NAME being a bundle name and every further argument a key name.
// Errors name arguments by position, never by their text.
func nameArgs(min, max int, want string) cobra.PositionalArgs {
	count := argsBetween(min, max, want)
	return func(cmd *cobra.Command, args []string) error {
		if err := count(cmd, args); err != nil {
			return err
		}
		if err := checkBundleArg(args, 0); err != nil {
			return err
		}
		return checkKeyArgs(args, 1)
	}
}

// checkKeyArgs checks that every argument from the from'th on is a key name.
func checkKeyArgs(args []string, from int) error {
	for i := from; i < len(args); i++ {
		if !secret.ValidKey(args[i]) {
			return fmt.Errorf("argument %d is not a key name: %s", i+1, notANameHint(args[i], keyRule))
		}
	}
	return nil
}

func newSecretsGetCmd(a *app) *cobra.Command {
	var reveal, asJSON bool
	cmd := &cobra.Command{
		Use:                   "get [--reveal] [--json] NAME [KEY]",
		DisableFlagsInUseLine: true,
		Short:                 "Show the secrets of a bundle, masked",
		Long: `Show the keys of bundle NAME with their values masked, or one KEY, each
with its description when it has one (see 'secrets set -d').

` + maskHelp + `

With --reveal, values are printed as they are: one KEY prints its value and a
newline; a whole bundle prints as a .env file that 'secrets import' and
'secrets set --from-dotenv' read back exactly. A write-only bundle (see
'secrets set --write-only') refuses --reveal.

With --json, the output is one JSON object:

  {"name": "openai", "secrets": [{"key": "OPENAI_API_KEY", "length": 51,
   "description": "OpenAI key for completions"}]}

"secrets" lists the keys in order (only KEY when it is given), each with the
length of its value in bytes and its description, if any; with --reveal,
each also has "value". A value that is not valid UTF-8 cannot be put in JSON
exactly, and is refused. A write-only bundle has "write_only": true.

Descriptions are shown with every character that is not printable (escape
sequences, line breaks) written as an escape such as \x1b or \n; JSON has
them as they are, JSON-escaped.

` + storeHelp,
		Example: `  envseal secrets get openai
  envseal secrets get --reveal openai OPENAI_API_KEY
  envseal secrets get --json openai | jq -r '.secrets[].key'`,
		Args:              nameArgs(1, 2, "NAME [KEY]"),
		ValidArgsFunction: a.completeNameThenKeys(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.openExistingStore()
			if err != nil {
				return err
			}
			name := args[0]
			bundle, info, err := getWithInfo(ctx, st, name)
			if err != nil {
				return explainBundleError(ctx, st, name, err)
			}
			if len(args) == 2 {
				v, ok := bundle[args[1]]
				if !ok {
					return fmt.Errorf("bundle %s has no key %s", name, args[1])
				}
				bundle = map[string]string{args[1]: v}
			}
			if reveal && info.WriteOnly {
				return writeOnlyError(name, "--reveal is refused")
			}
			out := cmd.OutOrStdout()
			switch {
			case asJSON:
				return writeBundleJSON(out, name, bundle, info, reveal)
			case len(args) == 2 && reveal:
				_, err = fmt.Fprintln(out, bundle[args[1]])
				return err
			case len(args) == 2:
				line := mask(bundle[args[1]])
				if d := info.Descriptions[args[1]]; d != "" {
					line += "  " + escapeText(d)
				}
				_, err = fmt.Fprintln(out, line)
				return err
			}
			return printBundle(out, bundle, info, reveal)
		},
	}
	cmd.Flags().BoolVar(&reveal, "reveal", false, "print the values themselves")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (values only with --reveal)")
	return cmd
}

// bundleJSON is the output of secrets get --json.
type bundleJSON struct {
	Name      string       `json:"name"`
	WriteOnly bool         `json:"write_only,omitempty"`
	Secrets   []secretJSON `json:"secrets"`
}

// secretJSON is one key of a bundleJSON. Value is set only when revealed.
type secretJSON struct {
	Key         string  `json:"key"`
	Length      int     `json:"length"`
	Description string  `json:"description,omitempty"`
	Value       *string `json:"value,omitempty"`
}

// writeBundleJSON prints bundle, with its info, as a bundleJSON; with
// reveal, with values.
func writeBundleJSON(w io.Writer, name string, bundle map[string]string, info secret.BundleInfo, reveal bool) error {
	out := bundleJSON{Name: name, WriteOnly: info.WriteOnly, Secrets: []secretJSON{}}
	for _, k := range slices.Sorted(maps.Keys(bundle)) {
		v := bundle[k]
		s := secretJSON{Key: k, Length: len(v), Description: info.Descriptions[k]}
		if reveal {
			if !utf8.ValidString(v) {
				return notUTF8Error(k)
			}
			s.Value = &v
		}
		out.Secrets = append(out.Secrets, s)
	}
	return writeJSON(w, out)
}

// notUTF8Error refuses to put the value of key in JSON or YAML, which
// would change it.
func notUTF8Error(key string) error {
	return fmt.Errorf("the value of %s is not valid UTF-8, which JSON cannot hold exactly: use the .env form instead", key)
}

// writeJSON prints v as indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newSecretsListCmd(a *app) *cobra.Command {
	var keys, asJSON bool
	cmd := &cobra.Command{
		Use:                   "list [--keys] [--json]",
		Aliases:               []string{"ls"},
		DisableFlagsInUseLine: true,
		Short:                 "List the bundles in the store; never their values",
		Long: `List the names of the bundles in the store, one a line. With --keys, also
when each was last updated, the names of its keys, and in NOTES whether it is
write-only and the description of each key that has one (escaped as 'secrets
get' shows them). Values are never shown. An empty store, or one whose folder
does not exist yet, prints nothing.

With --json, the output is one JSON object:

  {"bundles": [{"name": "openai"}]}

with --keys, each bundle also has "keys" (sorted), when known, "updated"
(RFC 3339), and when it has them, "descriptions" (an object, key to
description) and "write_only": true.

` + storeHelp,
		Example: `  envseal secrets list
  envseal secrets ls --keys
  envseal secrets list --json | jq -r '.bundles[].name'`,
		Args: noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.openExistingStore()
			if err != nil {
				return err
			}
			names, err := st.List(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case asJSON:
				return writeListJSON(cmd.Context(), out, st, names, keys)
			case keys:
				return printBundleKeys(cmd.Context(), out, st, names)
			}
			for _, n := range names {
				fmt.Fprintln(out, n)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&keys, "keys", false, "also show the key names of each bundle")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// listJSON is the output of secrets list --json.
type listJSON struct {
	Bundles []listEntryJSON `json:"bundles"`
}

// listEntryJSON is one bundle of a listJSON; the fields other than Name
// only with --keys.
type listEntryJSON struct {
	Name         string            `json:"name"`
	Updated      string            `json:"updated,omitempty"`
	Keys         []string          `json:"keys,omitempty"`
	Descriptions map[string]string `json:"descriptions,omitempty"`
	WriteOnly    bool              `json:"write_only,omitempty"`
}

func writeListJSON(ctx context.Context, w io.Writer, st bundleStore, names []string, keys bool) error {
	out := listJSON{Bundles: []listEntryJSON{}}
	for _, n := range names {
		e := listEntryJSON{Name: n}
		if keys {
			bundle, info, err := getWithInfo(ctx, st, n)
			if err != nil {
				return explainBundleError(ctx, st, n, err)
			}
			e.Keys = slices.Sorted(maps.Keys(bundle))
			e.WriteOnly = info.WriteOnly
			if len(info.Descriptions) > 0 {
				e.Descriptions = info.Descriptions
			}
			if t, ok := updated(st, n); ok {
				e.Updated = t.Format(time.RFC3339)
			}
		}
		out.Bundles = append(out.Bundles, e)
	}
	return writeJSON(w, out)
}

func newSecretsDeleteCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "delete NAME",
		Aliases: []string{"rm"},
		Short:   "Delete a bundle",
		Long: `Delete bundle NAME and every secret in it, under the store's lock. The
store keeps its versions (see 'envseal secrets history NAME'): 'envseal
secrets rollback NAME VERSION' brings one back. To remove some keys only, see
'envseal secrets unset'.

` + storeHelp,
		Example:           `  envseal secrets delete staging`,
		Args:              nameArgs(1, 1, "NAME"),
		ValidArgsFunction: a.completeNameThenKeys(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openExistingStore()
			if err != nil {
				return err
			}
			if err := st.Delete(cmd.Context(), args[0]); err != nil {
				return explainBundleError(cmd.Context(), st, args[0], err)
			}
			return nil
		},
	}
}

// printBundle prints the keys of bundle with their values masked and their
// descriptions, in a table; with reveal, as a .env file.
func printBundle(w io.Writer, bundle map[string]string, info secret.BundleInfo, reveal bool) error {
	if reveal {
		_, err := io.WriteString(w, dotenvText(bundle))
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, k := range slices.Sorted(maps.Keys(bundle)) {
		if d := info.Descriptions[k]; d != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", k, mask(bundle[k]), escapeText(d))
		} else {
			fmt.Fprintf(tw, "%s\t%s\n", k, mask(bundle[k]))
		}
	}
	return tw.Flush()
}

// dotenvText is bundle as a .env file, KEY=VALUE a line in key order, that
// FromDotenv reads back exactly.
func dotenvText(bundle map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(bundle)) {
		b.WriteString(k + "=" + dotenvQuote(bundle[k]) + "\n")
	}
	return b.String()
}

// printBundleKeys prints a table of the named bundles of st: when each was
// last written, its keys, and NOTES: whether it is write-only, and the
// descriptions of its keys.
func printBundleKeys(ctx context.Context, w io.Writer, st bundleStore, names []string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tUPDATED\tKEYS\tNOTES")
	for _, n := range names {
		bundle, info, err := getWithInfo(ctx, st, n)
		if err != nil {
			return explainBundleError(ctx, st, n, err)
		}
		when := "-"
		if t, ok := updated(st, n); ok {
			when = t.Format("2006-01-02 15:04:05")
		}
		keys := strings.Join(slices.Sorted(maps.Keys(bundle)), ",")
		var notes []string
		if info.WriteOnly {
			notes = append(notes, "write-only")
		}
		if len(info.Descriptions) > 0 {
			notes = append(notes, describedKeys(info.Descriptions))
		}
		if len(notes) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", n, when, keys)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n, when, orDash(keys), strings.Join(notes, "; "))
	}
	return tw.Flush()
}

// updated is when bundle name was last written, for a store kept in a folder:
// the modification time of its sealed file, "<name>.sealed" (FileStore's
// layout). Other stores do not say.
func updated(st bundleStore, name string) (time.Time, bool) {
	fst, ok := st.(*secret.FileStore)
	if !ok {
		return time.Time{}, false
	}
	dir := fst.Dir()
	if env := fst.Environment(); env != secret.DefaultEnvironment {
		dir = filepath.Join(dir, "environments", env)
	}
	fi, err := os.Stat(filepath.Join(dir, name+".sealed"))
	if err != nil {
		return time.Time{}, false
	}
	return fi.ModTime(), true
}

// dotenvQuote writes v so that a .env parser reads back exactly v: bare when
// it is made of safe characters, else double-quoted with \n \r \t \\ \" \$
// escaped.
func dotenvQuote(v string) string {
	safe := v != ""
	for i := 0; i < len(v) && safe; i++ {
		c := v[i]
		safe = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_./:@+,=%", c) >= 0
	}
	if safe {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(v) + `"`
}

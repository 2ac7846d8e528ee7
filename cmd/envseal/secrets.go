package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/envseal/secret"
	"github.com/spf13/cobra"
)

func newSecretsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the named bundles of secrets in the store",
		Long: `Manage the named bundles of secrets in the encrypted store. A bundle name
matches [a-z0-9][a-z0-9_-]{0,63}; a key matches [A-Za-z_][A-Za-z0-9_]*.

` + storeHelp,
		Args: noSubcommand,
		RunE: showHelp,
	}
	cmd.AddCommand(newSecretsSetCmd(a), newSecretsGetCmd(a), newSecretsListCmd(a), newSecretsDeleteCmd(a))
	return cmd
}

func newSecretsGetCmd(a *app) *cobra.Command {
	var reveal bool
	cmd := &cobra.Command{
		Use:                   "get [--reveal] NAME [KEY]",
		DisableFlagsInUseLine: true,
		Short:                 "Show the secrets of a bundle, masked",
		Long: `Show the keys of bundle NAME with their values masked, or one KEY.

` + maskHelp + `

With --reveal, values are printed as they are: one KEY prints its value and a
newline; a whole bundle prints as a .env file that 'secrets set --from-dotenv'
reads back.

` + storeHelp,
		Example: `  envseal secrets get openai
  envseal secrets get --reveal openai OPENAI_API_KEY`,
		Args: argsBetween(1, 2, "NAME [KEY]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openStore()
			if err != nil {
				return err
			}
			name := args[0]
			bundle, err := st.Get(cmd.Context(), name)
			if err != nil {
				return explainBundleError(name, err)
			}
			if len(args) == 1 {
				return printBundle(cmd.OutOrStdout(), bundle, reveal)
			}
			v, ok := bundle[args[1]]
			if !ok {
				return fmt.Errorf("bundle %s has no key %s", name, args[1])
			}
			if !reveal {
				v = mask(v)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), v)
			return err
		},
	}
	cmd.Flags().BoolVar(&reveal, "reveal", false, "print the values themselves")
	return cmd
}

func newSecretsListCmd(a *app) *cobra.Command {
	var keys bool
	cmd := &cobra.Command{
		Use:                   "list [--keys]",
		DisableFlagsInUseLine: true,
		Short:                 "List the bundles in the store; never their values",
		Long: `List the names of the bundles in the store. With --keys, also when each was
last updated and the names of its keys. Values are never shown.

` + storeHelp,
		Example: `  envseal secrets list
  envseal secrets list --keys`,
		Args: noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.openStore()
			if err != nil {
				return err
			}
			names, err := st.List(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if keys {
				return printBundleKeys(cmd.Context(), out, st, names)
			}
			for _, n := range names {
				fmt.Fprintln(out, n)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&keys, "keys", false, "also show the key names of each bundle")
	return cmd
}

func newSecretsDeleteCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a bundle",
		Long: `Delete bundle NAME and every secret in it, under the store's lock. There is
no undo: 'envseal secrets get --reveal NAME > NAME.env' first keeps a copy
(in clear text; remove it when done).

` + storeHelp,
		Example: `  envseal secrets delete staging`,
		Args:    argsBetween(1, 1, "NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openStore()
			if err != nil {
				return err
			}
			if err := st.Delete(cmd.Context(), args[0]); err != nil {
				return explainBundleError(args[0], err)
			}
			return nil
		},
	}
}

// printBundle prints the keys of bundle with their values masked, in a table;
// with reveal, as a .env file.
func printBundle(w io.Writer, bundle map[string]string, reveal bool) error {
	keys := slices.Sorted(maps.Keys(bundle))
	if reveal {
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(k + "=" + dotenvQuote(bundle[k]) + "\n")
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\n", k, mask(bundle[k]))
	}
	return tw.Flush()
}

// printBundleKeys prints a table of the named bundles of st: when each was
// last written, and its keys.
func printBundleKeys(ctx context.Context, w io.Writer, st *secret.FileStore, names []string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tUPDATED\tKEYS")
	for _, n := range names {
		bundle, err := st.Get(ctx, n)
		if err != nil {
			return explainBundleError(n, err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", n, updated(st, n), strings.Join(slices.Sorted(maps.Keys(bundle)), ","))
	}
	return tw.Flush()
}

// updated is when bundle name was last written: the modification time of its
// sealed file, "<name>.sealed" in the store's folder (FileStore's layout).
func updated(st *secret.FileStore, name string) string {
	fi, err := os.Stat(filepath.Join(st.Dir(), name+".sealed"))
	if err != nil {
		return "-"
	}
	return fi.ModTime().Format("2006-01-02 15:04:05")
}

// explainBundleError says plainly that a bundle does not exist.
func explainBundleError(name string, err error) error {
	if errors.Is(err, secret.ErrNotFound) {
		return fmt.Errorf("no bundle named %q in the store (see 'envseal secrets list')", name)
	}
	return err
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

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
)

// historyStore returns st's history, or an error when the store keeps none.
func historyStore(st bundleStore) (secret.HistoryStore, error) {
	h, ok := st.(secret.HistoryStore)
	if !ok {
		return nil, errors.New("this store keeps no history of its bundles")
	}
	return h, nil
}

func newSecretsHistoryCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history NAME [--json]",
		Short: "List the versions of a bundle: when, and which keys changed",
		Long: `List the versions of bundle NAME that the store keeps, oldest first, the
current one last: its number, when it was written, and the keys it added,
removed and changed, compared with the version before it. Values are never
shown. Every set, import, unset, delete and rollback makes a version; the
store keeps the last ten besides the current one ($ENVSEAL_HISTORY sets how
many, 0 for none). 'envseal secrets rollback NAME VERSION' restores one.

With --json, the versions are a JSON array of
{"version": N, "time": "RFC 3339", "deleted": bool, "added": [...],
"removed": [...], "changed": [...]}.

` + storeHelp,
		Example: `  envseal secrets history openai
  envseal secrets history openai --json`,
		DisableFlagsInUseLine: true,
		Args:                  nameArgs(1, 1, "NAME"),
		ValidArgsFunction:     a.completeNameThenKeys(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.openExistingStore()
			if err != nil {
				return err
			}
			h, err := historyStore(st)
			if err != nil {
				return err
			}
			vs, err := h.History(cmd.Context(), args[0])
			if err != nil {
				return explainBundleError(cmd.Context(), st, args[0], err)
			}
			if asJSON {
				return writeHistoryJSON(cmd.OutOrStdout(), vs)
			}
			return writeHistory(cmd.OutOrStdout(), vs)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the versions as JSON")
	return cmd
}

// writeHistory prints versions as a table.
func writeHistory(w io.Writer, vs []secret.Version) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tTIME\tCHANGES")
	for _, v := range vs {
		when := "-"
		if !v.Time.IsZero() {
			when = v.Time.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", v.Number, when, changes(v))
	}
	return tw.Flush()
}

// changes says what version v changed, by key name.
func changes(v secret.Version) string {
	var parts []string
	if v.Deleted {
		parts = append(parts, "deleted")
	}
	for _, c := range []struct {
		what string
		keys []string
	}{{"added", v.Added}, {"removed", v.Removed}, {"changed", v.Changed}} {
		if len(c.keys) > 0 && !(v.Deleted && c.what == "removed") {
			parts = append(parts, c.what+" "+strings.Join(c.keys, ", "))
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}

func writeHistoryJSON(w io.Writer, vs []secret.Version) error {
	type version struct {
		Version int       `json:"version"`
		Time    time.Time `json:"time"`
		Deleted bool      `json:"deleted"`
		Added   []string  `json:"added"`
		Removed []string  `json:"removed"`
		Changed []string  `json:"changed"`
	}
	out := make([]version, len(vs))
	for i, v := range vs {
		out[i] = version{v.Number, v.Time.UTC(), v.Deleted, nonNil(v.Added), nonNil(v.Removed), nonNil(v.Changed)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func newSecretsRollbackCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollback NAME VERSION",
		Short: "Make an earlier version of a bundle current again",
		Long: `Make the keys and values of version VERSION of bundle NAME (see 'envseal
secrets history NAME') the bundle's again, exactly, as a new version: the
history is never rewritten, so a rollback can itself be rolled back. A
version that records the bundle's deletion cannot be restored; restore the
one before it.

` + storeHelp,
		Example:               `  envseal secrets rollback openai 3`,
		DisableFlagsInUseLine: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := argsBetween(2, 2, "NAME VERSION")(cmd, args); err != nil {
				return err
			}
			if err := checkBundleArg(args, 0); err != nil {
				return err
			}
			if n, err := strconv.Atoi(args[1]); err != nil || n <= 0 {
				return errors.New("argument 2: VERSION must be a version number, as 'envseal secrets history' lists them")
			}
			return nil
		},
		ValidArgsFunction: a.completeNameThenKeys(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, _ := strconv.Atoi(args[1])
			st, err := a.openExistingStore()
			if err != nil {
				return err
			}
			h, err := historyStore(st)
			if err != nil {
				return err
			}
			if err := h.Rollback(cmd.Context(), args[0], n); err != nil {
				if _, herr := h.History(cmd.Context(), args[0]); herr == nil && errors.Is(err, secret.ErrNotFound) {
					return fmt.Errorf("bundle %s has no version %d (the store keeps the last ones only): see 'envseal secrets history %s'", args[0], n, args[0])
				}
				return explainBundleError(cmd.Context(), st, args[0], err)
			}
			vs, err := h.History(cmd.Context(), args[0])
			if err == nil && len(vs) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "envseal: %s is now version %d, with the keys and values of version %d\n", args[0], vs[len(vs)-1].Number, n)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&a.allowKeyChange, "allow-key-change", false, "write under this key even though the store's other bundles are sealed under another one")
	return cmd
}

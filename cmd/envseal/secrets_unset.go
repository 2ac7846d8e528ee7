package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

func newSecretsUnsetCmd(a *app) *cobra.Command {
	var missingOK bool
	cmd := &cobra.Command{
		Use:                   "unset NAME KEY... [--missing-ok]",
		DisableFlagsInUseLine: true,
		Short:                 "Remove keys from a bundle",
		Long: `Remove the keys given from bundle NAME, under the store's lock: all of them,
or none. If the bundle lacks one of them, envseal names every key it lacks,
removes nothing, and exits 1, so that a mistyped key does not leave the
bundle half changed. With --missing-ok, keys the bundle lacks are skipped
(and named on standard error) and the others are removed.

The bundle is kept, even when no key is left ('envseal secrets delete NAME'
removes it). A bundle that does not exist is an error, with --missing-ok too.

` + storeHelp,
		Example: `  envseal secrets unset app OLD_TOKEN
  envseal secrets unset app LEGACY_A LEGACY_B --missing-ok`,
		Args:              nameArgs(2, -1, "NAME KEY..."),
		ValidArgsFunction: a.completeNameThenKeys(-1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.unsetKeys(cmd, args[0], args[1:], missingOK)
		},
	}
	cmd.Flags().BoolVar(&missingOK, "missing-ok", false, "skip keys the bundle does not have, instead of failing")
	cmd.Flags().BoolVar(&a.allowKeyChange, "allow-key-change", false, "write under this key even though the store's other bundles are sealed under another one")
	return cmd
}

// errNoChange stops an Update that would change nothing.
var errNoChange = errors.New("no change")

// absentKeysError is an unset of keys that the bundle does not have.
type absentKeysError struct {
	name   string
	absent []string
}

func (e *absentKeysError) Error() string {
	return fmt.Sprintf("bundle %s has no key %s: nothing was removed (--missing-ok removes the others)", e.name, strings.Join(e.absent, ", "))
}

// unsetKeys removes keys from the bundle name, as the help of unset says.
func (a *app) unsetKeys(cmd *cobra.Command, name string, keys []string, missingOK bool) error {
	ctx := cmd.Context()
	st, err := a.openExistingStore()
	if err != nil {
		return err
	}
	// Update would create a bundle that does not exist: check first, and
	// name the bundles that do.
	if _, err := st.Get(ctx, name); err != nil {
		return explainBundleError(ctx, st, name, err)
	}
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	var removed, absent []string
	err = st.Update(ctx, name, func(env map[string]string) error {
		removed, absent = nil, nil
		for _, k := range keys {
			if _, ok := env[k]; ok {
				removed = append(removed, k)
			} else {
				absent = append(absent, k)
			}
		}
		switch {
		case len(absent) > 0 && !missingOK:
			return &absentKeysError{name: name, absent: absent}
		case len(removed) == 0:
			// Nothing to write; and a bundle deleted since Get is not
			// made again.
			return errNoChange
		}
		for _, k := range removed {
			delete(env, k)
		}
		return nil
	})
	var ae *absentKeysError
	switch {
	case errors.As(err, &ae):
		return ae
	case err != nil && !errors.Is(err, errNoChange):
		return err
	}
	msg := fmt.Sprintf("envseal: removed %d key(s) from %s", len(removed), name)
	if len(removed) > 0 {
		msg += ": " + strings.Join(removed, ", ")
	}
	if len(absent) > 0 {
		msg += "; not present: " + strings.Join(absent, ", ")
	}
	fmt.Fprintln(cmd.ErrOrStderr(), msg)
	return nil
}

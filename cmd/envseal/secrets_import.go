package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
)

func newSecretsImportCmd(a *app) *cobra.Command {
	var replace, writeOnly bool
	cmd := &cobra.Command{
		Use:                   "import NAME FILE.env [--replace] [--write-only]",
		DisableFlagsInUseLine: true,
		Short:                 "Import a .env file into a bundle, creating it if needed",
		Long: `Import the keys of the .env file FILE into bundle NAME, under the store's
lock, creating the bundle if needed. The keys of the file are merged into the
bundle: other keys are kept. With --replace the bundle becomes exactly the
keys of the file.

The file is read with the .env rules of 'envseal run --dotenv' (see the
README): every value is read exactly as written, or the file is refused with
its line number, and nothing is imported. A file with no keys is refused.
What 'envseal secrets export NAME --format dotenv' writes imports back to the
same bundle.

envseal then names the keys it added, changed and left unchanged, and with
--replace, the keys it removed; never a value. Keys keep their descriptions.
--write-only creates the bundle write-only, as 'secrets set --write-only'
does.

` + storeHelp,
		Example: `  envseal secrets import staging .env.staging
  envseal secrets export prod --out prod.env && envseal secrets import prod-copy prod.env --replace`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := argsBetween(2, 2, "NAME FILE.env")(cmd, args); err != nil {
				return err
			}
			return checkBundleArg(args, 0)
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return a.completeBundleNames(cmd, args, toComplete)
			}
			if len(args) == 1 {
				return nil, cobra.ShellCompDirectiveDefault // a file
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importDotenv(cmd, args[0], args[1], replace, writeOnly)
		},
	}
	cmd.Flags().BoolVar(&replace, "replace", false, "replace the bundle instead of merging into it")
	cmd.Flags().BoolVar(&writeOnly, "write-only", false, "create the bundle write-only: its values are never shown or exported")
	cmd.Flags().BoolVar(&a.allowKeyChange, "allow-key-change", false, "write under this key even though the store's other bundles are sealed under another one")
	return cmd
}

// importDotenv imports the .env file path into bundle name, as the help of
// import says.
func (a *app) importDotenv(cmd *cobra.Command, name, path string, replace, writeOnly bool) error {
	ctx := cmd.Context()
	// Resolve applies the library's key and value rules too.
	env, err := secret.Resolve(ctx, secret.FromDotenv(path))
	if err != nil {
		return err
	}
	vals := env.Map()
	if len(vals) == 0 {
		return fmt.Errorf("%s has no keys: nothing was imported", path)
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	var d bundleDiff
	err = updateWithInfo(ctx, st, name, func(bundle map[string]string, info *secret.BundleInfo) error {
		d = diffBundle(bundle, vals, replace)
		if replace {
			clear(bundle)
		}
		maps.Copy(bundle, vals)
		info.WriteOnly = info.WriteOnly || writeOnly
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "envseal: imported %d key(s) from %s into %s: %s\n", len(vals), path, name, d)
	return nil
}

// bundleDiff is what writing some keys into a bundle does, by key name.
type bundleDiff struct {
	added, changed, unchanged, removed []string
}

// diffBundle compares the bundle old with the keys vals written into it;
// with replace, the keys of old that vals lacks are removed.
func diffBundle(old, vals map[string]string, replace bool) bundleDiff {
	var d bundleDiff
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		v, ok := old[k]
		switch {
		case !ok:
			d.added = append(d.added, k)
		case v != vals[k]:
			d.changed = append(d.changed, k)
		default:
			d.unchanged = append(d.unchanged, k)
		}
	}
	if replace {
		for _, k := range slices.Sorted(maps.Keys(old)) {
			if _, ok := vals[k]; !ok {
				d.removed = append(d.removed, k)
			}
		}
	}
	return d
}

// String is "added A, B; changed C; unchanged D; removed E", leaving out
// what is empty.
func (d bundleDiff) String() string {
	var parts []string
	for _, p := range []struct {
		what string
		keys []string
	}{{"added", d.added}, {"changed", d.changed}, {"unchanged", d.unchanged}, {"removed", d.removed}} {
		if len(p.keys) > 0 {
			parts = append(parts, p.what+" "+strings.Join(p.keys, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

package main

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// completionTimeout bounds the store reads of one shell completion: a
// completion that cannot finish quickly offers nothing instead.
const completionTimeout = 2 * time.Second

// completeNameThenKeys completes the arguments NAME [KEY]...: the names of
// the store's bundles first, then up to maxKeys key names of that bundle
// (maxKeys < 0: any number). Completion never fails loudly and never asks
// anything: when the store cannot be read (no key, no folder, a wrong key),
// it offers nothing. It never creates the store's folder, and never reads a
// value other than to find the key names of the bundle named.
func (a *app) completeNameThenKeys(maxKeys int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch {
		case len(args) == 0:
			return a.completeBundleNames(cmd, args, toComplete)
		case maxKeys >= 0 && len(args) > maxKeys:
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return a.completeKeys(cmd, args[0], args[1:], toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeBundleNames offers the names of the store's bundles that start
// with toComplete.
func (a *app) completeBundleNames(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	ctx, cancel := completionContext(cmd)
	defer cancel()
	st, err := a.openExistingStore()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names, err := st.List(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, toComplete) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeKeys offers the keys of bundle name that start with toComplete
// and are not in given already.
func (a *app) completeKeys(cmd *cobra.Command, name string, given []string, toComplete string) []cobra.Completion {
	if !validBundleName(name) {
		return nil
	}
	ctx, cancel := completionContext(cmd)
	defer cancel()
	st, err := a.openExistingStore()
	if err != nil {
		return nil
	}
	bundle, err := st.Get(ctx, name)
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for _, k := range slices.Sorted(maps.Keys(bundle)) {
		if strings.HasPrefix(k, toComplete) && !slices.Contains(given, k) {
			out = append(out, k)
		}
	}
	return out
}

func completionContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, completionTimeout)
}

// completeFunctions offers the functions of envseal.yml in the current
// folder that start with toComplete; nothing when it cannot be read.
func (a *app) completeFunctions(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	p, err := loadProject(a.env.dir)
	if err != nil || p == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, n := range p.functionNames() {
		if strings.HasPrefix(n, toComplete) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

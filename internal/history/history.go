// Package history is what the store backends share of bundle histories:
// comparing versions and pruning old ones. The record format is in package
// seal.
package history

import (
	"maps"
	"slices"
)

// DefaultLimit is the number of past versions a store keeps per bundle when
// its options do not say.
const DefaultLimit = 10

// Limit returns how many past versions to keep for an option: 0 means
// DefaultLimit, a negative number none.
func Limit(option int) int {
	switch {
	case option == 0:
		return DefaultLimit
	case option < 0:
		return 0
	}
	return option
}

// Diff returns the keys of cur that prev lacks, those of prev that cur
// lacks, and those in both whose values differ, each sorted.
func Diff(prev, cur map[string]string) (added, removed, changed []string) {
	for k, v := range cur {
		pv, ok := prev[k]
		switch {
		case !ok:
			added = append(added, k)
		case pv != v:
			changed = append(changed, k)
		}
	}
	for k := range prev {
		if _, ok := cur[k]; !ok {
			removed = append(removed, k)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	slices.Sort(changed)
	return added, removed, changed
}

// Pruned returns the version numbers of numbers to remove once version
// newest is written, keeping newest and the limit versions before it.
func Pruned(numbers []int, newest, limit int) []int {
	var out []int
	for _, n := range numbers {
		if n <= newest-limit-1 {
			out = append(out, n)
		}
	}
	return out
}

// Keys returns the sorted keys of m, for the first version kept, whose
// keys are all "added".
func Keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

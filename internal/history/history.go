// Package history is what the store backends share of bundle histories:
// comparing versions and pruning old ones. The record format is in package
// seal.
package history

import (
	"maps"
	"slices"
	"time"

	"github.com/envseal/secret/internal/seal"
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

// Entry is one version of a bundle, as Versions describes it; the store
// backends turn it into a secret.Version.
type Entry struct {
	Number                  int
	Time                    time.Time
	Deleted                 bool
	Added, Removed, Changed []string
}

// Versions describes the versions of a bundle from their records, sorted by
// number: each compared with the one before (the first, with nothing).
// open unseals a record's bundle.
func Versions(numbers []int, records []seal.Record, open func(n int, sealed []byte) (map[string]string, error)) ([]Entry, error) {
	out := make([]Entry, 0, len(records))
	var prev map[string]string
	for i, rec := range records {
		e := Entry{Number: numbers[i], Time: rec.Time, Deleted: rec.Deleted}
		var cur map[string]string
		if !rec.Deleted {
			var err error
			if cur, err = open(numbers[i], rec.Sealed); err != nil {
				return nil, err
			}
		}
		e.Added, e.Removed, e.Changed = Diff(prev, cur)
		prev = cur
		out = append(out, e)
	}
	return out, nil
}

package history

import (
	"slices"
	"testing"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	a, r, c := Diff(map[string]string{"KEEP": "1", "GONE": "x", "CHANGE": "old"}, map[string]string{"KEEP": "1", "NEW": "y", "CHANGE": "new"})
	if !slices.Equal(a, []string{"NEW"}) || !slices.Equal(r, []string{"GONE"}) || !slices.Equal(c, []string{"CHANGE"}) {
		t.Errorf("Diff = %q %q %q", a, r, c)
	}
}

func TestLimitAndPruned(t *testing.T) {
	t.Parallel()
	if Limit(0) != 10 || Limit(-1) != 0 || Limit(3) != 3 {
		t.Error("Limit")
	}
	if got := Pruned([]int{1, 2, 3, 4, 5}, 6, 3); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("Pruned = %v, want [1 2]: keep 6 and the 3 before it", got)
	}
	if got := Pruned([]int{1, 2}, 3, 0); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("Pruned with no history = %v", got)
	}
}

package secrettest

import (
	"errors"
	"fmt"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed int
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed++ }

type wrapped struct{ err error }

func (w wrapped) Error() string { return "wrapped" }
func (w wrapped) Unwrap() error { return w.err }

type holder struct{ v string }

// TestNoLeakCatches makes sure NoLeak can fail: on the whole secret, a part
// of it, its hex, deep in a chain, in a joined error, and in a struct.
func TestNoLeakCatches(t *testing.T) {
	t.Parallel()
	const s = "CANARYfakeSECRETvalue0042"
	leaks := []any{
		fmt.Errorf("line 3: bad value %q", s),
		fmt.Errorf("near %q", s[:10]),
		fmt.Errorf("bad %s", s[12:]),
		fmt.Errorf("hex %x", s),
		fmt.Errorf("outer: %w", wrapped{errors.New("inner " + s)}),
		errors.Join(errors.New("fine"), errors.New(s)),
		holder{v: s},
		&holder{v: s},
	}
	for i, v := range leaks {
		r := &recorder{TB: t}
		NoLeak(r, []string{s}, v)
		if r.failed == 0 {
			t.Errorf("leak %d (%T) not caught", i, v)
		}
	}
	r := &recorder{TB: t}
	NoLeak(r, []string{s}, errors.New("bundle \"app\": authentication failed"), holder{v: "fake"}, nil)
	if r.failed != 0 {
		t.Errorf("NoLeak failed on values that hold no secret")
	}
}

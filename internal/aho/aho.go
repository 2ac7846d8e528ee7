// Package aho finds every occurrence of a set of byte strings in a stream,
// in one pass over it, with the automaton of Aho and Corasick (1975): a trie
// of the strings whose states also know, through failure links, the longest
// suffix of the input read so far that is a prefix of some string. Each byte
// read costs amortized constant time, whatever the strings and the input,
// and no byte is ever read twice. The redactor of package secret drives it
// one byte at a time.
package aho

// State is a state of an [Automaton]. The zero State is the start, where no
// byte of any string has been read.
type State int32

// edge is a transition of the trie.
type edge struct {
	c  byte
	to State
}

// Automaton recognises a fixed set of strings. It is immutable once made by
// [New], and safe for concurrent use.
type Automaton struct {
	root  [256]State // the transitions out of the start state, complete
	kids  [][]edge   // kids[s]: the trie's transitions out of s, for s > 0
	fail  []State    // fail[s]: the state of the longest proper suffix of s's string that is a state
	depth []int32    // depth[s]: the length of s's string
	out   []int32    // out[s]: the longest string that is a suffix of s's string, or -1
	lens  []int32    // lens[i]: the length of string i
}

// New returns the Automaton of pats. Empty strings are ignored; of equal
// strings, Match reports the first.
func New(pats []string) *Automaton {
	a := &Automaton{
		kids:  [][]edge{nil},
		fail:  []State{0},
		depth: []int32{0},
		out:   []int32{-1},
		lens:  make([]int32, len(pats)),
	}
	for i, p := range pats {
		a.lens[i] = int32(len(p))
		if p == "" {
			continue
		}
		s := State(0)
		for j := 0; j < len(p); j++ {
			s = a.child(s, p[j], true)
		}
		if a.out[s] < 0 {
			a.out[s] = int32(i)
		}
	}
	// Breadth first, so that a state's failure link is done before its
	// children need it.
	queue := make([]State, 0, len(a.kids))
	for c := range 256 {
		if s := a.child(0, byte(c), false); s != 0 {
			a.root[c] = s
			queue = append(queue, s) // fail[s] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range a.kids[s] {
			f := a.Next(a.fail[s], e.c)
			a.fail[e.to] = f
			if a.out[e.to] < 0 {
				a.out[e.to] = a.out[f]
			}
			queue = append(queue, e.to)
		}
	}
	return a
}

// child returns the trie's child of s by c: 0 when there is none, unless
// add is set, when it adds one.
func (a *Automaton) child(s State, c byte, add bool) State {
	for _, e := range a.kids[s] {
		if e.c == c {
			return e.to
		}
	}
	if !add {
		return 0
	}
	to := State(len(a.kids))
	a.kids = append(a.kids, nil)
	a.fail = append(a.fail, 0)
	a.depth = append(a.depth, a.depth[s]+1)
	a.out = append(a.out, -1)
	a.kids[s] = append(a.kids[s], edge{c, to})
	return to
}

// Next returns the state after reading c in state s.
func (a *Automaton) Next(s State, c byte) State {
	for s != 0 {
		for _, e := range a.kids[s] {
			if e.c == c {
				return e.to
			}
		}
		s = a.fail[s]
	}
	return a.root[c]
}

// Depth returns how many of the bytes read last may still be the start of
// an occurrence: the length of the longest suffix of the input read so far
// that is a prefix of one of the strings. No occurrence ending later starts
// before them.
func (a *Automaton) Depth(s State) int { return int(a.depth[s]) }

// Match returns the index of the longest string that ends with the byte
// that led to s, and its length; -1 and 0 when none does. Shorter strings
// that end there lie inside it.
func (a *Automaton) Match(s State) (index, length int) {
	i := a.out[s]
	if i < 0 {
		return -1, 0
	}
	return int(i), int(a.lens[i])
}

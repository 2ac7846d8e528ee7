package secret

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
)

// MinRedactLen is the length in bytes below which a value is not redacted by
// a [Redactor]. Values this short ("1", "true", "dev", a port number) occur
// everywhere in ordinary output: replacing each occurrence would wreck the
// output and, worse, point at every place where the value appears, which tells
// a reader the value. A value that short is not a secret worth the name anyway.
const MinRedactLen = 6

// Redactor is an [io.Writer] that replaces every secret value of an [Env] with
// "[REDACTED:KEY]" before passing the bytes on, for the logs and the output of
// a workload. Make one with [NewRedactor].
//
// Values shorter than [MinRedactLen] bytes are not redacted. A value is found
// also when it is split across several writes: the Redactor holds back the
// tail of what it was given that could still be the start of a value, and
// writes everything else at once. Nothing else is delayed, so a prompt or a
// progress line reaches the underlying writer as soon as it is written,
// unless it ends with the start of a secret value. Call Flush or Close at the
// end of the stream to write what is held; a value split across a Flush is
// not found.
//
// Matching is on exact bytes, scanning from the left; where several values
// match at one place, the longest wins. Values that overlap are redacted
// together, so that no byte of either is written: with A=abcdef and
// B=defghi, "abcdefghi" becomes "[REDACTED:A][REDACTED:B]". Where two keys
// have the same value,
// the marker names the first of them in sorted order. A value that the
// workload transforms (quotes, escapes, encodes, splits across lines) is not
// found: redaction catches accidents, it is not a boundary against a
// workload that wants to leak.
//
// A Redactor is safe for concurrent use, each Write redacted as a whole, but
// two streams such as stdout and stderr need a Redactor each: they would
// otherwise mix their held-back tails. After an error from the underlying
// writer, every later call returns that error.
//
// Printed in any way (fmt, log/slog, encoding/json), a Redactor shows the
// keys whose values it redacts, never a value nor what it holds back; the
// values are out of reach of reflection too.
type Redactor struct {
	// state is a func, out of reach of reflection, as in Env: a Redactor
	// held in an unexported field of a struct prints as an address.
	state hidden[*redactor]
}

// redactor is the state of a Redactor.
type redactor struct {
	w io.Writer

	mu      sync.Mutex
	keys    []string   // keys[i] is the key whose value is pats[i]
	first   [256][]int // first byte -> indexes into pats, longest first
	pats    []string   // the values to redact
	marks   [][]byte   // marks[i] replaces pats[i]
	pending []byte     // held back: could be the start of a value
	out     []byte     // output buffer, reused across writes
	chain   []int      // overlapping matches of one span, reused
	err     error      // sticky
}

var (
	errRedactorClosed = errors.New("write to a closed Redactor")
	errRedactorZero   = errors.New("write to a Redactor not made by NewRedactor")
)

// The methods that print have value receivers so that a Redactor copied out
// of its pointer prints redacted too.
var (
	_ fmt.Formatter  = Redactor{}
	_ fmt.Stringer   = Redactor{}
	_ fmt.GoStringer = Redactor{}
	_ slog.LogValuer = Redactor{}
	_ json.Marshaler = Redactor{}
)

// NewRedactor returns a Redactor that writes to w with the values of env
// redacted. It reads env once: later changes to another Env are not seen.
// A nil env redacts nothing.
func NewRedactor(w io.Writer, env *Env) *Redactor {
	r := &redactor{w: w}
	r.learn(env)
	return &Redactor{state: hide(r)}
}

// learn adds the values of env that r does not redact yet, from the next
// Write on; the values it already redacts keep their markers. A [Runner]
// that restarts its child with new secrets calls it, so that the old values
// are still redacted and the new ones are at once.
func (red *Redactor) learn(env *Env) {
	if r := red.state.get(); r != nil {
		r.learn(env)
	}
}

func (r *redactor) learn(env *Env) {
	if env == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := make(map[string]bool, len(r.pats))
	for _, p := range r.pats {
		seen[p] = true
	}
	from := len(r.pats)
	d := env.data()
	for _, k := range d.keys { // sorted: the first key with a value wins
		v := d.vars[k]
		if len(v) < MinRedactLen || seen[v] {
			continue
		}
		seen[v] = true
		r.pats = append(r.pats, v)
		r.keys = append(r.keys, k)
		r.marks = append(r.marks, []byte("[REDACTED:"+k+"]"))
	}
	for i := from; i < len(r.pats); i++ {
		c := r.pats[i][0]
		r.first[c] = append(r.first[c], i)
		slices.SortStableFunc(r.first[c], func(a, b int) int { return len(r.pats[b]) - len(r.pats[a]) })
	}
}

// Write redacts p and writes it to the underlying writer, except for a tail
// that could be the start of a secret value, which it holds until the next
// Write, Flush or Close. It returns len(p) unless the underlying writer
// fails.
func (red *Redactor) Write(p []byte) (int, error) {
	r := red.state.get()
	if r == nil {
		return 0, errRedactorZero
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	data := p
	if len(r.pending) > 0 {
		r.pending = append(r.pending, p...)
		data = r.pending
	}
	if err := r.emit(data, false); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is held back, redacting the values it contains in full.
// A value split across a Flush is not found, so call it only at the end of a
// stream, or where a pause must not hold output back.
func (red *Redactor) Flush() error {
	r := red.state.get()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flush()
}

func (r *redactor) flush() error {
	if r.err != nil {
		return r.err
	}
	return r.emit(r.pending, true)
}

// Close flushes, then makes every later Write fail. It does not close the
// underlying writer. Closing twice returns nil.
func (red *Redactor) Close() error {
	r := red.state.get()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == errRedactorClosed {
		return nil
	}
	if err := r.flush(); err != nil {
		return err
	}
	r.err = errRedactorClosed
	return nil
}

// emit redacts data and writes it out, keeping in r.pending the tail that
// could be the start of a value unless final is set. data may be r.pending.
//
// Plain runs and markers gather in r.out, written once per call; a long plain
// run is written straight from data instead, so memory stays bounded by
// redactChunk whatever the size of a Write.
func (r *redactor) emit(data []byte, final bool) error {
	r.out = r.out[:0]
	start := 0 // data[start:i] is plain and not yet written nor in r.out
	i := 0
scan:
	for i < len(data) {
		cands := r.first[data[i]]
		if len(cands) == 0 {
			i++
			continue
		}
		rest := data[i:]
		for _, j := range cands {
			pat := r.pats[j]
			if len(rest) >= len(pat) {
				if string(rest[:len(pat)]) == pat {
					end, ok := r.overlaps(data, i, j, final)
					if !ok {
						// A value overlapping this one may still match: hold back from i.
						break scan
					}
					if err := r.plain(data[start:i]); err != nil {
						return err
					}
					for _, c := range r.chain {
						r.out = append(r.out, r.marks[c]...)
					}
					i = end
					start = i
					continue scan
				}
			} else if !final && pat[:len(rest)] == string(rest) {
				// A longer value may still match here: hold back from i.
				break scan
			}
		}
		i++
	}
	if err := r.plain(data[start:i]); err != nil {
		return err
	}
	r.pending = append(r.pending[:0], data[i:]...)
	return r.write()
}

// overlaps extends the match of value j at data[i:] over every value that
// starts inside the redacted span and runs past its end, so that no byte of
// any value is written: for "abcdefghi" with the values "abcdef" and
// "defghi", the span is all nine bytes. It leaves in r.chain the values whose
// markers stand for the span, and returns where the span ends. It returns
// false, unless final, when a value starting inside the span could end past
// the end of data: the caller holds the whole span back.
func (r *redactor) overlaps(data []byte, i, j int, final bool) (end int, ok bool) {
	r.chain = append(r.chain[:0], j)
	end = i + len(r.pats[j])
	for k := i + 1; k < end; k++ {
		for _, c := range r.first[data[k]] { // longest first
			pat := r.pats[c]
			if k+len(pat) <= end {
				break // this one and the shorter ones lie inside the span
			}
			rest := data[k:]
			if len(rest) < len(pat) {
				if !final && pat[:len(rest)] == string(rest) {
					return 0, false
				}
				continue
			}
			if string(rest[:len(pat)]) == pat {
				r.chain = append(r.chain, c)
				end = k + len(pat)
				break
			}
		}
	}
	return end, true
}

// redactChunk bounds r.out.
const redactChunk = 32 << 10

// plain adds a run of bytes that need no redaction to the output.
func (r *redactor) plain(b []byte) error {
	if len(r.out)+len(b) > redactChunk {
		if err := r.write(); err != nil {
			return err
		}
	}
	if len(b) <= redactChunk {
		r.out = append(r.out, b...)
		return nil
	}
	if _, err := r.w.Write(b); err != nil {
		r.err = err
		return err
	}
	return nil
}

// write writes r.out and empties it.
func (r *redactor) write() error {
	if len(r.out) == 0 {
		return nil
	}
	_, err := r.w.Write(r.out)
	r.out = r.out[:0]
	if err != nil {
		r.err = err
	}
	return err
}

// Keys returns the keys whose values r redacts, sorted. A value shorter than
// [MinRedactLen] is not redacted, so its key is not among them; of several
// keys with one value, only the first in sorted order is.
func (red Redactor) Keys() []string {
	r := red.state.get()
	if r == nil {
		return []string{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.keys))
}

// String returns the keys whose values r redacts, as in
// "Redactor{API_KEY, TOKEN}". It never shows a value.
func (red Redactor) String() string { return "Redactor{" + strings.Join(red.Keys(), ", ") + "}" }

// GoString returns the form printed by %#v: "secret." followed by String.
func (red Redactor) GoString() string { return "secret." + red.String() }

// Format implements [fmt.Formatter] so that every verb, with every flag,
// prints String (or GoString for %#v), never a value.
func (red Redactor) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, red.GoString())
		return
	}
	io.WriteString(f, red.String())
}

// LogValue implements [slog.LogValuer]: the keys whose values r redacts, as
// in "redactor.keys=[API_KEY TOKEN]".
func (red Redactor) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("keys", red.Keys()))
}

// MarshalJSON implements [json.Marshaler] with the keys whose values r
// redacts, as in {"keys":["API_KEY","TOKEN"]}.
func (red Redactor) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Keys []string `json:"keys"`
	}{red.Keys()})
}

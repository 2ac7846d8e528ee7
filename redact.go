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
	"sync/atomic"

	"github.com/envseal/secret/internal/aho"
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
// bytes it was given that could still be part of a value, at most the length
// of the longest value less one, and writes everything else at once. So a
// prompt or a progress line reaches the underlying writer as soon as it is
// written, unless it ends with the start of a secret value. Call Flush or
// Close at the end of the stream to write what is held; a value split across
// a Flush is not found.
//
// Matching is on exact bytes, and no byte of any occurrence of a value is
// written. Occurrences that overlap or touch make one redacted span, which
// one marker replaces: it names the key of the longest value the span starts
// with. With A=abcdef and B=defghi, "abcdefghi" becomes "[REDACTED:A]", and
// so do "abcdefabcdef" and a megabyte of "abcdef" repeated. Where two keys
// have the same value, the marker names the first of them in sorted order.
// The marker is written as soon as the start of its span is certain; the
// rest of the span is dropped as it comes. A value that the workload
// transforms (quotes, escapes, encodes, splits across lines) is not found:
// redaction catches accidents, it is not a boundary against a workload that
// wants to leak.
//
// The work is linear in the bytes written, whatever the values and the
// output: each byte is looked at once, by an Aho–Corasick automaton of the
// values, and nothing written out is ever looked at again.
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
//
// Positions count the bytes written to the Redactor since it was made. The
// automaton's state after the last byte says how many of the last bytes may
// still start an occurrence of a value (its depth): every occurrence found
// later starts at or after pos-depth, the settled point. So a byte before it
// is settled: it is in a span already found, or it is written as it is. A
// span is settled once a later occurrence can neither overlap nor touch it:
// when it ends before the settled point; its start and its marker are
// settled as soon as its start is before it.
type redactor struct {
	w io.Writer

	mu    sync.Mutex
	pats  []string       // the values to redact
	keys  []string       // keys[i] is the key whose value is pats[i]
	marks [][]byte       // marks[i] replaces a span that starts with pats[i]
	ac    *aho.Automaton // of pats; nil while there is none
	// sorted holds keys, sorted, for the printed forms: read without mu,
	// so that printing a Redactor from inside its underlying writer's Write
	// does not wait for the lock that Write holds.
	sorted atomic.Pointer[[]string]

	st      aho.State // the automaton's state after the last byte
	pos     int64     // how many bytes were written to the Redactor
	emitted int64     // every byte before it is written out, or in a span whose marker is
	held    []byte    // the bytes from the settled point to pos
	spans   []span    // the spans not settled yet, in order; only the first may be marked
	out     []byte    // output buffer, reused across writes
	err     error     // sticky
}

// span is a run of bytes to redact: occurrences of values that overlap or
// touch.
type span struct {
	start, end int64 // the positions of its first byte and of the byte after it
	pat        int   // the longest value that starts at start: its marker replaces the span
	marked     bool  // the marker is written
}

// input is the bytes that a Write works on: what was held, then what it was
// given.
type input struct {
	held []byte
	from int64 // the position of held[0]
	p    []byte
	base int64 // the position of p[0]
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
	n := len(r.pats)
	d := env.data()
	for _, k := range d.sorted() { // sorted: the first key with a value wins
		v := d.vars[k].value
		if len(v) < MinRedactLen || seen[v] {
			continue
		}
		seen[v] = true
		r.pats = append(r.pats, v)
		r.keys = append(r.keys, k)
		r.marks = append(r.marks, []byte("[REDACTED:"+k+"]"))
	}
	if len(r.pats) == n {
		return
	}
	sorted := slices.Sorted(slices.Values(r.keys))
	r.sorted.Store(&sorted)
	r.ac = aho.New(r.pats)
	// Read what is held again, with the new automaton: it takes the old
	// one's place, as the old one stood (every held byte is still the start
	// of a value), and finds a new value already held. Whatever started
	// before the held bytes is settled and stays as it is.
	from := r.pos - int64(len(r.held))
	r.st = 0
	for i, c := range r.held {
		r.st = r.ac.Next(r.st, c)
		if m, n := r.ac.Match(r.st); m >= 0 {
			end := from + int64(i) + 1
			r.add(end-int64(n), end, m)
		}
	}
}

// Write redacts p and writes it to the underlying writer, except for the
// bytes that could still be part of a secret value, which it holds until the
// next Write, Flush or Close. It returns len(p) unless the underlying writer
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
	if err := r.write(p); err != nil {
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

// write redacts p.
func (r *redactor) write(p []byte) error {
	if r.ac == nil {
		// Nothing to redact.
		r.pos += int64(len(p))
		r.emitted = r.pos
		return r.direct(p)
	}
	in := input{held: r.held, from: r.pos - int64(len(r.held)), p: p, base: r.pos}
	ac, st := r.ac, r.st
	for i, c := range p {
		st = ac.Next(st, c)
		end := in.base + int64(i) + 1
		if m, n := ac.Match(st); m >= 0 {
			r.add(end-int64(n), end, m)
		}
		if len(r.spans) > 0 {
			if settled := end - int64(ac.Depth(st)); r.spans[0].start < settled {
				if err := r.settle(settled, &in, false); err != nil {
					return err
				}
			}
		}
	}
	r.st = st
	r.pos = in.base + int64(len(p))
	settled := r.pos - int64(ac.Depth(st))
	if err := r.settle(settled, &in, false); err != nil {
		return err
	}
	r.keep(settled, &in)
	return r.write1()
}

// flush writes out every span and every byte held.
func (r *redactor) flush() error {
	if r.err != nil {
		return r.err
	}
	in := input{held: r.held, from: r.pos - int64(len(r.held)), base: r.pos}
	if err := r.settle(r.pos, &in, true); err != nil {
		return err
	}
	r.st = 0
	r.held = r.held[:0]
	return r.write1()
}

// add records an occurrence of value pat at [start, end), merging it with
// the spans that it overlaps or touches. While r reads a Write, end is the
// position of the byte just read, and no span ends after it; when learn
// reads the held bytes again, a span may.
func (r *redactor) add(start, end int64, pat int) {
	// The common case, as in a value repeated: the occurrence starts inside
	// the last span and ends after it. Spans do not touch, so it touches no
	// other.
	if k := len(r.spans); k > 0 {
		last := &r.spans[k-1]
		if last.start < start && start <= last.end && end >= last.end {
			last.end = end
			return
		}
	}
	i := len(r.spans)
	for i > 0 && r.spans[i-1].end >= start {
		i--
	}
	j := i
	for j < len(r.spans) && r.spans[j].start <= end {
		j++
	}
	n := span{start: start, end: end, pat: pat}
	for _, s := range r.spans[i:j] {
		if s.marked || s.start < n.start || s.start == n.start && len(r.pats[s.pat]) > len(r.pats[n.pat]) {
			n.start, n.pat, n.marked = s.start, s.pat, s.marked
		}
		n.end = max(n.end, s.end)
	}
	r.spans = slices.Replace(r.spans, i, j, n)
}

// settle writes out what lies before settled, the settled point: the spans
// that start before it, each as its marker, and the bytes between them. A
// span that ends at or after settled may still grow, and stays, marked. With
// final, everything is settled.
func (r *redactor) settle(settled int64, in *input, final bool) error {
	for len(r.spans) > 0 {
		s := &r.spans[0]
		if !final && s.start >= settled {
			break
		}
		if !s.marked {
			if err := r.plain(r.emitted, s.start, in); err != nil {
				return err
			}
			if err := r.add1(r.marks[s.pat]); err != nil {
				return err
			}
			s.marked = true
			r.emitted = s.start
		}
		if !final && s.end >= settled {
			return nil
		}
		r.emitted = s.end
		r.spans = slices.Delete(r.spans, 0, 1)
	}
	upto := settled
	if len(r.spans) > 0 {
		upto = min(upto, r.spans[0].start)
	}
	if upto > r.emitted {
		if err := r.plain(r.emitted, upto, in); err != nil {
			return err
		}
		r.emitted = upto
	}
	return nil
}

// keep holds the bytes of in from the settled point to the end.
func (r *redactor) keep(settled int64, in *input) {
	if settled >= in.base {
		r.held = append(r.held[:0], in.p[settled-in.base:]...)
		return
	}
	r.held = append(r.held[:0], in.held[settled-in.from:]...)
	r.held = append(r.held, in.p...)
}

// redactChunk bounds r.out.
const redactChunk = 32 << 10

// plain adds the bytes of in from position a to b, which need no
// redaction, to the output.
func (r *redactor) plain(a, b int64, in *input) error {
	if a < in.base {
		if err := r.add1(in.held[a-in.from : min(b, in.base)-in.from]); err != nil {
			return err
		}
		a = in.base
	}
	if a >= b {
		return nil
	}
	p := in.p[a-in.base : b-in.base]
	if len(p) <= redactChunk {
		return r.add1(p)
	}
	if err := r.write1(); err != nil {
		return err
	}
	return r.direct(p)
}

// add1 adds b to the output buffer, writing the buffer first if b would
// make it too long.
func (r *redactor) add1(b []byte) error {
	if len(r.out)+len(b) > redactChunk {
		if err := r.write1(); err != nil {
			return err
		}
	}
	r.out = append(r.out, b...)
	return nil
}

// write1 writes the output buffer and empties it.
func (r *redactor) write1() error {
	b := r.out
	r.out = r.out[:0]
	return r.direct(b)
}

// direct writes b to the underlying writer.
func (r *redactor) direct(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if _, err := r.w.Write(b); err != nil {
		r.err = err
		return err
	}
	return nil
}

// Keys returns the keys whose values r redacts, sorted. A value shorter than
// [MinRedactLen] is not redacted, so its key is not among them; of several
// keys with one value, only the first in sorted order is.
func (red Redactor) Keys() []string {
	r := red.state.get()
	if r == nil || r.sorted.Load() == nil {
		return []string{}
	}
	return slices.Clone(*r.sorted.Load())
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

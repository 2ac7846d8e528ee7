package secret

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Env is a resolved, validated and immutable set of secrets, with the origin
// of each. [Resolve] makes one; the zero Env is empty and ready to use, and so
// is a nil *Env: its methods behave as those of an empty Env. An Env is safe
// for concurrent use.
//
// Every printed form of an Env (String, GoString, every fmt verb, slog and
// JSON) shows its keys and their origins, never a value. The values are read
// with Get, Map, Environ and Overlay only. Reflection cannot reach them either,
// so that a failing testify assertion or a %+v of a struct holding an Env does
// not print them; for the same reason two Envs are never reflect.DeepEqual
// unless they are the same pointer: compare their Map instead.
type Env struct {
	// contents returns what the Env holds. It is a func, not a pointer,
	// because reflection cannot look inside a func: fmt printing an Env held
	// in an unexported struct field (whose methods it cannot call), go-spew
	// in testify's diffs, and every other reflection-based printer see an
	// address, never a value.
	contents func() *envData
}

type envData struct {
	vars map[string]envVar
	once sync.Once
	keys []string // sorted, made by the first call of sorted
}

// envVar is one key's value, and the name of the source it comes from.
type envVar struct{ value, origin string }

// sorted returns the keys, sorted. Resolve does not sort them: many
// programs only call Get.
func (d *envData) sorted() []string {
	d.once.Do(func() { d.keys = slices.Sorted(maps.Keys(d.vars)) })
	return d.keys
}

// Format and MarshalJSON have value receivers so that an Env copied out of
// its pointer prints redacted too: fmt and encoding/json would otherwise
// print its fields. The other methods have pointer receivers so that a nil
// *Env is empty rather than a panic; fmt and encoding/json print a nil *Env
// as <nil> and null themselves.
var (
	_ fmt.Formatter  = Env{}
	_ json.Marshaler = Env{}
	_ fmt.Stringer   = (*Env)(nil)
	_ fmt.GoStringer = (*Env)(nil)
	_ slog.LogValuer = (*Env)(nil)
)

// newEnv takes ownership of vars.
func newEnv(vars map[string]envVar) *Env {
	d := &envData{vars: vars}
	return &Env{contents: func() *envData { return d }}
}

// data returns the contents of e; those of an empty Env when e is nil or
// the zero Env.
func (e *Env) data() *envData {
	if e == nil || e.contents == nil {
		return &envData{}
	}
	return e.contents()
}

// Get returns the value of key and whether it is set.
func (e *Env) Get(key string) (string, bool) {
	v, ok := e.data().vars[key]
	return v.value, ok
}

// Len returns the number of keys.
func (e *Env) Len() int { return len(e.data().vars) }

// Keys returns the keys, sorted.
func (e *Env) Keys() []string { return slices.Clone(e.data().sorted()) }

// Map returns a copy of the keys and values.
func (e *Env) Map() map[string]string {
	d := e.data()
	m := make(map[string]string, len(d.vars))
	for k, v := range d.vars {
		m[k] = v.value
	}
	return m
}

// Origin returns the Name of the source whose value for key won, or "" when
// key is not set.
func (e *Env) Origin(key string) string { return e.data().vars[key].origin }

// Environ returns the secrets as "KEY=VALUE" entries sorted by key, ready for
// [os/exec.Cmd.Env]. It holds the secrets alone; see Overlay to add them to
// an existing environment.
func (e *Env) Environ() []string {
	d := e.data()
	out := make([]string, 0, len(d.vars))
	for _, k := range d.sorted() {
		out = append(out, k+"="+d.vars[k].value)
	}
	return out
}

// Overlay returns base, typically [os.Environ], with the secrets set on top:
// one entry per key, ready for [os/exec.Cmd.Env]. Entries of base whose key
// the Env sets are dropped; of several entries of base with one key, the last
// wins, as in [os/exec.Cmd]; the rest keep their order. The secrets follow,
// sorted by key. An entry of base without "=" is kept as it is. base is not
// modified.
//
// Overlay never passes envseal's own key variables on: ENVSEAL_KEY and
// ENVSEAL_KEY_FILE of base are dropped, so that a workload started with
// cmd.Env = env.Overlay(os.Environ()) gets its secrets, not the key to every
// bundle of the store. An Env that sets one of them itself (a workload that
// runs envseal in turn, with a key kept as a secret) passes it on like any
// other secret: the Env is what the workload is meant to get.
func (e *Env) Overlay(base []string) []string {
	d := e.data()
	out := make([]string, 0, len(base)+len(d.vars))
	last := make(map[string]int, len(base)) // key -> index in out
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := d.vars[k]; ok || isKeyVar(k) {
			continue
		}
		if i, ok := last[k]; ok {
			out[i] = kv
			continue
		}
		last[k] = len(out)
		out = append(out, kv)
	}
	return append(out, e.Environ()...)
}

// isKeyVar reports whether k is one of the environment variables that give
// envseal its store key. [Env.Overlay] drops them from the base environment.
func isKeyVar(k string) bool { return k == envKey || k == envKeyFile }

// String returns the keys and their origins, as in
// "Env{API_KEY (dotenv:.env), MODE (map)}". It never shows a value.
func (e *Env) String() string {
	d := e.data()
	var b strings.Builder
	b.WriteString("Env{")
	for i, k := range d.sorted() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString(" (")
		b.WriteString(d.vars[k].origin)
		b.WriteString(")")
	}
	b.WriteString("}")
	return b.String()
}

// GoString returns the form printed by %#v: "secret." followed by String.
func (e *Env) GoString() string { return "secret." + e.String() }

// Format implements [fmt.Formatter] so that every verb, with every flag,
// prints String (or GoString for %#v), never the values.
func (e Env) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, e.GoString())
		return
	}
	fmt.Fprint(f, e.String())
}

// LogValue implements [slog.LogValuer]: a group with one entry per key whose
// value is the key's origin, as in "env.API_KEY.origin=dotenv:.env".
func (e *Env) LogValue() slog.Value {
	d := e.data()
	attrs := make([]slog.Attr, 0, len(d.vars))
	for _, k := range d.sorted() {
		attrs = append(attrs, slog.Group(k, slog.String("origin", d.vars[k].origin)))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON implements [json.Marshaler] with the keys and their origins, as
// in {"API_KEY":{"origin":"dotenv:.env"}}. It never writes a value.
func (e Env) MarshalJSON() ([]byte, error) {
	type entry struct {
		Origin string `json:"origin"`
	}
	d := e.data()
	m := make(map[string]entry, len(d.vars))
	for k, v := range d.vars {
		m[k] = entry{Origin: v.origin}
	}
	return json.Marshal(m)
}

package secret

// hidden holds a value where reflection cannot reach it: in a func. fmt
// prints a func as an address, whatever the verb and however deep it lies,
// and so does every other reflection-based printer; encoding/json skips it.
// Env keeps its contents this way; so do the sources that hold values, or
// names that may be values typed in the wrong place, so that a source held in
// an unexported field of a struct, where fmt cannot call its methods, prints
// none of them either.
type hidden[T any] func() T

// hide returns a hidden holding v.
func hide[T any](v T) hidden[T] { return func() T { return v } }

// get returns the value h holds; T's zero value for a nil h.
func (h hidden[T]) get() T {
	if h == nil {
		var zero T
		return zero
	}
	return h()
}

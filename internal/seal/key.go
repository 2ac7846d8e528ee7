package seal

import "unique"

// Key holds a store key's bytes where fmt cannot print them, even from a
// Key in an unexported field of a struct, where fmt cannot call methods: in
// a canonical handle to a canonical handle to them. fmt prints a pointer
// inside a struct as an address, except that for a verb that does not apply
// to pointers (%s, %q) it prints what the pointer points to, once: here that
// is the inner handle, which again prints as an address. Handles made by
// package unique are equal exactly when their values are, so Keys compare
// by value with ==. Printers that follow every pointer with package unsafe
// (go-spew) can still reach the bytes.
//
// secret.Key is defined as a Key, so that the store backends of this
// repository can convert one to a Key (seal.Key(k)) to use its bytes, and no
// other package can.
type Key struct {
	h unique.Handle[unique.Handle[[KeySize]byte]]
}

// NewKey returns the Key of b.
func NewKey(b *[KeySize]byte) Key { return Key{h: unique.Make(unique.Make(*b))} }

// IsZero reports whether k is the zero Key, which holds no key.
func (k Key) IsZero() bool { return k == Key{} }

// Bytes returns a copy of the key's bytes; all zeros for the zero Key.
func (k Key) Bytes() *[KeySize]byte {
	if k.IsZero() {
		return new([KeySize]byte)
	}
	b := k.h.Value().Value()
	return &b
}

// ID returns the key id of k.
func (k Key) ID() KeyID { return ID(k.Bytes()) }

package secret

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
)

// errWriteInUpdate reports a write to a store from inside the callback of
// one of its own Updates.
var errWriteInUpdate = errors.New("a write to the store from inside the fn of its own Update would wait for the lock that Update holds: change the map fn is given instead")

// callback runs fn, an Update's callback, marking this goroutine as inside
// one, so that a write it makes to the same store fails at once instead of
// waiting forever (or until its context ends) for the lock Update holds.
func (r *keyring) callback(fn func() error) error {
	id := goroutineID()
	r.updating.Store(id, struct{}{})
	defer r.updating.Delete(id)
	return fn()
}

// checkNotInCallback returns errWriteInUpdate when the calling goroutine is
// running an Update callback of the store.
func (r *keyring) checkNotInCallback() error {
	empty := true
	r.updating.Range(func(any, any) bool { empty = false; return false })
	if empty {
		return nil
	}
	if _, ok := r.updating.Load(goroutineID()); ok {
		return errWriteInUpdate
	}
	return nil
}

// goroutineID returns the id of the calling goroutine, from the first line
// of its stack trace ("goroutine 18 [running]:"). Go has no other way to
// tell that a call comes from inside a callback running on the same
// goroutine; it is used only to turn a self-deadlock into an error.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

package seal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"
)

// A history record is one version of a bundle as stores keep it in their
// history: what the bundle became at that version (its sealed bytes), or
// that the bundle was deleted, and when.
//
//	offset size  field
//	     0    8  magic    "envhist\x00"
//	     8    1  version  1
//	     9    1  kind     0: the bundle; 1: the bundle was deleted
//	    10    8  time     Unix time in nanoseconds, big-endian
//	    18    n  sealed   the sealed bundle (empty when deleted)
//
// The sealed bundle authenticates itself and its name; the kind and the
// time are not authenticated: whoever can write to a store can change the
// history's dates, as they can put back an older sealed bundle (package
// secret's documentation says what a store does not protect against).
type Record struct {
	Deleted bool
	Time    time.Time
	Sealed  []byte
}

const (
	recordMagic     = "envhist\x00"
	recordVersion   = 1
	recordHeaderLen = len(recordMagic) + 1 + 1 + 8
)

// ErrBadRecord reports bytes that are not a history record this package
// reads.
var ErrBadRecord = errors.New("not a history record of a format this envseal reads")

// EncodeRecord returns the bytes of r.
func EncodeRecord(r Record) []byte {
	b := make([]byte, recordHeaderLen, recordHeaderLen+len(r.Sealed))
	copy(b, recordMagic)
	b[len(recordMagic)] = recordVersion
	if r.Deleted {
		b[len(recordMagic)+1] = 1
	}
	binary.BigEndian.PutUint64(b[len(recordMagic)+2:], uint64(r.Time.UnixNano()))
	return append(b, r.Sealed...)
}

// DecodeRecord parses the bytes of a record. Sealed aliases b.
func DecodeRecord(b []byte) (Record, error) {
	if len(b) < recordHeaderLen || !bytes.HasPrefix(b, []byte(recordMagic)) || b[len(recordMagic)] != recordVersion {
		return Record{}, ErrBadRecord
	}
	kind := b[len(recordMagic)+1]
	r := Record{
		Deleted: kind == 1,
		Time:    time.Unix(0, int64(binary.BigEndian.Uint64(b[len(recordMagic)+2:]))),
		Sealed:  b[recordHeaderLen:],
	}
	switch {
	case kind > 1, r.Deleted && len(r.Sealed) > 0, !r.Deleted && len(r.Sealed) == 0:
		return Record{}, ErrBadRecord
	}
	return r, nil
}

// Package seal is the sealed format of envseal's stores: one bundle of
// secrets, encrypted and authenticated under a 32-byte store key and bound to
// the bundle's name. Every store backend (a folder, etcd) keeps bundles in
// this format, so the same sealed bytes are valid in each.
//
// # Format, versions 1 and 2
//
// A sealed bundle is a 62-byte header followed by the AES-256-GCM ciphertext
// of the bundle, tag included. All integers are big-endian.
//
//	offset size  field
//	     0    8  magic      "envseal\x00"
//	     8    1  version    1, or 2 for a bundle with metadata
//	     9    1  algorithm  1: HKDF-SHA256 file key, AES-256-GCM
//	    10    8  key id     first 8 bytes of HMAC-SHA256(store key, "envseal key id v1")
//	    18   32  salt       random, fresh for every seal
//	    50   12  nonce      random, fresh for every seal
//	    62    n  ciphertext AES-256-GCM(file key, nonce, plaintext, additional data), n >= 16
//
// The file key is HKDF-SHA256(secret = store key, salt = salt,
// info = "envseal v1 file key", 32 bytes). The additional data is the 62
// header bytes followed by the bundle's name, so that changing any header
// byte, or presenting the sealed bytes under another name (a copy or a
// rename), fails authentication. The name is the store's full name of the
// bundle: "openai" in the default environment, "prod/openai" in the
// environment "prod".
//
// The plaintext, version 1, is the name again and the entries sorted by key,
// each string a 4-byte length and its bytes:
//
//	len(name) name count { len(key) key len(value) value }...
//
// The plaintext, version 2, is the version 1 plaintext followed by the
// bundle's metadata ([Bundle]): a 4-byte flags word, whose bit 0 marks a
// write-only bundle and whose other bits are 0, then the descriptions of
// keys, sorted by key, as the entries are:
//
//	... flags count { len(key) key len(description) description }...
//
// Opening checks that the name inside matches, that keys are strictly
// increasing, that every entry obeys the rules of package rules, that every
// description is of a key of the bundle, not empty, and obeys
// rules.CheckDescription, that no unknown flag is set, and that nothing
// follows the last entry or description. A new plaintext encoding would come
// with a new version byte.
//
// Sealing writes version 1 when the bundle has no metadata (no description,
// not write-only), byte for byte as before version 2 existed, so that an
// envseal that reads version 1 only still reads every bundle that does not
// use what version 2 adds; it refuses the others with an error naming their
// version, never reading them without their flags. Opening reads both. The
// version byte is in the header, which is authenticated: it cannot be
// changed to drop a bundle's metadata.
//
// The key id lets a store tell, without trying to decrypt, that a bundle is
// sealed under another key; it is a one-way function of the key and reveals
// nothing about it, so errors may show it.
//
// # Errors
//
// Every failure to open wraps [ErrAuthFailed]. A bundle sealed under another
// key is a [*WrongKeyError] naming both key ids. Every other failure that
// depends on the key is the bare ErrAuthFailed, so that the error is no
// oracle; only refusals that depend on public facts (the size, the version,
// the algorithm, the key id) say more. No error names the bundle: the store
// that calls Open does.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/envseal/secret/internal/rules"
)

// KeySize is the size of a store key.
const KeySize = 32

const (
	magic     = "envseal\x00"
	version   = 1 // a bundle without metadata
	version2  = 2 // a bundle with metadata
	algorithm = 1 // HKDF-SHA256 + AES-256-GCM

	flagWriteOnly = 1 << 0 // Bundle.WriteOnly
	knownFlags    = flagWriteOnly

	keyIDLen  = 8
	saltLen   = 32
	nonceLen  = 12
	tagLen    = 16
	headerLen = len(magic) + 1 + 1 + keyIDLen + saltLen + nonceLen // 62

	// MaxSize is the largest sealed bundle that is sealed or opened.
	MaxSize = 1 << 20
)

// Offsets of the header fields.
const (
	offVersion   = len(magic)
	offAlgorithm = offVersion + 1
	offKeyID     = offAlgorithm + 1
	offSalt      = offKeyID + keyIDLen
	offNonce     = offSalt + saltLen
)

// ErrAuthFailed reports sealed bytes that do not open: the key is wrong, or
// they were modified, truncated, extended, or copied or renamed from another
// bundle name, or they are not in a format this package reads.
var ErrAuthFailed = errors.New("authentication failed: wrong key, or the sealed bundle was modified, truncated or renamed")

// KeyID identifies a store key without revealing it.
type KeyID [keyIDLen]byte

// String returns the key id in hex, as errors and `envseal key show` print it.
func (id KeyID) String() string { return hex.EncodeToString(id[:]) }

// ID returns the key id of key.
func ID(key *[KeySize]byte) KeyID {
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte("envseal key id v1"))
	var id KeyID
	copy(id[:], m.Sum(nil))
	return id
}

// WrongKeyError reports a bundle sealed under another key than the one
// given: it names both key ids, never a key. It wraps ErrAuthFailed.
type WrongKeyError struct {
	Sealed KeyID // the key id in the bundle's header
	Used   KeyID // the key id of the key that tried to open it
}

func (e *WrongKeyError) Error() string {
	return fmt.Sprintf("sealed under key id %s, not under the key in use (key id %s)", e.Sealed, e.Used)
}

// Unwrap returns ErrAuthFailed.
func (e *WrongKeyError) Unwrap() error { return ErrAuthFailed }

// SizeError reports a bundle whose sealed form is over MaxSize. When it
// comes from Open it wraps ErrAuthFailed.
type SizeError struct {
	Size    int
	opening bool
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("sealed bundle is %d bytes, over the limit of %d", e.Size, MaxSize)
}

// Unwrap returns ErrAuthFailed when the bundle was being opened.
func (e *SizeError) Unwrap() error {
	if e.opening {
		return ErrAuthFailed
	}
	return nil
}

// fileAEAD returns the AES-256-GCM of the file key for salt.
func fileAEAD(key *[KeySize]byte, salt []byte) (cipher.AEAD, error) {
	fk, err := hkdf.Key(sha256.New, key[:], salt, "envseal v1 file key", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(fk)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Bundle is a bundle with its metadata, as SealBundle seals it and
// OpenBundle opens it.
type Bundle struct {
	// Env holds the entries.
	Env map[string]string
	// Descriptions holds the description of some keys of Env; each must
	// pass rules.CheckDescription and not be empty.
	Descriptions map[string]string
	// WriteOnly marks a bundle whose values the envseal command does not
	// show or export.
	WriteOnly bool
}

// hasMetadata reports whether b needs version 2.
func (b Bundle) hasMetadata() bool { return b.WriteOnly || len(b.Descriptions) > 0 }

// Seal returns bundle name holding env sealed under key: SealBundle of a
// Bundle without metadata.
func Seal(key *[KeySize]byte, name string, env map[string]string, random io.Reader) ([]byte, error) {
	return SealBundle(key, name, Bundle{Env: env}, random)
}

// SealBundle returns bundle name holding b sealed under key, with the salt
// and nonce read from random: version 1 when b has no metadata, else version
// 2. name must be the store's full name of the bundle, every entry of b.Env
// must pass [rules.CheckEntry], and every description must be of a key of
// b.Env, not empty, and pass [rules.CheckDescription]; SealBundle does not
// check.
func SealBundle(key *[KeySize]byte, name string, b Bundle, random io.Reader) ([]byte, error) {
	v := byte(version)
	pt := encode(name, b.Env)
	if b.hasMetadata() {
		v = version2
		pt = appendMetadata(pt, b)
	}
	defer clear(pt)
	if n := headerLen + len(pt) + tagLen; n > MaxSize {
		return nil, &SizeError{Size: n}
	}
	out := make([]byte, headerLen, headerLen+len(pt)+tagLen)
	copy(out, magic)
	out[offVersion] = v
	out[offAlgorithm] = algorithm
	id := ID(key)
	copy(out[offKeyID:], id[:])
	if _, err := io.ReadFull(random, out[offSalt:headerLen]); err != nil {
		return nil, fmt.Errorf("reading randomness: %w", err)
	}
	aead, err := fileAEAD(key, out[offSalt:offNonce])
	if err != nil {
		return nil, err
	}
	ad := append(out[:headerLen:headerLen], name...)
	return aead.Seal(out, out[offNonce:headerLen], pt, ad), nil
}

// SealedKeyID returns the key id in the header of data, if data looks like a
// sealed bundle. It authenticates nothing.
func SealedKeyID(data []byte) (KeyID, bool) {
	var id KeyID
	if len(data) < headerLen+tagLen || !bytes.HasPrefix(data, []byte(magic)) {
		return id, false
	}
	copy(id[:], data[offKeyID:])
	return id, true
}

// Open authenticates and decodes data, bundle name sealed under key, and
// returns its entries: OpenBundle without the metadata. Every failure wraps
// ErrAuthFailed (see the package doc).
func Open(key *[KeySize]byte, name string, data []byte) (map[string]string, error) {
	b, err := OpenBundle(key, name, data)
	if err != nil {
		return nil, err
	}
	return b.Env, nil
}

// OpenBundle authenticates and decodes data, bundle name sealed under key,
// in version 1 or 2. A version 1 bundle has no metadata. Env and
// Descriptions are never nil. Every failure wraps ErrAuthFailed (see the
// package doc).
func OpenBundle(key *[KeySize]byte, name string, data []byte) (Bundle, error) {
	switch {
	case len(data) > MaxSize:
		return Bundle{}, &SizeError{Size: len(data), opening: true}
	case len(data) < headerLen+tagLen || !bytes.HasPrefix(data, []byte(magic)):
		return Bundle{}, ErrAuthFailed
	case (data[offVersion] != version && data[offVersion] != version2) || data[offAlgorithm] != algorithm:
		return Bundle{}, fmt.Errorf("sealed format version %d, algorithm %d is not supported (this envseal reads versions %d and %d, algorithm %d): %w",
			data[offVersion], data[offAlgorithm], version, version2, algorithm, ErrAuthFailed)
	}
	if id := ID(key); !hmac.Equal(id[:], data[offKeyID:offSalt]) {
		e := &WrongKeyError{Used: id}
		copy(e.Sealed[:], data[offKeyID:offSalt])
		return Bundle{}, e
	}
	aead, err := fileAEAD(key, data[offSalt:offNonce])
	if err != nil {
		return Bundle{}, ErrAuthFailed
	}
	ad := append(slices.Clip(data[:headerLen]), name...)
	pt, err := aead.Open(nil, data[offNonce:headerLen], data[headerLen:], ad)
	if err != nil {
		return Bundle{}, ErrAuthFailed
	}
	b, ok := decode(name, pt, data[offVersion] == version2)
	clear(pt)
	if !ok {
		// Only a holder of the key could make this; say no more than for a
		// forgery.
		return Bundle{}, ErrAuthFailed
	}
	return b, nil
}

// encode returns the version 1 plaintext of bundle name holding env.
func encode(name string, env map[string]string) []byte {
	n := 4 + len(name) + 4
	for k, v := range env {
		n += 8 + len(k) + len(v)
	}
	b := make([]byte, 0, n)
	b = appendString(b, name)
	b = binary.BigEndian.AppendUint32(b, uint32(len(env)))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		b = appendString(b, k)
		b = appendString(b, env[k])
	}
	return b
}

// appendMetadata appends the version 2 metadata of b to the version 1
// plaintext pt.
func appendMetadata(pt []byte, b Bundle) []byte {
	var flags uint32
	if b.WriteOnly {
		flags |= flagWriteOnly
	}
	pt = binary.BigEndian.AppendUint32(pt, flags)
	pt = binary.BigEndian.AppendUint32(pt, uint32(len(b.Descriptions)))
	for _, k := range slices.Sorted(maps.Keys(b.Descriptions)) {
		pt = appendString(pt, k)
		pt = appendString(pt, b.Descriptions[k])
	}
	return pt
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// decode parses a plaintext strictly, of version 2 when withMetadata, else
// of version 1: the name must be name, keys strictly increasing, entries
// valid, descriptions of keys of the bundle, valid and not empty, no unknown
// flag, nothing left over.
func decode(name string, pt []byte, withMetadata bool) (Bundle, bool) {
	// One allocation holds every string of the bundle: keys, values and
	// descriptions are slices of it.
	b := string(pt)
	got, b, ok := readString(b)
	if !ok || got != name {
		return Bundle{}, false
	}
	env, b, ok := readPairs(b, func(k, v string) bool { return rules.CheckEntry(k, v) == nil })
	if !ok {
		return Bundle{}, false
	}
	out := Bundle{Env: env, Descriptions: map[string]string{}}
	if !withMetadata {
		return out, len(b) == 0
	}
	if len(b) < 4 {
		return Bundle{}, false
	}
	flags := be32(b)
	if flags&^knownFlags != 0 {
		return Bundle{}, false
	}
	out.WriteOnly = flags&flagWriteOnly != 0
	out.Descriptions, b, ok = readPairs(b[4:], func(k, d string) bool {
		_, isKey := env[k]
		return isKey && d != "" && rules.CheckDescription(d) == nil
	})
	if !ok || len(b) != 0 {
		return Bundle{}, false
	}
	return out, true
}

// readPairs reads a count and that many pairs of strings, the first strictly
// increasing, each pair accepted by valid, and returns them and the rest.
func readPairs(b string, valid func(k, v string) bool) (map[string]string, string, bool) {
	if len(b) < 4 {
		return nil, "", false
	}
	count := be32(b)
	b = b[4:]
	if uint64(count)*8 > uint64(len(b)) {
		return nil, "", false
	}
	m := make(map[string]string, count)
	prev := ""
	for i := uint32(0); i < count; i++ {
		var k, v string
		var ok bool
		if k, b, ok = readString(b); !ok {
			return nil, "", false
		}
		if v, b, ok = readString(b); !ok {
			return nil, "", false
		}
		if (i > 0 && k <= prev) || !valid(k, v) {
			return nil, "", false
		}
		m[k] = v
		prev = k
	}
	return m, b, true
}

func readString(b string) (string, string, bool) {
	if len(b) < 4 {
		return "", "", false
	}
	n := be32(b)
	b = b[4:]
	if uint64(n) > uint64(len(b)) {
		return "", "", false
	}
	return b[:n], b[n:], true
}

// be32 is the big-endian uint32 at the start of b, which has 4 bytes or more.
func be32(b string) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

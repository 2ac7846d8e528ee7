// Package seal is the sealed format of envseal's stores: one bundle of
// secrets, encrypted and authenticated under a 32-byte store key and bound to
// the bundle's name. Every store backend (a folder, etcd) keeps bundles in
// this format, so the same sealed bytes are valid in each.
//
// # Format, version 1
//
// A sealed bundle is a 62-byte header followed by the AES-256-GCM ciphertext
// of the bundle, tag included. All integers are big-endian.
//
//	offset size  field
//	     0    8  magic      "envseal\x00"
//	     8    1  version    1
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
// Opening checks that the name inside matches, that keys are strictly
// increasing, that every entry obeys the rules of package rules, and that
// nothing follows the last entry. A new plaintext encoding would come with a
// new version byte.
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
	version   = 1
	algorithm = 1 // HKDF-SHA256 + AES-256-GCM

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

// Seal returns bundle name holding env sealed under key, with the salt and
// nonce read from random. name must be the store's full name of the bundle,
// and every entry of env must pass [rules.CheckEntry]; Seal does not check.
func Seal(key *[KeySize]byte, name string, env map[string]string, random io.Reader) ([]byte, error) {
	pt := encode(name, env)
	defer clear(pt)
	if n := headerLen + len(pt) + tagLen; n > MaxSize {
		return nil, &SizeError{Size: n}
	}
	out := make([]byte, headerLen, headerLen+len(pt)+tagLen)
	copy(out, magic)
	out[offVersion] = version
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

// Open authenticates and decodes data, bundle name sealed under key. Every
// failure wraps ErrAuthFailed (see the package doc).
func Open(key *[KeySize]byte, name string, data []byte) (map[string]string, error) {
	switch {
	case len(data) > MaxSize:
		return nil, &SizeError{Size: len(data), opening: true}
	case len(data) < headerLen+tagLen || !bytes.HasPrefix(data, []byte(magic)):
		return nil, ErrAuthFailed
	case data[offVersion] != version || data[offAlgorithm] != algorithm:
		return nil, fmt.Errorf("sealed format version %d, algorithm %d is not supported (this envseal reads version %d, algorithm %d): %w",
			data[offVersion], data[offAlgorithm], version, algorithm, ErrAuthFailed)
	}
	if id := ID(key); !hmac.Equal(id[:], data[offKeyID:offSalt]) {
		e := &WrongKeyError{Used: id}
		copy(e.Sealed[:], data[offKeyID:offSalt])
		return nil, e
	}
	aead, err := fileAEAD(key, data[offSalt:offNonce])
	if err != nil {
		return nil, ErrAuthFailed
	}
	ad := append(slices.Clip(data[:headerLen]), name...)
	pt, err := aead.Open(nil, data[offNonce:headerLen], data[headerLen:], ad)
	if err != nil {
		return nil, ErrAuthFailed
	}
	env, ok := decode(name, pt)
	clear(pt)
	if !ok {
		// Only a holder of the key could make this; say no more than for a
		// forgery.
		return nil, ErrAuthFailed
	}
	return env, nil
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

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// decode parses a version 1 plaintext strictly: the name must be name, keys
// strictly increasing, entries valid, nothing left over.
func decode(name string, b []byte) (map[string]string, bool) {
	got, b, ok := readString(b)
	if !ok || got != name || len(b) < 4 {
		return nil, false
	}
	count := binary.BigEndian.Uint32(b)
	b = b[4:]
	if uint64(count)*8 > uint64(len(b)) {
		return nil, false
	}
	env := make(map[string]string, count)
	prev := ""
	for i := uint32(0); i < count; i++ {
		var k, v string
		if k, b, ok = readString(b); !ok {
			return nil, false
		}
		if v, b, ok = readString(b); !ok {
			return nil, false
		}
		if (i > 0 && k <= prev) || rules.CheckEntry(k, v) != nil {
			return nil, false
		}
		env[k] = v
		prev = k
	}
	return env, len(b) == 0
}

func readString(b []byte) (string, []byte, bool) {
	if len(b) < 4 {
		return "", nil, false
	}
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	if uint64(n) > uint64(len(b)) {
		return "", nil, false
	}
	return string(b[:n]), b[n:], true
}

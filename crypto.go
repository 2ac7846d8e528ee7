package secret

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
)

// The sealed file format, version 1.
//
// A sealed bundle is one file: a 62-byte header followed by the AES-256-GCM
// ciphertext of the bundle, tag included. All integers are big-endian.
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
// byte, or presenting the file under another name (a copy or a rename), fails
// authentication.
//
// The plaintext, version 1, is the name again and the entries sorted by key,
// each string a 4-byte length and its bytes:
//
//	len(name) name count { len(key) key len(value) value }...
//
// Opening checks that the name inside matches, that keys are strictly
// increasing, that every entry obeys the key and value rules of [Resolve] and
// that nothing follows the last entry. A new plaintext encoding would come
// with a new version byte.
//
// The key id lets a store tell, without trying to decrypt, that a file is
// sealed under another key; it is a one-way function of the key and reveals
// nothing about it. [FileStore.Rotate] uses it to resume an interrupted
// rotation. It is not reported in errors: every failure to authenticate is
// the same opaque error.
const (
	sealMagic     = "envseal\x00"
	sealVersion   = 1
	sealAlgorithm = 1 // HKDF-SHA256 + AES-256-GCM

	keyIDLen  = 8
	saltLen   = 32
	nonceLen  = 12
	tagLen    = 16
	headerLen = len(sealMagic) + 1 + 1 + keyIDLen + saltLen + nonceLen // 62

	// maxSealedSize is the largest sealed file that is read or written.
	maxSealedSize = 1 << 20
)

// Offsets of the header fields.
const (
	offVersion   = len(sealMagic)
	offAlgorithm = offVersion + 1
	offKeyID     = offAlgorithm + 1
	offSalt      = offKeyID + keyIDLen
	offNonce     = offSalt + saltLen
)

// ErrAuthFailed reports a sealed bundle file that cannot be opened: the key
// is wrong, or the file was modified, truncated, extended, or copied or
// renamed from another bundle name, or it is not a sealed file of a format
// this package reads. Check for it with [errors.Is].
//
// Every failure that depends on the key gives exactly the same message,
// which names the bundle and nothing else, so that the error is no oracle.
// Only refusals that depend on public facts alone (the file's size, or a
// format version or algorithm this package does not know) say more.
var ErrAuthFailed = errors.New("authentication failed: wrong key, or the sealed file was modified, truncated or renamed")

// authError returns the opaque error for bundle name.
func authError(name string) error {
	return fmt.Errorf("envseal: bundle %q: %w", name, ErrAuthFailed)
}

// keyID returns the key id of k, as written in the header.
func keyID(k Key) [keyIDLen]byte {
	m := hmac.New(sha256.New, k.b[:])
	m.Write([]byte("envseal key id v1"))
	var id [keyIDLen]byte
	copy(id[:], m.Sum(nil))
	return id
}

// fileAEAD returns the AES-256-GCM of the file key for salt.
func fileAEAD(k Key, salt []byte) (cipher.AEAD, error) {
	fk, err := hkdf.Key(sha256.New, k.b[:], salt, "envseal v1 file key", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(fk)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal returns the sealed file of bundle name holding env, with salt and
// nonce read from random. name must be valid and env must pass checkEntry.
func seal(k Key, name string, env map[string]string, random io.Reader) ([]byte, error) {
	pt := encodeBundle(name, env)
	if headerLen+len(pt)+tagLen > maxSealedSize {
		return nil, fmt.Errorf("envseal: bundle %q: %d bytes sealed, over the limit of %d", name, headerLen+len(pt)+tagLen, maxSealedSize)
	}
	out := make([]byte, headerLen, headerLen+len(pt)+tagLen)
	copy(out, sealMagic)
	out[offVersion] = sealVersion
	out[offAlgorithm] = sealAlgorithm
	id := keyID(k)
	copy(out[offKeyID:], id[:])
	if _, err := io.ReadFull(random, out[offSalt:headerLen]); err != nil {
		return nil, fmt.Errorf("envseal: bundle %q: reading randomness: %w", name, err)
	}
	aead, err := fileAEAD(k, out[offSalt:offNonce])
	if err != nil {
		return nil, fmt.Errorf("envseal: bundle %q: %w", name, err)
	}
	ad := append(out[:headerLen:headerLen], name...)
	return aead.Seal(out, out[offNonce:headerLen], pt, ad), nil
}

// sealedKeyID returns the key id in the header of data, if data is long
// enough to have one. It authenticates nothing.
func sealedKeyID(data []byte) ([keyIDLen]byte, bool) {
	var id [keyIDLen]byte
	if len(data) < headerLen+tagLen || !bytes.HasPrefix(data, []byte(sealMagic)) {
		return id, false
	}
	copy(id[:], data[offKeyID:])
	return id, true
}

// open authenticates and decodes the sealed file data of bundle name. Every
// failure wraps ErrAuthFailed; those that depend on the key are the one
// opaque error of authError.
func open(k Key, name string, data []byte) (map[string]string, error) {
	switch {
	case len(data) > maxSealedSize:
		return nil, fmt.Errorf("envseal: bundle %q: sealed file is %d bytes, over the limit of %d: %w", name, len(data), maxSealedSize, ErrAuthFailed)
	case len(data) < headerLen+tagLen || !bytes.HasPrefix(data, []byte(sealMagic)):
		return nil, authError(name)
	case data[offVersion] != sealVersion || data[offAlgorithm] != sealAlgorithm:
		return nil, fmt.Errorf("envseal: bundle %q: sealed file format version %d, algorithm %d is not supported (this envseal reads version %d, algorithm %d): %w",
			name, data[offVersion], data[offAlgorithm], sealVersion, sealAlgorithm, ErrAuthFailed)
	}
	if id := keyID(k); !hmac.Equal(id[:], data[offKeyID:offSalt]) {
		return nil, authError(name)
	}
	aead, err := fileAEAD(k, data[offSalt:offNonce])
	if err != nil {
		return nil, authError(name)
	}
	ad := append(slices.Clip(data[:headerLen]), name...)
	pt, err := aead.Open(nil, data[offNonce:headerLen], data[headerLen:], ad)
	if err != nil {
		return nil, authError(name)
	}
	env, ok := decodeBundle(name, pt)
	clear(pt)
	if !ok {
		// Only a holder of the key could make this; say no more than for a
		// forgery.
		return nil, authError(name)
	}
	return env, nil
}

// encodeBundle returns the version 1 plaintext of bundle name holding env.
func encodeBundle(name string, env map[string]string) []byte {
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

// decodeBundle parses a version 1 plaintext strictly: the name must be name,
// keys strictly increasing, entries valid, nothing left over.
func decodeBundle(name string, b []byte) (map[string]string, bool) {
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
		if (i > 0 && k <= prev) || checkEntry(k, v) != nil {
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

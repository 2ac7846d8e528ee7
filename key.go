package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/envseal/secret/internal/regular"

	"github.com/envseal/secret/internal/seal"
)

// Key is the 32-byte key of an encrypted store ([FileStore]).
//
// A Key never prints: String, GoString, every fmt verb (%v %+v %#v %s %q %x
// ...), log/slog and encoding/json all show "secret.Key(REDACTED)" or
// "REDACTED". [Key.Encode] is the only way to get its text form. The zero Key
// is not a valid key: [OpenFileStore] and [FileStore.Rotate] refuse it.
//
// Keys are comparable with ==: two Keys are equal when their bytes are.
//
// A Key keeps its bytes where fmt cannot print them, even from a Key held in
// an unexported field of a struct, where fmt cannot call its methods (see
// the internal type it is defined as). Printers that follow every pointer
// with package unsafe (go-spew, and so testify's failure diffs) can still
// reach them: never hand a Key, or a struct holding one, to such a printer.
type Key seal.Key

// newKey returns the Key of b.
func newKey(b *[seal.KeySize]byte) Key { return Key(seal.NewKey(b)) }

// keyPrefix starts the text form of a Key. The "1" is the version of the
// text form.
const keyPrefix = "envseal-key-1-"

// keyChecksumLen is the length of the checksum at the end of the text form.
const keyChecksumLen = 4

// The methods have value receivers so that a Key inside a struct, a copy or a
// pointer prints redacted in every case.
var (
	_ fmt.Formatter  = Key{}
	_ fmt.Stringer   = Key{}
	_ fmt.GoStringer = Key{}
	_ slog.LogValuer = Key{}
	_ json.Marshaler = Key{}
)

// GenerateKey returns a new random Key from [crypto/rand].
func GenerateKey() (Key, error) {
	var b [seal.KeySize]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		return Key{}, fmt.Errorf("generating a key: %w", err)
	}
	return newKey(&b), nil
}

// Encode returns the text form of k: "envseal-key-1-" followed by the
// unpadded URL-safe base64 of the 32 key bytes and a 4-byte checksum (the
// first 4 bytes of SHA-256 over the prefix and the key bytes), 62 characters
// in all. It is the only way to print a key; treat its result as the secret
// it is.
func (k Key) Encode() string {
	b := k.bytes()
	sum := keyChecksum(b[:])
	buf := make([]byte, 0, len(b)+keyChecksumLen)
	buf = append(buf, b[:]...)
	buf = append(buf, sum[:]...)
	return keyPrefix + base64.RawURLEncoding.EncodeToString(buf)
}

func keyChecksum(b []byte) [keyChecksumLen]byte {
	h := sha256.New()
	h.Write([]byte(keyPrefix))
	h.Write(b)
	var out [keyChecksumLen]byte
	copy(out[:], h.Sum(nil))
	return out
}

// ParseKey parses the text form made by [Key.Encode]. Leading and trailing
// white space (such as the newline at the end of a key file) is ignored. A
// missing prefix, a wrong length, a character outside the alphabet or a
// checksum that does not match is an error, so a truncated or mistyped key is
// refused here rather than failing later to open bundles. So is the all-zero
// key, which [OpenFileStore] would refuse anyway. The error never quotes s.
func ParseKey(s string) (Key, error) {
	k, err := parseKey(s)
	if err != nil {
		return Key{}, fmt.Errorf("malformed key: %w", err)
	}
	return k, nil
}

// parseKey is ParseKey with errors that say what is wrong, for the callers
// to say where.
func parseKey(s string) (Key, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, keyPrefix) {
		return Key{}, fmt.Errorf("it does not start with %q", keyPrefix)
	}
	body := s[len(keyPrefix):]
	want := base64.RawURLEncoding.EncodedLen(32 + keyChecksumLen)
	if len(body) != want {
		return Key{}, fmt.Errorf("%d characters after the prefix, want %d (truncated or mistyped?)", len(body), want)
	}
	// The decoder skips CR and LF: a body with either decodes to fewer
	// bytes, so the length is checked too.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(raw) != seal.KeySize+keyChecksumLen {
		// The base64 error quotes an offset only, but say it ourselves so that
		// no part of the input could ever end up in the message.
		return Key{}, errors.New("a character is not in the URL-safe base64 alphabet")
	}
	var b [seal.KeySize]byte
	copy(b[:], raw[:32])
	sum := keyChecksum(b[:])
	if !hmac.Equal(sum[:], raw[32:]) {
		return Key{}, errors.New("checksum mismatch (mistyped or truncated key?)")
	}
	if b == [seal.KeySize]byte{} {
		// GenerateKey never makes it; it is a placeholder, not a key.
		return Key{}, errors.New("it is the all-zero key, which is not a valid key; generate one with `envseal key generate`")
	}
	return newKey(&b), nil
}

// bytes returns a copy of the key bytes, for the sealed format.
func (k Key) bytes() *[seal.KeySize]byte { return seal.Key(k).Bytes() }

// id returns the key id of k: a one-way function of it, which the sealed
// format writes in every bundle's header.
func (k Key) id() seal.KeyID { return seal.Key(k).ID() }

// ID returns the key id of k, 16 hex digits: a one-way function of the key
// (the first 8 bytes of an HMAC-SHA256 under it) that every bundle sealed
// under k carries in its header. It reveals nothing about the key, so
// errors and `envseal key show` print it to tell keys apart.
func (k Key) ID() string { return k.id().String() }

// isZero reports whether k is the zero Key.
func (k Key) isZero() bool { return seal.Key(k).IsZero() }

const redactedKey = "secret.Key(REDACTED)"

// String returns "secret.Key(REDACTED)".
func (k Key) String() string { return redactedKey }

// GoString returns "secret.Key(REDACTED)".
func (k Key) GoString() string { return redactedKey }

// Format prints "secret.Key(REDACTED)" for every verb and flag.
func (k Key) Format(f fmt.State, verb rune) { io.WriteString(f, redactedKey) }

// LogValue returns the string "REDACTED" for log/slog.
func (k Key) LogValue() slog.Value { return slog.StringValue("REDACTED") }

// MarshalJSON returns the JSON string "REDACTED".
func (k Key) MarshalJSON() ([]byte, error) { return []byte(`"REDACTED"`), nil }

// Environment variables and files that hold the key.
const (
	envKey     = "ENVSEAL_KEY"
	envKeyFile = "ENVSEAL_KEY_FILE"
	envStore   = "ENVSEAL_STORE"
	// envEnvironment selects the environment of the default store.
	envEnvironment = "ENVSEAL_ENVIRONMENT"
)

// maxKeyFileSize caps how much of a key file is read.
const maxKeyFileSize = 4096

// LoadKey finds the store key. It looks, in order, at:
//
//  1. the ENVSEAL_KEY environment variable, if it is not empty;
//  2. the file named by ENVSEAL_KEY_FILE, if that variable is not empty;
//  3. the file <user config dir>/envseal/key (see [os.UserConfigDir]).
//
// The first one present wins. A malformed key there is an error, never a
// reason to look further; so is a missing file named by ENVSEAL_KEY_FILE. A
// key file that group or others may access is refused, with an error that
// says to run chmod 600 on it. When there is no key anywhere, the error wraps
// [ErrNotFound] and says how to create one (envseal key generate).
//
// Errors name the variable or file, never the key.
func LoadKey() (Key, error) {
	k, _, err := findKey(os.Getenv, os.UserConfigDir)
	return k, err
}

// FindKey finds the store key as [LoadKey] does, and says where it found
// it: "ENVSEAL_KEY", or the path of the key file it read. Pass that as
// [StoreOptions.KeySource], so that an error about a bundle sealed under
// another key names the key that was used.
func FindKey() (key Key, source string, err error) {
	return findKey(os.Getenv, os.UserConfigDir)
}

// findKey is FindKey with its environment and config dir injected, so that
// tests run in parallel.
func findKey(getenv func(string) string, configDir func() (string, error)) (Key, string, error) {
	if s := getenv(envKey); s != "" {
		k, err := parseKey(s)
		if err != nil {
			return Key{}, "", fmt.Errorf("%s holds a malformed key: %w", envKey, err)
		}
		return k, envKey, nil
	}
	if p := getenv(envKeyFile); p != "" {
		k, err := readKeyFile(p, envKeyFile+" names ")
		return k, p, err
	}
	dir, err := configDir()
	if err != nil {
		return Key{}, "", fmt.Errorf("no key: %s and %s are not set, and the user config dir is unknown (%v); set one of them", envKey, envKeyFile, err)
	}
	p := filepath.Join(dir, "envseal", "key")
	k, err := readKeyFile(p, "")
	if errors.Is(err, ErrNotFound) {
		return Key{}, "", fmt.Errorf("no key: %s and %s are not set and %s does not exist; create one with `envseal key generate`: %w",
			envKey, envKeyFile, p, ErrNotFound)
	}
	return k, p, err
}

// DefaultKeyFile returns the key file that [LoadKey] reads when ENVSEAL_KEY
// is empty: the file named by ENVSEAL_KEY_FILE if that is not empty, else
// <user config dir>/envseal/key (see [os.UserConfigDir]), which is where
// `envseal key generate` writes a new key. It does not check that the file
// exists.
func DefaultKeyFile() (string, error) {
	return defaultKeyFile(os.Getenv, os.UserConfigDir)
}

func defaultKeyFile(getenv func(string) string, configDir func() (string, error)) (string, error) {
	if p := getenv(envKeyFile); p != "" {
		return p, nil
	}
	dir, err := configDir()
	if err != nil {
		return "", fmt.Errorf("no key file: %s is not set, and the user config dir is unknown: %w", envKeyFile, err)
	}
	return filepath.Join(dir, "envseal", "key"), nil
}

// readKeyFile reads and parses the key file at path. what, such as
// "ENVSEAL_KEY_FILE names ", prefixes the path in errors.
func readKeyFile(path, what string) (Key, error) {
	data, fi, err := regular.ReadFile(path, maxKeyFileSize)
	var tl *regular.TooLargeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Key{}, fmt.Errorf("key file %s%s: %w", what, path, ErrNotFound)
	case errors.Is(err, regular.ErrNotRegular):
		return Key{}, fmt.Errorf("key file %s%s: not a regular file", what, path)
	case errors.As(err, &tl):
		return Key{}, fmt.Errorf("key file %s%s: over %d bytes, not a key", what, path, maxKeyFileSize)
	case err != nil:
		return Key{}, fmt.Errorf("key file %s%s: %w", what, path, unwrapPath("read", err))
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return Key{}, fmt.Errorf("key file %s%s is accessible by group or others (mode %04o); refusing to use it: run `chmod 600 %s`",
			what, path, perm, path)
	}
	k, err := parseKey(string(data))
	if err != nil {
		return Key{}, fmt.Errorf("key file %s%s holds a malformed key: %w", what, path, err)
	}
	return k, nil
}

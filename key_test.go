package secret

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test keys: fake, for tests only. testKeyText is bytes 0..31; otherKeyText
// is bytes 100..131. Their text forms were computed independently (Python's
// base64 and hashlib), so they are known answers for Encode and ParseKey.
const (
	testKeyText  = "envseal-key-1-AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9PeUze"
	otherKeyText = "envseal-key-1-ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1-f4CBgoPxzCUz"
)

func mustKey(t testing.TB, s string) Key {
	t.Helper()
	k, err := ParseKey(s)
	require.NoError(t, err)
	return k
}

func TestKeyKnownAnswer(t *testing.T) {
	t.Parallel()
	k := mustKey(t, testKeyText)
	for i, b := range k.bytes() {
		require.Equal(t, byte(i), b, "byte %d", i)
	}
	assert.Equal(t, testKeyText, k.Encode())
	o := mustKey(t, otherKeyText)
	assert.Equal(t, otherKeyText, o.Encode())
	assert.NotEqual(t, k, o)
}

func TestGenerateKeyRoundTrip(t *testing.T) {
	t.Parallel()
	a, err := GenerateKey()
	require.NoError(t, err)
	b, err := GenerateKey()
	require.NoError(t, err)
	assert.False(t, a == b, "two generated keys are equal")
	assert.False(t, a.isZero())
	text := a.Encode()
	assert.True(t, strings.HasPrefix(text, keyPrefix))
	assert.Len(t, text, 62)
	back, err := ParseKey(text)
	require.NoError(t, err)
	assert.True(t, a == back, "ParseKey(Encode()) differs")
	back, err = ParseKey("  " + text + "\r\n")
	require.NoError(t, err)
	assert.True(t, a == back, "surrounding white space not ignored")
}

func TestParseKeyRejects(t *testing.T) {
	t.Parallel()
	body := testKeyText[len(keyPrefix):]
	cases := map[string]string{
		"empty":           "",
		"no prefix":       body,
		"other prefix":    "age-secret-key-1-" + body,
		"upper prefix":    strings.ToUpper(keyPrefix) + body,
		"extra char":      testKeyText + "A",
		"inner space":     keyPrefix + body[:10] + " " + body[11:],
		"std base64 char": strings.Replace(otherKeyText, "-", "+", 1)[:len(keyPrefix)] + strings.Replace(otherKeyText[len(keyPrefix):], "-", "+", 1),
		"padding":         keyPrefix + body[:len(body)-2] + "==",
		"all-zero key":    Key{}.Encode(),
		// The base64 decoder skips CR and LF, so these decode to fewer
		// bytes than a key has, at the right length in characters.
		"newlines inside": keyPrefix + body[:4] + strings.Repeat("\n", 32) + body[36:],
		"CR LF inside":    keyPrefix + body[:10] + "\r\n" + body[12:],
	}
	// Every truncation, and every single-character substitution.
	for n := 0; n < len(testKeyText); n++ {
		cases[fmt.Sprintf("truncated to %d", n)] = testKeyText[:n]
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := len(keyPrefix); i < len(testKeyText); i++ {
		for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, testKeyText[i])+1)%64], alphabet[(strings.IndexByte(alphabet, testKeyText[i])+33)%64]} {
			cases[fmt.Sprintf("char %d to %c", i, c)] = testKeyText[:i] + string(c) + testKeyText[i+1:]
		}
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseKey(in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "malformed key")
			if len(in) > len(keyPrefix)+8 {
				assert.NotContains(t, err.Error(), in[len(keyPrefix):len(keyPrefix)+8], "error quotes the key")
			}
		})
	}
}

func TestKeyNeverPrints(t *testing.T) {
	t.Parallel()
	k := mustKey(t, testKeyText)
	body := testKeyText[len(keyPrefix):]
	type holder struct {
		K  Key
		P  *Key
		Ks []Key
	}
	h := holder{K: k, P: &k, Ks: []Key{k}}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v", "%T"} {
		outs = append(outs, fmt.Sprintf(verb, k), fmt.Sprintf(verb, &k), fmt.Sprintf(verb, h))
	}
	outs = append(outs, k.String(), k.GoString(), fmt.Sprint(k), fmt.Sprintln(k, &k))
	j, err := json.Marshal(h)
	require.NoError(t, err)
	outs = append(outs, string(j))
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("key", "k", k, "p", &k, "h", h)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("key", "k", k, "p", &k, "h", h)
	outs = append(outs, buf.String())
	hexKey := fmt.Sprintf("%x", k.bytes()[:])
	for _, out := range outs {
		assert.NotContains(t, out, body[:8], "printed form shows the key")
		assert.NotContains(t, out, hexKey[2:18], "printed form shows the key bytes")
		assert.NotContains(t, out, "[0 1 2 3", "printed form shows the key bytes")
		assert.NotContains(t, out, "0x0, 0x1, 0x2", "printed form shows the key bytes")
	}
	assert.Equal(t, "secret.Key(REDACTED)", fmt.Sprintf("%#v", k))
	assert.Contains(t, string(j), `"K":"REDACTED"`)
}

// fakeEnv is an injected getenv.
func fakeEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func configDirOf(dir string) func() (string, error) {
	return func() (string, error) { return dir, nil }
}

// writeKeyFile writes text to path with mode perm, creating folders.
func writeKeyFile(t *testing.T, path, text string, perm os.FileMode) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(text+"\n"), perm))
	require.NoError(t, os.Chmod(path, perm)) // whatever the umask
}

func TestLoadKeyPrecedence(t *testing.T) {
	t.Parallel()
	type setup struct {
		envKey      string // ENVSEAL_KEY
		keyFile     string // content of the file ENVSEAL_KEY_FILE names; "-" for no variable; "missing" for a missing file
		defaultFile string // content of <config>/envseal/key; "" for none
	}
	cases := []struct {
		name    string
		setup   setup
		want    string // key text, or "" for an error
		errHas  []string
		errIs   error
		errNot  string // must not appear in the error
		perm    os.FileMode
		noConfg bool
	}{
		{name: "env wins over both files", setup: setup{testKeyText, otherKeyText, otherKeyText}, want: testKeyText},
		{name: "key file wins over default", setup: setup{"", testKeyText, otherKeyText}, want: testKeyText},
		{name: "default file", setup: setup{"", "-", testKeyText}, want: testKeyText},
		{name: "malformed env is an error, not a fall-through", setup: setup{testKeyText[:40], testKeyText, testKeyText},
			errHas: []string{"ENVSEAL_KEY", "malformed"}, errNot: testKeyText[14:40]},
		{name: "malformed key file is an error", setup: setup{"", otherKeyText[:50], testKeyText},
			errHas: []string{"ENVSEAL_KEY_FILE", "malformed"}, errNot: otherKeyText[14:50]},
		{name: "malformed default file is an error", setup: setup{"", "-", "not-a-key"},
			errHas: []string{"malformed", filepath.Join("envseal", "key")}},
		{name: "missing named key file is an error", setup: setup{"", "missing", testKeyText},
			errHas: []string{"ENVSEAL_KEY_FILE", "nope"}, errIs: ErrNotFound},
		{name: "no key anywhere", setup: setup{"", "-", ""},
			errHas: []string{"envseal key generate", "ENVSEAL_KEY"}, errIs: ErrNotFound},
		{name: "group-readable default file", setup: setup{"", "-", testKeyText}, perm: 0o640,
			errHas: []string{"chmod 600 ", filepath.Join("envseal", "key")}},
		{name: "world-readable key file", setup: setup{"", testKeyText, ""}, perm: 0o604,
			errHas: []string{"chmod 600 ", "custom.key"}},
		{name: "no config dir and nothing set", setup: setup{"", "-", ""}, noConfg: true,
			errHas: []string{"ENVSEAL_KEY_FILE", "config dir"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := t.TempDir()
			perm := tc.perm
			if perm == 0 {
				perm = 0o600
			}
			env := map[string]string{envKey: tc.setup.envKey}
			switch tc.setup.keyFile {
			case "-":
			case "missing":
				env[envKeyFile] = filepath.Join(cfg, "nope")
			default:
				p := filepath.Join(cfg, "custom.key")
				writeKeyFile(t, p, tc.setup.keyFile, perm)
				env[envKeyFile] = p
			}
			if tc.setup.defaultFile != "" {
				writeKeyFile(t, filepath.Join(cfg, "envseal", "key"), tc.setup.defaultFile, perm)
			}
			configDir := configDirOf(cfg)
			if tc.noConfg {
				configDir = func() (string, error) { return "", errors.New("$HOME is not defined") }
			}
			k, _, err := findKey(fakeEnv(env), configDir)
			if tc.want != "" {
				require.NoError(t, err)
				assert.Equal(t, tc.want, k.Encode())
				return
			}
			require.Error(t, err)
			for _, s := range tc.errHas {
				assert.Contains(t, err.Error(), s)
			}
			if tc.errIs != nil {
				assert.ErrorIs(t, err, tc.errIs)
			}
			if tc.errNot != "" {
				assert.NotContains(t, err.Error(), tc.errNot)
			}
		})
	}
}

// TestLoadKeyRealEnvironment checks that LoadKey reads the real variables.
// Not parallel: it uses t.Setenv.
func TestLoadKeyRealEnvironment(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("HOME", cfg)
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv(envKey, "")
	t.Setenv(envKeyFile, "")

	_, err := LoadKey()
	require.ErrorIs(t, err, ErrNotFound)

	ucd, err := os.UserConfigDir()
	require.NoError(t, err)
	writeKeyFile(t, filepath.Join(ucd, "envseal", "key"), otherKeyText, 0o600)
	k, err := LoadKey()
	require.NoError(t, err)
	assert.Equal(t, otherKeyText, k.Encode())

	p := filepath.Join(cfg, "k")
	writeKeyFile(t, p, testKeyText, 0o600)
	t.Setenv(envKeyFile, p)
	k, err = LoadKey()
	require.NoError(t, err)
	assert.Equal(t, testKeyText, k.Encode())

	t.Setenv(envKey, otherKeyText)
	k, err = LoadKey()
	require.NoError(t, err)
	assert.Equal(t, otherKeyText, k.Encode())
}

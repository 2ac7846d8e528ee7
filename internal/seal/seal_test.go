package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret/internal/rules"
)

var update = flag.Bool("update", false, "rewrite the known-answer vectors under testdata")

// testKey is the key with bytes 0, 1, ..., 31 (envseal-key-1-AAECAwQF...);
// otherKey the one with bytes 100, ..., 131. The known-answer vectors are
// sealed under testKey.
func testKey() *[KeySize]byte {
	var k [KeySize]byte
	for i := range k {
		k[i] = byte(i)
	}
	return &k
}

func otherKey() *[KeySize]byte {
	var k [KeySize]byte
	for i := range k {
		k[i] = byte(100 + i)
	}
	return &k
}

// countingReader yields 0, 1, 2, ... (mod 256): deterministic "randomness"
// for known-answer vectors.
type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

// Bundles for round trips and vectors. All values are fake.
var testBundles = map[string]map[string]string{
	"empty": {},
	"basic": {"API_KEY": "fake-api-key", "MODE": "", "_X1": "not-a-secret"},
	"unicode-multiline": {
		"GREETING": "fake héllo wörld ☃ 日本語 🙂",
		"PEM":      "-----BEGIN FAKE KEY-----\nnot-a-secret\r\nline 3\n-----END FAKE KEY-----\n",
		"SPECIAL":  "pa$Sword \"quoted\" 'single' \\ ${NOT_EXPANDED} \t tab",
	},
	"large": {"BIG": strings.Repeat("fake-", 32768/5) + "xyz", "ALSO": strings.Repeat("n", 32768)},
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k := testKey()
	for name, env := range testBundles {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := Seal(k, name, env, rand.Reader)
			require.NoError(t, err)
			got, err := Open(k, name, data)
			require.NoError(t, err)
			assert.True(t, mapsEqual(env, got), "round trip changed the bundle")
			assert.NotNil(t, got)
		})
	}
}

// mapsEqual compares without printing values on failure.
func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Bundles with metadata, sealed as version 2. All values are fake.
var testBundlesV2 = map[string]Bundle{
	"v2-described": {
		Env:          map[string]string{"API_KEY": "fake-api-key", "DB_URL": "postgres://fake", "MODE": ""},
		Descriptions: map[string]string{"API_KEY": "OpenAI key, for completions", "DB_URL": "clé ☃\nline two\t\x1b[31m"},
	},
	"v2-write-only": {
		Env:          map[string]string{"TOKEN": "fake-token"},
		Descriptions: map[string]string{},
		WriteOnly:    true,
	},
	"v2-write-only-described": {
		Env:          map[string]string{"A": "fake-a", "B": "fake-b"},
		Descriptions: map[string]string{"B": "only B has one"},
		WriteOnly:    true,
	},
}

// bundleJSON is the JSON of a version 2 vector.
type bundleJSON struct {
	Env          map[string]string `json:"env"`
	Descriptions map[string]string `json:"descriptions"`
	WriteOnly    bool              `json:"write_only"`
}

// TestKnownAnswerVectors opens the sealed files committed under
// testdata/store with the fixed test key, and checks that sealing with the
// deterministic reader gives exactly the same bytes, so that no change to the
// format slips in unnoticed. Run with -update to write them (once, or after
// a deliberate format change with a new version byte).
func TestKnownAnswerVectors(t *testing.T) {
	t.Parallel()
	k := testKey()
	dir := "testdata"
	if *update {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for name, env := range testBundles {
			if name == "large" {
				continue // keep testdata small
			}
			data, err := Seal(k, name, env, &countingReader{})
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name+".sealed"), data, 0o644))
			j, err := json.MarshalIndent(env, "", "  ")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), append(j, '\n'), 0o644))
		}
		for name, b := range testBundlesV2 {
			data, err := SealBundle(k, name, b, &countingReader{})
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name+".sealed"), data, 0o644))
			j, err := json.MarshalIndent(bundleJSON(b), "", "  ")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), append(j, '\n'), 0o644))
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"+".sealed"))
	require.NoError(t, err)
	require.Len(t, files, 6, "known-answer vectors missing; run go test -run TestKnownAnswerVectors -update")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sealed")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			j, err := os.ReadFile(filepath.Join(dir, name+".json"))
			require.NoError(t, err)
			var want Bundle
			if strings.HasPrefix(name, "v2-") {
				var bj bundleJSON
				require.NoError(t, json.Unmarshal(j, &bj))
				want = Bundle(bj)
				assert.Equal(t, byte(version2), data[offVersion])
			} else {
				// Version 1, from before metadata: a flat object of entries.
				require.NoError(t, json.Unmarshal(j, &want.Env))
				want.Descriptions = map[string]string{}
				assert.Equal(t, byte(version), data[offVersion])
			}
			got, err := OpenBundle(k, name, data)
			require.NoError(t, err)
			assert.True(t, mapsEqual(want.Env, got.Env), "vector %s opens to a different bundle", name)
			assert.Equal(t, want.Descriptions, got.Descriptions)
			assert.Equal(t, want.WriteOnly, got.WriteOnly)
			env, err := Open(k, name, data)
			require.NoError(t, err)
			assert.True(t, mapsEqual(want.Env, env), "Open gives the entries of vector %s", name)
			again, err := SealBundle(k, name, want, &countingReader{})
			require.NoError(t, err)
			assert.True(t, bytes.Equal(data, again), "sealing %s no longer gives the committed bytes", name)
			_, err = Open(otherKey(), name, data)
			assert.ErrorIs(t, err, ErrAuthFailed)
		})
	}
}

// TestVersion1WithoutMetadata checks that a bundle without metadata is
// sealed as version 1, which an envseal from before version 2 reads, and
// one with metadata as version 2, which such an envseal refuses by its
// version rather than reading it without its flags.
func TestVersion1WithoutMetadata(t *testing.T) {
	t.Parallel()
	k := testKey()
	for _, tc := range []struct {
		name string
		b    Bundle
		want byte
	}{
		{"nil metadata", Bundle{Env: map[string]string{"A": "fake"}}, version},
		{"empty descriptions", Bundle{Env: map[string]string{"A": "fake"}, Descriptions: map[string]string{}}, version},
		{"a description", Bundle{Env: map[string]string{"A": "fake"}, Descriptions: map[string]string{"A": "d"}}, version2},
		{"write-only", Bundle{Env: map[string]string{"A": "fake"}, WriteOnly: true}, version2},
		{"write-only, empty", Bundle{WriteOnly: true}, version2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := SealBundle(k, "b", tc.b, rand.Reader)
			require.NoError(t, err)
			assert.Equal(t, tc.want, data[offVersion])
			got, err := OpenBundle(k, "b", data)
			require.NoError(t, err)
			assert.True(t, mapsEqual(tc.b.Env, got.Env))
			assert.Equal(t, len(tc.b.Descriptions), len(got.Descriptions))
			assert.Equal(t, tc.b.WriteOnly, got.WriteOnly)
			assert.NotNil(t, got.Env)
			assert.NotNil(t, got.Descriptions)
		})
	}
}

// sealedBasic returns the "basic" bundle sealed under the test key, and the
// opaque error text for it.
func sealedBasic(t *testing.T) ([]byte, string) {
	t.Helper()
	data, err := Seal(testKey(), "basic", testBundles["basic"], rand.Reader)
	require.NoError(t, err)
	return data, ErrAuthFailed.Error()
}

// assertOpaque checks that opening data as "basic" under the test key fails
// with the opaque error, and with nothing else when exact.
func assertOpaque(t *testing.T, data []byte, opaque string, exact bool, what string) {
	t.Helper()
	got, err := Open(testKey(), "basic", data)
	if !assert.Error(t, err, "%s: opened", what) {
		return
	}
	assert.Nil(t, got, "%s: partial result", what)
	assert.ErrorIs(t, err, ErrAuthFailed, what)
	if exact {
		assert.Equal(t, opaque, err.Error(), what)
	}
	assert.NotContains(t, err.Error(), "fake-api-key", what)
}

func TestEveryBitFlipRejected(t *testing.T) {
	t.Parallel()
	data, opaque := sealedBasic(t)
	for i := range data {
		for bit := 0; bit < 8; bit++ {
			c := bytes.Clone(data)
			c[i] ^= 1 << bit
			// Only the public facts may say more: the version, the
			// algorithm and the key id.
			exact := i != offVersion && i != offAlgorithm && (i < offKeyID || i >= offSalt)
			assertOpaque(t, c, opaque, exact, fmt.Sprintf("byte %d bit %d", i, bit))
		}
	}
}

func TestEveryTruncationRejected(t *testing.T) {
	t.Parallel()
	data, opaque := sealedBasic(t)
	for n := 0; n < len(data); n++ {
		assertOpaque(t, data[:n], opaque, true, fmt.Sprintf("truncated to %d", n))
	}
	for _, extra := range [][]byte{{0}, {1, 2, 3}, bytes.Repeat([]byte{0}, 16), data} {
		assertOpaque(t, append(bytes.Clone(data), extra...), opaque, true, fmt.Sprintf("%d trailing bytes", len(extra)))
	}
}

func TestHeaderTamperRejected(t *testing.T) {
	t.Parallel()
	data, opaque := sealedBasic(t)
	k := testKey()
	other, err := Seal(k, "basic", testBundles["basic"], rand.Reader)
	require.NoError(t, err)
	cases := []struct {
		name  string
		edit  func(b []byte) []byte
		exact bool
	}{
		{"magic", func(b []byte) []byte { copy(b, "ENVSEAL\x00"); return b }, true},
		{"version 2", func(b []byte) []byte { b[offVersion] = 2; return b }, true},
		{"version 3", func(b []byte) []byte { b[offVersion] = 3; return b }, false},
		{"version 0", func(b []byte) []byte { b[offVersion] = 0; return b }, false},
		{"algorithm 2", func(b []byte) []byte { b[offAlgorithm] = 2; return b }, false},
		{"key id of another key", func(b []byte) []byte {
			id := ID(otherKey())
			copy(b[offKeyID:], id[:])
			return b
		}, false},
		{"salt of another seal", func(b []byte) []byte { copy(b[offSalt:offNonce], other[offSalt:offNonce]); return b }, true},
		{"nonce of another seal", func(b []byte) []byte { copy(b[offNonce:headerLen], other[offNonce:headerLen]); return b }, true},
		{"header of another seal", func(b []byte) []byte { copy(b, other[:headerLen]); return b }, true},
		{"zero header", func(b []byte) []byte { clear(b[:headerLen]); return b }, true},
		{"header only", func(b []byte) []byte { return b[:headerLen] }, true},
		{"empty", func(b []byte) []byte { return nil }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assertOpaque(t, tc.edit(bytes.Clone(data)), opaque, tc.exact, tc.name)
		})
	}
	_, err = Open(k, "basic", func() []byte { b := bytes.Clone(data); b[offVersion] = 3; return b }())
	assert.Contains(t, err.Error(), "version 3")
	assert.Contains(t, err.Error(), "reads versions 1 and 2")
}

func TestWrongKeyNamedRenameOpaque(t *testing.T) {
	t.Parallel()
	data, opaque := sealedBasic(t)
	k := testKey()

	// A wrong key says so, with both key ids: public, one-way facts.
	_, errWrongKey := Open(otherKey(), "basic", data)
	require.ErrorIs(t, errWrongKey, ErrAuthFailed)
	var wk *WrongKeyError
	require.ErrorAs(t, errWrongKey, &wk)
	assert.Equal(t, ID(k), wk.Sealed)
	assert.Equal(t, ID(otherKey()), wk.Used)
	assert.Equal(t, "sealed under key id "+ID(k).String()+", not under the key in use (key id "+ID(otherKey()).String()+")", errWrongKey.Error())

	_, errRenamed := Open(k, "basic2", data)
	require.ErrorIs(t, errRenamed, ErrAuthFailed)
	assert.Equal(t, opaque, errRenamed.Error())

	// A wrong key with the right key id (impossible in practice) still fails.
	b := bytes.Clone(data)
	id := ID(otherKey())
	copy(b[offKeyID:], id[:])
	_, err := Open(otherKey(), "basic", b)
	assert.Equal(t, opaque, err.Error())

	// The key id is a one-way function of the key: no key byte in it.
	assert.NotContains(t, ID(k).String(), "000102")
}

// TestOversizedRefused checks the 1 MiB limit on both sides.
func TestOversizedRefused(t *testing.T) {
	t.Parallel()
	k := testKey()
	big := map[string]string{}
	for i := 0; i < 33; i++ {
		big[fmt.Sprintf("K%d", i)] = strings.Repeat("f", rules.MaxValueLen)
	}
	_, err := Seal(k, "big", big, rand.Reader)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "over the limit")

	_, err = Open(k, "big", make([]byte, MaxSize+1))
	require.ErrorIs(t, err, ErrAuthFailed)
	assert.Contains(t, err.Error(), "over the limit")
}

// TestSealsAllDistinct seals one bundle 10,000 times: every file differs,
// and so does every salt and nonce.
func TestSealsAllDistinct(t *testing.T) {
	t.Parallel()
	k := testKey()
	env := testBundles["basic"]
	const n = 10000
	files := make(map[string]struct{}, n)
	salts := make(map[string]struct{}, n)
	nonces := make(map[string]struct{}, n)
	for i := 0; i < n; i++ {
		data, err := Seal(k, "basic", env, rand.Reader)
		require.NoError(t, err)
		files[string(data)] = struct{}{}
		salts[string(data[offSalt:offNonce])] = struct{}{}
		nonces[string(data[offNonce:headerLen])] = struct{}{}
	}
	assert.Len(t, files, n)
	assert.Len(t, salts, n)
	assert.Len(t, nonces, n)
}

// TestDecodeBundleStrict feeds authentic but malformed plaintexts, which
// only a key holder could make, through open.
func TestDecodeBundleStrict(t *testing.T) {
	t.Parallel()
	k := testKey()
	valid := encode("basic", map[string]string{"A": "fake-1", "B": "fake-2"})
	cases := map[string][]byte{
		"other name":        encode("other", nil),
		"trailing byte":     append(bytes.Clone(valid), 0),
		"truncated":         valid[:len(valid)-1],
		"count too high":    func() []byte { b := bytes.Clone(valid); b[4+5+3] = 3; return b }(),
		"duplicate key":     encodeRaw("basic", "A", "fake", "A", "fake"),
		"keys out of order": encodeRaw("basic", "B", "fake", "A", "fake"),
		"invalid key":       encodeRaw("basic", "1A", "fake"),
		"NUL in value":      encodeRaw("basic", "A", "fa\x00ke"),
		"empty":             nil,
	}
	for name, pt := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data := sealRaw(t, k, "basic", pt)
			_, err := Open(k, "basic", data)
			require.ErrorIs(t, err, ErrAuthFailed)
		})
	}
	got, err := Open(k, "basic", sealRaw(t, k, "basic", valid))
	require.NoError(t, err)
	assert.Len(t, got, 2)
}

// TestDecodeMetadataStrict feeds authentic but malformed version 2
// plaintexts, which only a key holder could make, through open.
func TestDecodeMetadataStrict(t *testing.T) {
	t.Parallel()
	k := testKey()
	entries := encode("basic", map[string]string{"A": "fake-1", "B": "fake-2"})
	meta := func(flags uint32, kv ...string) []byte {
		b := binary.BigEndian.AppendUint32(bytes.Clone(entries), flags)
		b = binary.BigEndian.AppendUint32(b, uint32(len(kv)/2))
		for _, s := range kv {
			b = appendString(b, s)
		}
		return b
	}
	valid := meta(flagWriteOnly, "A", "about A", "B", "about B")
	cases := map[string][]byte{
		"no metadata":                    entries,
		"flags only":                     binary.BigEndian.AppendUint32(bytes.Clone(entries), 0),
		"unknown flag":                   meta(1<<1, "A", "about A"),
		"high flag":                      meta(1<<31|flagWriteOnly, "A", "about A"),
		"description of an absent key":   meta(0, "C", "about C"),
		"empty description":              meta(0, "A", ""),
		"descriptions out of order":      meta(0, "B", "b", "A", "a"),
		"duplicate description":          meta(0, "A", "a", "A", "a"),
		"NUL in a description":           meta(0, "A", "a\x00b"),
		"invalid UTF-8 in a description": meta(0, "A", "a\xffb"),
		"description over the limit":     meta(0, "A", strings.Repeat("d", rules.MaxDescriptionLen+1)),
		"trailing byte":                  append(bytes.Clone(valid), 0),
		"truncated":                      valid[:len(valid)-1],
		"count too high":                 func() []byte { b := bytes.Clone(valid); b[len(entries)+7] = 3; return b }(),
	}
	for name, pt := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := OpenBundle(k, "basic", sealRawVersion(t, k, "basic", version2, pt))
			require.ErrorIs(t, err, ErrAuthFailed)
		})
	}
	got, err := OpenBundle(k, "basic", sealRawVersion(t, k, "basic", version2, valid))
	require.NoError(t, err)
	assert.True(t, got.WriteOnly)
	assert.Equal(t, map[string]string{"A": "about A", "B": "about B"}, got.Descriptions)
	got, err = OpenBundle(k, "basic", sealRawVersion(t, k, "basic", version2, meta(0)))
	require.NoError(t, err, "version 2 with empty metadata opens")
	assert.False(t, got.WriteOnly)

	// A version 2 plaintext under a version 1 header, and the reverse.
	_, err = OpenBundle(k, "basic", sealRawVersion(t, k, "basic", version, valid))
	require.ErrorIs(t, err, ErrAuthFailed)
	_, err = OpenBundle(k, "basic", sealRawVersion(t, k, "basic", version2, entries))
	require.ErrorIs(t, err, ErrAuthFailed)
}

// TestEveryBitFlipRejectedVersion2 is TestEveryBitFlipRejected for a
// bundle with metadata.
func TestEveryBitFlipRejectedVersion2(t *testing.T) {
	t.Parallel()
	k := testKey()
	data, err := SealBundle(k, "basic", Bundle{Env: map[string]string{"A": "fake"}, Descriptions: map[string]string{"A": "d"}, WriteOnly: true}, rand.Reader)
	require.NoError(t, err)
	for i := range data {
		for bit := 0; bit < 8; bit++ {
			c := bytes.Clone(data)
			c[i] ^= 1 << bit
			got, err := OpenBundle(k, "basic", c)
			require.ErrorIs(t, err, ErrAuthFailed, "byte %d bit %d", i, bit)
			assert.Nil(t, got.Env)
		}
	}
}

// encodeRaw encodes entries in the order given, without checks.
func encodeRaw(name string, kv ...string) []byte {
	b := appendString(nil, name)
	b = append(b, 0, 0, 0, byte(len(kv)/2))
	for _, s := range kv {
		b = appendString(b, s)
	}
	return b
}

// sealRaw seals an arbitrary plaintext as seal does, as version 1.
func sealRaw(t *testing.T, k *[KeySize]byte, name string, pt []byte) []byte {
	t.Helper()
	return sealRawVersion(t, k, name, version, pt)
}

// sealRawVersion seals an arbitrary plaintext as seal does, with version v
// in the header.
func sealRawVersion(t *testing.T, k *[KeySize]byte, name string, v byte, pt []byte) []byte {
	t.Helper()
	out := make([]byte, headerLen)
	copy(out, magic)
	out[offVersion], out[offAlgorithm] = v, algorithm
	id := ID(k)
	copy(out[offKeyID:], id[:])
	_, err := rand.Read(out[offSalt:headerLen])
	require.NoError(t, err)
	aead, err := fileAEAD(k, out[offSalt:offNonce])
	require.NoError(t, err)
	return aead.Seal(out, out[offNonce:headerLen], pt, append(bytes.Clone(out), name...))
}

// FuzzOpen opens arbitrary bytes: it must never panic, and never succeed
// on anything but the authentic seeds.
func FuzzOpen(f *testing.F) {
	k := testKey()
	authentic := map[string]bool{}
	for name, env := range testBundles {
		if name == "large" {
			continue
		}
		// Deterministic, so that fuzz workers, which run this again, agree
		// on which inputs are authentic.
		data, err := Seal(k, "fuzz", env, &countingReader{})
		require.NoError(f, err)
		authentic[string(data)] = true
		f.Add(data)
		f.Add(data[:headerLen+tagLen])
	}
	for _, b := range testBundlesV2 {
		data, err := SealBundle(k, "fuzz", b, &countingReader{})
		require.NoError(f, err)
		authentic[string(data)] = true
		f.Add(data)
	}
	f.Add([]byte(magic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Open(k, "fuzz", data)
		if err == nil {
			if !authentic[string(data)] {
				t.Fatalf("opened %d bytes that were never sealed", len(data))
			}
			if got == nil {
				t.Fatal("nil map without error")
			}
			return
		}
		if got != nil {
			t.Fatal("result with an error")
		}
		if !errors.Is(err, ErrAuthFailed) {
			t.Fatalf("error does not wrap ErrAuthFailed: %v", err)
		}
		// A bundle that fails to open, however it was changed, shows none
		// of what it holds, nor the key, in its error. (It may show the key
		// ids of its header in hex, which the input sets at will: so the
		// key is looked for whole.)
		var values []string
		for _, env := range testBundles {
			for _, v := range env {
				values = append(values, v)
			}
		}
		for e := err; e != nil; e = errors.Unwrap(e) {
			for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
				if strings.Contains(s, string(k[:])) || strings.Contains(s, fmt.Sprintf("%x", k[:])) {
					t.Fatal("an error shows the key")
				}
				for _, v := range values {
					for i := 0; i+8 <= len(v); i += 4 {
						if strings.Contains(s, v[i:i+8]) {
							t.Fatal("an error shows a value")
						}
					}
				}
			}
		}
	})
}

func benchBundle() map[string]string {
	env := make(map[string]string, 20)
	for i := 0; i < 20; i++ {
		env[fmt.Sprintf("FAKE_KEY_%02d", i)] = strings.Repeat("not-a-secret-", 4)
	}
	return env
}

func BenchmarkSeal(b *testing.B) {
	k := testKey()
	env := benchBundle()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Seal(k, "bench", env, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	k := testKey()
	data, err := Seal(k, "bench", benchBundle(), rand.Reader)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(k, "bench", data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Unix(1764000000, 123456789)
	sealed, err := Seal(testKey(), "app", map[string]string{"K": "fake"}, rand.Reader)
	require.NoError(t, err)
	for _, r := range []Record{{Time: now, Sealed: sealed}, {Deleted: true, Time: now}} {
		got, err := DecodeRecord(EncodeRecord(r))
		require.NoError(t, err)
		assert.Equal(t, r.Deleted, got.Deleted)
		assert.True(t, r.Time.Equal(got.Time))
		assert.True(t, bytes.Equal(r.Sealed, got.Sealed))
	}
	bad := [][]byte{nil, []byte("envhist"), sealed, append(EncodeRecord(Record{Deleted: true, Time: now}), 1),
		EncodeRecord(Record{Time: now}), func() []byte { b := EncodeRecord(Record{Time: now, Sealed: sealed}); b[9] = 7; return b }()}
	for i, b := range bad {
		_, err := DecodeRecord(b)
		assert.ErrorIs(t, err, ErrBadRecord, "case %d", i)
	}
}

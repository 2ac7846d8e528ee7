package secret_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

func mustEnv(tb testing.TB, m map[string]string) *secret.Env {
	tb.Helper()
	env, err := secret.Resolve(context.Background(), secret.FromMap(m))
	require.NoError(tb, err)
	return env
}

// redactAll redacts s written in one piece.
func redactAll(tb testing.TB, env *secret.Env, s string) string {
	tb.Helper()
	var b bytes.Buffer
	r := secret.NewRedactor(&b, env)
	_, err := io.WriteString(r, s)
	require.NoError(tb, err)
	require.NoError(tb, r.Close())
	return b.String()
}

// redactChunks redacts s written in pieces cut at the given offsets.
func redactChunks(tb testing.TB, env *secret.Env, s string, cuts []int) string {
	tb.Helper()
	var b bytes.Buffer
	r := secret.NewRedactor(&b, env)
	prev := 0
	for _, c := range cuts {
		_, err := io.WriteString(r, s[prev:c])
		require.NoError(tb, err)
		prev = c
		if held := secret.HeldBack(r); held > 0 && held >= secret.LongestValue(r) {
			tb.Fatalf("after %d bytes, %d held back: not less than the longest value", c, held)
		}
	}
	_, err := io.WriteString(r, s[prev:])
	require.NoError(tb, err)
	require.NoError(tb, r.Close())
	return b.String()
}

func TestRedactor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		in   string
		want string
	}{
		{"no secrets", nil, "hello world", "hello world"},
		{"one value", map[string]string{"API_KEY": "fake-api-key"}, "key=fake-api-key.", "key=[REDACTED:API_KEY]."},
		{"every occurrence", map[string]string{"T": "fake-token"}, "fake-token x fake-token", "[REDACTED:T] x [REDACTED:T]"},
		{"adjacent occurrences make one span", map[string]string{"T": "fake-token"}, "fake-tokenfake-token x", "[REDACTED:T] x"},
		{"short value kept", map[string]string{"MODE": "dev", "PORT": "8080"}, "dev on 8080", "dev on 8080"},
		{"exactly the minimum", map[string]string{"A": "fake-6"}, "<fake-6>", "<[REDACTED:A]>"},
		{"empty value", map[string]string{"E": ""}, "abc", "abc"},
		{"longest wins", map[string]string{"SHORT": "fake-abc", "LONG": "fake-abcdef"}, "fake-abcdef fake-abc", "[REDACTED:LONG] [REDACTED:SHORT]"},
		{"shared value names first key", map[string]string{"B_KEY": "fake-same", "A_KEY": "fake-same"}, "fake-same", "[REDACTED:A_KEY]"},
		{"overlapping values make one span", map[string]string{"A": "fake-abcd", "B": "abcd-tail"}, "fake-abcd-tail!", "[REDACTED:A]!"},
		{"span named by the value it starts with", map[string]string{"A": "fake-abcd", "B": "abcd-tail"}, "fake-abcd-tail fake-abcd", "[REDACTED:A] [REDACTED:A]"},
		{"overlap chain of three", map[string]string{"A": "aaa-bbb", "B": "bbb-ccc", "C": "ccc-ddd"}, "x aaa-bbb-ccc-ddd y", "x [REDACTED:A] y"},
		{"overlap chain from the middle", map[string]string{"A": "aaa-bbb", "B": "bbb-ccc", "C": "ccc-ddd"}, "x bbb-ccc-ddd y", "x [REDACTED:B] y"},
		{"longer value around a shorter one", map[string]string{"LONG": "ab-fake-cdef-gh", "INNER": "fake-cdef"}, "ab-fake-cdef-gh|ab-fake-cdef-gx", "[REDACTED:LONG]|ab-[REDACTED:INNER]-gx"},
		{"repeating value", map[string]string{"Z": "000000"}, "x" + strings.Repeat("0", 40) + "y00000", "x[REDACTED:Z]y00000"},
		{"value of period three", map[string]string{"P": "abcabc"}, "abcabcabcab abcab", "[REDACTED:P]ab abcab"},
		{"value inside another adds no marker", map[string]string{"URL": "postgres://u:fake-pw@h", "PW": "fake-pw"}, "postgres://u:fake-pw@h fake-pw", "[REDACTED:URL] [REDACTED:PW]"},
		{"start of a value inside another, not matching", map[string]string{"A": "fake-abcd", "B": "abcd-tail"}, "fake-abcd-tai", "[REDACTED:A]-tai"},
		{"prefix of value at end kept", map[string]string{"A": "fake-secret"}, "ends with fake-sec", "ends with fake-sec"},
		{"multi-line value", map[string]string{"PEM": "fake-line1\nfake-line2"}, "a\nfake-line1\nfake-line2\nb", "a\n[REDACTED:PEM]\nb"},
		{"binary stream", map[string]string{"A": "fake-\x01\xff-bin"}, "\x00fake-\x01\xff-bin\xff", "\x00[REDACTED:A]\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := mustEnv(t, tt.env)
			assert.Equal(t, tt.want, redactAll(t, env, tt.in))
			// Every way to cut the input in two gives the same result.
			for c := 0; c <= len(tt.in); c++ {
				assert.Equal(t, tt.want, redactChunks(t, env, tt.in, []int{c}), "cut at %d", c)
			}
			// So does one byte at a time.
			cuts := make([]int, 0, len(tt.in))
			for c := 1; c < len(tt.in); c++ {
				cuts = append(cuts, c)
			}
			assert.Equal(t, tt.want, redactChunks(t, env, tt.in, cuts), "byte by byte")
		})
	}
}

func TestRedactorNilEnv(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "fake-anything", redactAll(t, nil, "fake-anything"))
}

// TestRedactorHoldsOnlyPossibleStart checks that a Write passes on at once
// everything but a tail that could start a value.
func TestRedactorHoldsOnlyPossibleStart(t *testing.T) {
	t.Parallel()
	env := mustEnv(t, map[string]string{"TOKEN": "fake-token-value"})
	tests := []struct {
		name, in, now, flushed string
	}{
		{"no prefix", "Password: ", "Password: ", "Password: "},
		{"prefix held", "token is fake-tok", "token is ", "token is fake-tok"},
		{"non-prefix letter passes", "token is fake-tox", "token is fake-tox", "token is fake-tox"},
		{"value then prefix", "fake-token-value f", "[REDACTED:TOKEN] ", "[REDACTED:TOKEN] f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			r := secret.NewRedactor(&b, env)
			n, err := io.WriteString(r, tt.in)
			require.NoError(t, err)
			assert.Equal(t, len(tt.in), n)
			assert.Equal(t, tt.now, b.String(), "written at once")
			require.NoError(t, r.Flush())
			assert.Equal(t, tt.flushed, b.String(), "after Flush")
		})
	}
}

func TestRedactorClose(t *testing.T) {
	t.Parallel()
	env := mustEnv(t, map[string]string{"TOKEN": "fake-token-value"})
	var b bytes.Buffer
	r := secret.NewRedactor(&b, env)
	_, err := io.WriteString(r, "x fake-token")
	require.NoError(t, err)
	require.NoError(t, r.Close())
	assert.Equal(t, "x fake-token", b.String(), "Close writes what was held")
	require.NoError(t, r.Close(), "second Close")
	_, err = io.WriteString(r, "more")
	assert.Error(t, err, "Write after Close")
}

type failWriter struct{ n int }

var errFail = errors.New("fake write failure")

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errFail
}

func TestRedactorWriteErrorSticks(t *testing.T) {
	t.Parallel()
	env := mustEnv(t, map[string]string{"TOKEN": "fake-token-value"})
	fw := &failWriter{}
	r := secret.NewRedactor(fw, env)
	_, err := io.WriteString(r, "hello")
	require.ErrorIs(t, err, errFail)
	_, err = io.WriteString(r, "again")
	require.ErrorIs(t, err, errFail)
	require.ErrorIs(t, r.Flush(), errFail)
	require.ErrorIs(t, r.Close(), errFail)
	assert.Equal(t, 1, fw.n, "the underlying writer is not called again")
}

func TestRedactorLargeWrite(t *testing.T) {
	t.Parallel()
	env := mustEnv(t, map[string]string{"TOKEN": "fake-token-value"})
	in := strings.Repeat("log line without secrets\n", 10000) + "fake-token-value" + strings.Repeat("x", 100000)
	want := strings.Repeat("log line without secrets\n", 10000) + "[REDACTED:TOKEN]" + strings.Repeat("x", 100000)
	got := redactAll(t, env, in)
	assert.True(t, got == want, "large write redacted as a whole")
}

// TestRedactorRepeatingValue writes a mebibyte of a value that repeats
// itself, in one Write and in small ones: the output is one marker, written
// before the end of the stream, and the work is linear (a Redactor that
// rescans what it holds would take hours).
func TestRedactorRepeatingValue(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	tests := []struct {
		name, value, unit string
		// early: the marker is written as soon as the span starts
		early bool
	}{
		{"zeros", "000000", "0", true},
		{"period three", "abcabc", "abc", true},
		{"period two", "ababababab", "ab", true},
		// Only the last "aaaaaaaaab" is the value; every "a" before it may
		// be its start, until the "b".
		{"nearly periodic", "aaaaaaaaab", "a", false},
	}
	for _, tt := range tests {
		for _, chunk := range []int{mib, 4096, 7} {
			t.Run(fmt.Sprintf("%s in writes of %d", tt.name, chunk), func(t *testing.T) {
				t.Parallel()
				env := mustEnv(t, map[string]string{"V": tt.value, "W": "fake-other"})
				body := strings.Repeat(tt.unit, mib/len(tt.unit))
				want := "start [REDACTED:V] end"
				if !tt.early {
					body += "b"
					want = "start " + strings.Repeat("a", len(body)-len(tt.value)) + "[REDACTED:V] end"
				}
				in := []byte("start " + body + " end")
				var out bytes.Buffer
				r := secret.NewRedactor(&out, env)
				done := make(chan struct{})
				go func() {
					defer close(done)
					for off := 0; off < len(in); off += chunk {
						_, err := r.Write(in[off:min(off+chunk, len(in))])
						assert.NoError(t, err)
					}
				}()
				select {
				case <-done:
				case <-time.After(time.Minute):
					t.Fatal("a mebibyte took over a minute: not linear")
				}
				before := out.String()
				require.NoError(t, r.Close())
				assert.True(t, out.String() == want, "output of %d bytes is not %q", out.Len(), want[:min(len(want), 40)])
				assert.LessOrEqual(t, out.Len(), len(want), "output bounded")
				if tt.early {
					assert.True(t, strings.HasPrefix(before, "start [REDACTED:V]"), "the marker is written before the stream ends")
				}
			})
		}
	}
}

func TestRedactorConcurrentWrites(t *testing.T) {
	t.Parallel()
	env := mustEnv(t, map[string]string{"TOKEN": "fake-token-value"})
	var b bytes.Buffer
	r := secret.NewRedactor(&b, env)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_, err := io.WriteString(r, "line fake-token-value\n")
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, r.Close())
	assert.NotContains(t, b.String(), "fake-token-value")
	assert.Equal(t, 800, strings.Count(b.String(), "line [REDACTED:TOKEN]\n"))
}

// naiveRedact is an obviously correct, slow reference: every byte that lies
// in an occurrence of a value is covered; each run of covered bytes becomes
// one marker, naming the key of the longest value that starts the run;
// values shared by keys go to the first key in sorted order.
func naiveRedact(env *secret.Env, s string) string {
	type pat struct{ key, val string }
	var pats []pat
	seen := map[string]bool{}
	for _, k := range env.Keys() {
		v, _ := env.Get(k)
		if len(v) >= secret.MinRedactLen && !seen[v] {
			seen[v] = true
			pats = append(pats, pat{k, v})
		}
	}
	covered := make([]bool, len(s))
	for _, p := range pats {
		for i := 0; i+len(p.val) <= len(s); i++ {
			if s[i:i+len(p.val)] == p.val {
				for j := i; j < i+len(p.val); j++ {
					covered[j] = true
				}
			}
		}
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if !covered[i] {
			b.WriteByte(s[i])
			i++
			continue
		}
		best := -1
		for j, p := range pats {
			if strings.HasPrefix(s[i:], p.val) && (best < 0 || len(p.val) > len(pats[best].val)) {
				best = j
			}
		}
		b.WriteString("[REDACTED:" + pats[best].key + "]")
		for i < len(s) && covered[i] {
			i++
		}
	}
	return b.String()
}

// uncovered returns s without the bytes that lie in any occurrence of a value
// redacted by env.
func uncovered(env *secret.Env, s string) string {
	covered := make([]bool, len(s))
	for _, k := range env.Keys() {
		v, _ := env.Get(k)
		if len(v) < secret.MinRedactLen {
			continue
		}
		for i := 0; i+len(v) <= len(s); i++ {
			if s[i:i+len(v)] == v {
				for j := i; j < i+len(v); j++ {
					covered[j] = true
				}
			}
		}
	}
	var b strings.Builder
	for i := range s {
		if !covered[i] {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// FuzzRedactor checks that any cutting of a stream into writes redacts it as
// one write does, as the naive reference does, and leaves no value in the
// output. Values are drawn from a small lower-case alphabet so that they
// overlap often and never occur inside a marker.
// markers matches the markers a Redactor writes.
var markers = regexp.MustCompile(`\[REDACTED:[A-Za-z_][A-Za-z0-9_]*\]`)

func FuzzRedactor(f *testing.F) {
	f.Add([]byte("x abcdabcca y"), []byte("abcdab|dabcca"), []byte{2, 5})
	f.Add([]byte("abcabcabcd"), []byte("abcabc|bcabcd|cab"), []byte{3, 7})
	f.Add([]byte("aaaaaaaaaaaaa"), []byte("aaaaaa|aaaaaaaa"), []byte{1, 1, 1, 5})
	f.Add([]byte("x abcdef y abcdefgh z"), []byte("abcdef|abcdefgh|cdefgh"), []byte{4, 2, 9})
	f.Fuzz(func(t *testing.T, stream, values, cuts []byte) {
		m := map[string]string{}
		for i, v := range strings.Split(string(values), "|") {
			if i >= 8 {
				break
			}
			m[fmt.Sprintf("K_%c", 'A'+i)] = lower(v)
		}
		env := mustEnv(t, m)
		in := lower(string(stream))
		var offs []int
		prev := 0
		for _, c := range cuts {
			prev += int(c) % 16
			if prev > len(in) {
				break
			}
			offs = append(offs, prev)
		}
		whole := redactAll(t, env, in)
		if got := redactChunks(t, env, in, offs); got != whole {
			t.Fatalf("cut at %v: chunked output differs from whole output", offs)
		}
		if ref := naiveRedact(env, in); ref != whole {
			t.Fatalf("output differs from the reference")
		}
		// No byte of any occurrence of a value is written: without the
		// markers, the output is the input less those bytes.
		if markers.ReplaceAllString(whole, "") != uncovered(env, in) {
			t.Fatalf("a byte of a value is left in the output")
		}
	})
}

// lower maps bytes to the alphabet 'a'..'d' and ' '.
func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c%5 == 4 {
			b[i] = ' '
		} else {
			b[i] = 'a' + c%5
		}
	}
	return string(b)
}

func BenchmarkRedactor(b *testing.B) {
	m := map[string]string{}
	for i := range 50 {
		m[fmt.Sprintf("SECRET_%02d", i)] = fmt.Sprintf("fake-%02d-%s", i, strings.Repeat("k", 24))
	}
	env := mustEnv(b, m)
	var line strings.Builder
	for n := 0; line.Len() < 1<<20; n++ {
		fmt.Fprintf(&line, "2024-01-01T00:00:00Z level=info msg=\"request served\" path=/api/v1/items status=200 n=%d\n", n)
		if n%10 == 0 {
			fmt.Fprintf(&line, "token=fake-%02d-%s\n", n%50, strings.Repeat("k", 24))
		}
	}
	stream := []byte(line.String()[:1<<20])
	b.Run("Redactor", func(b *testing.B) {
		b.SetBytes(int64(len(stream)))
		b.ReportAllocs()
		r := secret.NewRedactor(io.Discard, env)
		for b.Loop() {
			for off := 0; off < len(stream); off += 4096 {
				end := min(off+4096, len(stream))
				if _, err := r.Write(stream[off:end]); err != nil {
					b.Fatal(err)
				}
			}
			if err := r.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("io.Copy", func(b *testing.B) {
		b.SetBytes(int64(len(stream)))
		for b.Loop() {
			if _, err := io.Copy(io.Discard, bytes.NewReader(stream)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRedactorRepeating writes a mebibyte of a value that repeats
// itself, beside io.Copy of the same bytes: the ratio is the cost of
// redaction at its worst.
func BenchmarkRedactorRepeating(b *testing.B) {
	stream := bytes.Repeat([]byte("abc"), 1<<20/3)
	env := mustEnv(b, map[string]string{"P": "abcabc", "Q": "bcabca-other"})
	b.Run("Redactor", func(b *testing.B) {
		b.SetBytes(int64(len(stream)))
		r := secret.NewRedactor(io.Discard, env)
		for b.Loop() {
			if _, err := io.Copy(r, bytes.NewReader(stream)); err != nil {
				b.Fatal(err)
			}
			if err := r.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("io.Copy", func(b *testing.B) {
		b.SetBytes(int64(len(stream)))
		for b.Loop() {
			if _, err := io.Copy(io.Discard, bytes.NewReader(stream)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// printingWriter prints the Redactor it is the writer of, from inside its
// Write, as a writer that logs might.
type printingWriter struct {
	r   *secret.Redactor
	out strings.Builder
}

func (w *printingWriter) Write(p []byte) (int, error) {
	fmt.Fprintf(&w.out, "%v: ", w.r)
	return w.out.Write(p)
}

// TestRedactorPrintsFromItsWriter prints a Redactor from inside the Write
// of its own underlying writer: it does not wait for itself.
func TestRedactorPrintsFromItsWriter(t *testing.T) {
	t.Parallel()
	w := &printingWriter{}
	w.r = secret.NewRedactor(w, mustEnv(t, map[string]string{"TOKEN": "fake-token-value"}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := io.WriteString(w.r, "a fake-token-value b")
		assert.NoError(t, err)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("printing the Redactor from its writer's Write waits for ever")
	}
	assert.Equal(t, "Redactor{TOKEN}: a [REDACTED:TOKEN] b", w.out.String())
}

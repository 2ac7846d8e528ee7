package dotenv

// Tests of the grammar on bytes: the fuzz target, round trips, and the
// cross-check with godotenv. FromDotenv's tests, in the root package, test
// it as a Source, on files.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodeDotenv writes m as a .env file that parseDotenv must read back
// exactly: single quotes when the value allows it, else double quotes with
// \\ \" \$ and \r escaped, and newlines and tabs written as they are.
func encodeDotenv(m map[string]string, keys []string) []byte {
	var b bytes.Buffer
	for i, k := range keys {
		v := m[k]
		if i%3 == 2 {
			b.WriteString("export ")
		}
		b.WriteString(k)
		b.WriteByte('=')
		if !strings.ContainsAny(v, "'\r") {
			b.WriteString("'" + v + "'")
		} else {
			b.WriteByte('"')
			for j := 0; j < len(v); j++ {
				switch c := v[j]; c {
				case '\\', '"', '$':
					b.WriteByte('\\')
					b.WriteByte(c)
				case '\r':
					b.WriteString(`\r`)
				default:
					b.WriteByte(c)
				}
			}
			b.WriteByte('"')
		}
		if i%2 == 1 {
			b.WriteString(" # comment")
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func FuzzDotenv(f *testing.F) {
	for _, s := range []string{
		"", "A=1", "A=pa$Sword\nB=\"${A}x\"", `A="a\tb"`, `A="\"x\""`, `A="ends\\"`,
		"\uFEFFA=1\r\nB='x\r\ny'", "A='{\"j\":1}' # c", "A=x #y #z", "A=${B:-d e}", "A=\xff\u00a0",
		"A=\"x\ny\"\nB=${A}", "export A=1\nexport B=\"\\$\"", "A='x\\'", "A=\"it's\\\\\"",
	} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "dotenv", "*.env"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Wherever a secret lands in a file, an error does not quote it.
		for _, in := range withCanary(data) {
			if _, err := Parse(in); err != nil {
				noCanary(t, err)
			}
		}
		m, err := parseChecked(data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error of type %T, want *Error", err)
			}
			if errors.Is(err, ErrCrossCheck) {
				t.Fatalf("godotenv disagrees with the parser on line %d", pe.Line)
			}
			if m != nil {
				t.Fatal("a partial map came with the error")
			}
			if pe.Line < 0 || pe.Line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("bad line %d", pe.Line)
			}
		} else {
			roundTrip(t, m)
		}
		// A map made from the input: values are the input's NUL-separated
		// fields, with every byte a value could hold.
		gen := map[string]string{}
		for i, v := range bytes.Split(data, []byte{0}) {
			gen[fmt.Sprintf("K%d", i)] = string(v)
		}
		roundTrip(t, gen)
	})
}

// roundTrip encodes m, parses it back, and requires the same map.
func roundTrip(t *testing.T, m map[string]string) {
	t.Helper()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	back, err := parseChecked(encodeDotenv(m, keys))
	if err != nil {
		t.Fatalf("encoded map does not parse: %v", err)
	}
	if len(back) != len(m) {
		t.Fatalf("round trip: %d keys, want %d", len(back), len(m))
	}
	for k, v := range m {
		if back[k] != v {
			t.Fatalf("round trip changed the value of %s", k)
		}
	}
}

// godotenv does real work: a value it reads differently fails the load.
func TestDotenvCrossCheckCatchesDisagreement(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		e    entry
	}{
		{"raw text", entry{key: "A", value: "fake-1", line: 7, raw: []byte("fake-2")}},
		{"raw single quotes", entry{key: "A", value: "fake-1", line: 7, quote: '\'', raw: []byte("'fake-2'")}},
		{"raw double quotes", entry{key: "A", value: "fake-1", line: 7, quote: '"', raw: []byte(`"fake-2"`)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &parser{entries: []entry{{key: "B", value: "ok", line: 1, raw: []byte("ok")}, tc.e}}
			err := p.crossCheck()
			var pe *Error
			require.ErrorAs(t, err, &pe)
			assert.ErrorIs(t, err, ErrCrossCheck)
			assert.Equal(t, 7, pe.Line)
			assert.NotContains(t, err.Error(), "fake")
		})
	}
}

// The entries godotenv reads as the user wrote them, and those it checks
// after quoting.
func TestDotenvCrossCheckCoverage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in  string
		raw bool
	}{
		{"A=plain value # c", false},
		{"A=plain value", true},
		{"A='x y'", true},
		{`A='x\'`, false},
		{`A="x\ny\"z"`, true},
		{`A="a\tb"`, false},
		{`A="pa$Sword"`, false},
		{`A="ends\\"`, false},
		{"A=fäke", true},
		{"A=a\u00a0b", false},
	} {
		p, err := parse([]byte(tc.in), true)
		require.NoError(t, err, tc.in)
		require.Len(t, p.entries, 1)
		assert.Equal(t, tc.raw, godotenvReadsRaw(p.entries[0]) != nil, tc.in)
	}
}

func TestGodotenvQuote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v  string
		ok bool
	}{
		{"", true},
		{"plain", true},
		{`x\`, true},   // plain text
		{`x \`, true},  // plain text
		{`$x\`, false}, // no form holds it
		{"it's", true},
		{`it's"`, true},
		{`it's\`, true},
		{`it's $\`, false},
		{`'x"`, false},
		{"a\r\nb", true},
		{"a\r\nb\"", false},
		{`$\${A}\\$`, true},
	} {
		q, ok := godotenvQuote(tc.v)
		assert.Equal(t, tc.ok, ok, "%q", tc.v)
		if !ok {
			continue
		}
		// Each quoted value goes through the real cross-check.
		p := &parser{entries: []entry{{key: "A", value: tc.v, line: 1, raw: []byte(q)}}}
		assert.NoError(t, p.crossCheck(), "%q", tc.v)
	}
}

// canary is the secret that FuzzDotenv puts into its input. Every run of 8
// of its bytes holds a byte that no key holds, so that an error may name a
// key next to it (keys are not secret) without quoting 8 bytes of it.
const canary = "c4N-aR/y+Q7~vL.x!Z9"

// withCanary returns data with canary put in at the start, the middle, the
// end and after each of the first separators a value could follow.
func withCanary(data []byte) [][]byte {
	at := []int{0, len(data) / 2, len(data)}
	for i, c := range data {
		if len(at) >= 10 {
			break
		}
		switch c {
		case '=', '"', '\'', '#', '\n', ' ', '$', '{':
			at = append(at, i+1)
		}
	}
	out := make([][]byte, 0, len(at))
	for _, i := range at {
		out = append(out, append(append(append([]byte{}, data[:i]...), canary...), data[i:]...))
	}
	return out
}

// noCanary fails t if err, or any error it wraps, quotes 8 bytes of canary
// in any way it may be printed.
func noCanary(t *testing.T, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), fmt.Sprintf("%x", e.Error())} {
			for i := 0; i+8 <= len(canary); i++ {
				if strings.Contains(s, canary[i:i+8]) || strings.Contains(s, fmt.Sprintf("%x", canary[i:i+8])) {
					t.Fatalf("an error quotes the secret in the input")
				}
			}
		}
	}
}

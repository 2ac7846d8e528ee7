package secret

// The benchmarks of BENCHMARKS.md: each piece of work beside its floor, the
// least any program must do for the same result, in the same run:
//
//	go test -run '^$' -bench . -benchmem -count 6 . | tee new.txt
//
// Compare ratios within one run (sub-benchmarks "envseal" and "floor"); the
// machine's noise moves both.

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joho/godotenv"
)

// BenchmarkResolve resolves four map sources of n keys in all (each key set
// by two of them, so half the work is overriding) against a manifest that
// declares every key; the floor copies the same maps into one map.
func BenchmarkResolve(b *testing.B) {
	for _, n := range []int{10, 1000, 10_000, 100_000} {
		maps := make([]map[string]string, 4)
		for i := range maps {
			maps[i] = make(map[string]string, n/2)
		}
		var decls []Declaration
		for k := range n {
			key := fmt.Sprintf("BENCH_KEY_%06d", k)
			decls = append(decls, Declaration{Key: key, Description: "a key"})
			// Each key in two of the four sources.
			maps[k%4][key] = fmt.Sprintf("fake-value-%06d-%s", k, strings.Repeat("v", 24))
			maps[(k+1)%4][key] = fmt.Sprintf("fake-later-%06d-%s", k, strings.Repeat("w", 24))
		}
		sources := make([]Source, len(maps))
		for i, m := range maps {
			sources[i] = FromMap(m)
		}
		r := Resolver{Manifest: &Manifest{Secrets: decls}, Strict: true}
		ctx := context.Background()
		b.Run(fmt.Sprintf("keys=%d/envseal", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Resolve(ctx, sources...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/key")
		})
		b.Run(fmt.Sprintf("keys=%d/floor", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// What any resolver does: copy each source's map (the
				// source hands out a copy), then merge them.
				out := make(map[string]string, n)
				for _, m := range maps {
					c := make(map[string]string, len(m))
					for k, v := range m {
						c[k] = v
					}
					for k, v := range c {
						out[k] = v
					}
				}
				if len(out) != n {
					b.Fatal(len(out))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/key")
		})
	}
}

// realisticDotenv is a .env file of about lines lines as people write them:
// comments, blank lines, export, quotes, multi-line and expanded values,
// bcrypt hashes.
func realisticDotenv(lines int) string {
	var sb strings.Builder
	n := 0
	for i := 0; n < lines; i++ {
		switch i % 8 {
		case 0:
			fmt.Fprintf(&sb, "# section %d\n", i)
		case 1:
			fmt.Fprintf(&sb, "PLAIN_%d=fake-plain-value-%d # note\n", i, i)
		case 2:
			fmt.Fprintf(&sb, "export SINGLE_%d='fake {\"json\": %d}'\n", i, i)
		case 3:
			fmt.Fprintf(&sb, "DOUBLE_%d=\"fake value \\\"%d\\\"\"\n", i, i)
		case 4:
			fmt.Fprintf(&sb, "HASH_%d='$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhW%d'\n", i, i%10)
		case 5:
			fmt.Fprintf(&sb, "URL_%d=https://${PLAIN_%d}@example.com/%d\n", i, i-4, i)
		case 6:
			fmt.Fprintf(&sb, "MULTI_%d=\"line 1\nline 2\"\n", i)
			n++
		case 7:
			sb.WriteString("\n")
		}
		n++
	}
	return sb.String()
}

// plainDotenv is lines lines of KEY=value.
func plainDotenv(lines int) string {
	var sb strings.Builder
	for i := range lines {
		fmt.Fprintf(&sb, "PLAIN_KEY_%05d=fake-plain-value-%05d-%s\n", i, i, strings.Repeat("p", 20))
	}
	return sb.String()
}

// BenchmarkFromDotenv loads a .env file and resolves it, against godotenv
// reading the same bytes (the floor: what a program using godotenv alone
// pays, with no checks). godotenv cannot read the realistic file's ${NAME}
// from the same file the same way, which costs it nothing.
func BenchmarkFromDotenv(b *testing.B) {
	for _, tc := range []struct {
		name, content string
	}{
		{"realistic-1000", realisticDotenv(1000)},
		{"plain-1000", plainDotenv(1000)},
		{"plain-10000", plainDotenv(10_000)},
	} {
		path := filepath.Join(b.TempDir(), "bench.env")
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.Run(tc.name+"/envseal", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.content)))
			src := FromDotenv(path)
			for b.Loop() {
				if _, err := Resolve(ctx, src); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/godotenv", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.content)))
			for b.Loop() {
				data, err := os.ReadFile(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := godotenv.UnmarshalBytes(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGet reads a bundle of n secrets from a FileStore, against the
// floor: read the file, derive the file key with HKDF, one AES-256-GCM open.
func BenchmarkGet(b *testing.B) {
	key, err := GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{50, 5000} {
		dir := filepath.Join(b.TempDir(), "store")
		s, err := OpenFileStore(dir, key)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		env := make(map[string]string, n)
		for i := range n {
			env[fmt.Sprintf("FAKE_SECRET_%05d", i)] = fmt.Sprintf("fake-value-%05d-%s", i, strings.Repeat("s", 32))
		}
		if err := s.Set(ctx, "bench", env); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("secrets=%d/envseal", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := s.Get(ctx, "bench")
				if err != nil || len(got) != n {
					b.Fatal(len(got), err)
				}
			}
		})
		path := filepath.Join(dir, "bench"+sealedExt)
		kb := key.bytes()
		b.Run(fmt.Sprintf("secrets=%d/floor", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if pt := openFloor(b, kb[:], path, "bench"); len(pt) == 0 {
					b.Fatal("empty")
				}
			}
		})
	}
}

// openFloor is the least work to read a sealed bundle: read the file, HKDF,
// one AES-256-GCM open, with the header layout of internal/seal.
func openFloor(b *testing.B, key []byte, path, name string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	const header = 62
	fk, err := hkdf.Key(sha256.New, key, data[18:50], "envseal v1 file key", 32)
	if err != nil {
		b.Fatal(err)
	}
	block, err := aes.NewCipher(fk)
	if err != nil {
		b.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	ad := append(bytes.Clone(data[:header]), name...)
	pt, err := aead.Open(nil, data[50:header], data[header:], ad)
	if err != nil {
		b.Fatal(err)
	}
	return pt
}

// BenchmarkRedactor64MiB passes 64 MiB of log text with 50 secret values
// through a Redactor, against io.Copy of the same bytes.
func BenchmarkRedactor64MiB(b *testing.B) {
	m := map[string]string{}
	for i := range 50 {
		m[fmt.Sprintf("SECRET_%02d", i)] = fmt.Sprintf("fake-%02d-%s", i, strings.Repeat("k", 24))
	}
	env, err := Resolve(context.Background(), FromMap(m))
	if err != nil {
		b.Fatal(err)
	}
	var log bytes.Buffer
	for n := 0; log.Len() < 64<<20; n++ {
		fmt.Fprintf(&log, "2026-11-25T06:00:00Z level=info msg=\"request served\" path=/api/v1/items/%d status=200 took=3ms\n", n)
		if n%20 == 0 {
			fmt.Fprintf(&log, "token=fake-%02d-%s\n", n%50, strings.Repeat("k", 24))
		}
	}
	stream := log.Bytes()[:64<<20]
	b.Run("envseal", func(b *testing.B) {
		b.SetBytes(int64(len(stream)))
		b.ReportAllocs()
		for b.Loop() {
			r := NewRedactor(io.Discard, env)
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
		b.ReportAllocs()
		for b.Loop() {
			// Neither io.Discard's ReadFrom nor bytes.Reader's WriteTo,
			// which would hand over the 64 MiB in one call and copy
			// nothing: the bytes go through io.Copy's 32 KiB buffer.
			if _, err := io.Copy(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{bytes.NewReader(stream)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

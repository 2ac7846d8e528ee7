package secret_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// writeFiles writes each entry as a file of dir with mode perm.
func writeFiles(t testing.TB, dir string, files map[string]string, perm fs.FileMode) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		require.NoError(t, os.Chmod(path, perm))
	}
}

func loadDir(t *testing.T, dir string) (map[string]string, error) {
	t.Helper()
	return secret.FromDir(dir).Load(context.Background())
}

// entryErrors is the text of the errors of the entries of the folder dir:
// each line of msgs, a key and what is wrong with it, after the source's name.
func entryErrors(dir, msgs string) string {
	lines := strings.Split(msgs, "\n")
	for i, l := range lines {
		lines[i] = "dir:" + dir + ": " + l
	}
	return strings.Join(lines, "\n")
}

func TestFromDirName(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "dir:/run/secrets", secret.FromDir("/run/secrets").Name())
	assert.Equal(t, "dir:testdata/x", secret.FromDir("testdata/x").Name())
}

// TestFromDirDocker reads a folder laid out as Docker (Swarm and Compose)
// mounts secrets at /run/secrets: plain files, mode 0444, the file name being
// the secret's name, often written with a trailing newline.
func TestFromDirDocker(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "run", "secrets")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	writeFiles(t, dir, map[string]string{
		"POSTGRES_PASSWORD": "fake-pg-password\n",
		"REDIS_URL":         "redis://fake:fake@localhost:6379/0",
		"TLS_KEY":           "-----BEGIN FAKE KEY-----\nAAAA\n-----END FAKE KEY-----\n",
		"WIN_EDITED":        "fake-crlf\r\n",
	}, 0o444)

	src := secret.FromDir(dir)
	got, err := src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"POSTGRES_PASSWORD": "fake-pg-password",
		"REDIS_URL":         "redis://fake:fake@localhost:6379/0",
		"TLS_KEY":           "-----BEGIN FAKE KEY-----\nAAAA\n-----END FAKE KEY-----",
		"WIN_EDITED":        "fake-crlf",
	}, got)

	env, err := secret.Resolve(context.Background(), src)
	require.NoError(t, err)
	assert.Equal(t, "dir:"+dir, env.Origin("POSTGRES_PASSWORD"))
}

// TestFromDirOpenFaaS reads a folder laid out as faasd mounts secrets at
// /var/openfaas/secrets (plain files, mode 0400), and shows the error for an
// OpenFaaS-style dashed name, which is not a valid key.
func TestFromDirOpenFaaS(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "var", "openfaas", "secrets")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	writeFiles(t, dir, map[string]string{
		"db_password": "fake-db-password",
		"smtp_user":   "fake-user@example.com\n",
	}, 0o400)

	got, err := loadDir(t, dir)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"db_password": "fake-db-password", "smtp_user": "fake-user@example.com"}, got)

	writeFiles(t, dir, map[string]string{"secret-api-key": "fake-api-key"}, 0o400)
	got, err = loadDir(t, dir)
	require.Error(t, err)
	assert.Nil(t, got)
	assert.Equal(t, "dir:"+dir+": "+`key "secret"… (14 bytes): file name is not a valid key: want [A-Za-z_][A-Za-z0-9_]*`, err.Error())
}

func TestFromDirValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"no newline", "fake", "fake"},
		{"one newline trimmed", "fake\n", "fake"},
		{"CRLF trimmed", "fake\r\n", "fake"},
		{"only the last newline", "fake\n\n", "fake\n"},
		{"only the last CRLF", "fake\r\n\r\n", "fake\r\n"},
		{"newline then CRLF", "fake\n\r\n", "fake\n"},
		{"lone CR kept", "fake\r", "fake\r"},
		{"only a newline", "\n", ""},
		{"only a CRLF", "\r\n", ""},
		{"empty file", "", ""},
		{"spaces and tabs kept", "  fake \t", "  fake \t"},
		{"spaces before the newline kept", "fake  \n", "fake  "},
		{"leading newline kept", "\nfake", "\nfake"},
		{"inner lines kept", "fake-1\nfake-2\r\nfake-3\n", "fake-1\nfake-2\r\nfake-3"},
		{"unicode", "fake-ключ-🔑\n", "fake-ключ-🔑"},
		{"exactly 1 MiB", strings.Repeat("f", 1<<20), strings.Repeat("f", 1<<20)},
		{"1 MiB and a newline", strings.Repeat("f", 1<<20-1) + "\n", strings.Repeat("f", 1<<20-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"VALUE": tt.content}, 0o444)
			got, err := loadDir(t, dir)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.True(t, got["VALUE"] == tt.want, "value differs") // no values printed
		})
	}
}

func TestFromDirSkipsHidden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"A":         "fake-a",
		".hidden":   "fake-hidden",
		".DS_Store": "fake-junk",
		"..data":    "fake-not-a-link-here",
		".bad-name": "fake",
	}, 0o444)
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	writeFiles(t, filepath.Join(dir, ".git"), map[string]string{"HEAD": "fake"}, 0o444)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "..2026_11_22_17_40_00.123456789"), 0o755))

	got, err := loadDir(t, dir)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "fake-a"}, got)
}

func TestFromDirEmpty(t *testing.T) {
	t.Parallel()
	got, err := loadDir(t, t.TempDir())
	require.NoError(t, err)
	assert.NotNil(t, got)
	assert.Empty(t, got)
}

func TestFromDirErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		msg   string // the whole error text
	}{
		{"name with a dash", func(t *testing.T, dir string) {
			writeFiles(t, dir, map[string]string{"api-key": canary}, 0o444)
		}, `key "api"… (7 bytes): file name is not a valid key: want [A-Za-z_][A-Za-z0-9_]*`},
		{"name with a dot", func(t *testing.T, dir string) {
			writeFiles(t, dir, map[string]string{"tls.crt": canary}, 0o444)
		}, `key "tls"… (7 bytes): file name is not a valid key: want [A-Za-z_][A-Za-z0-9_]*`},
		{"name starting with a digit", func(t *testing.T, dir string) {
			writeFiles(t, dir, map[string]string{"1KEY": canary}, 0o444)
		}, `key "1KEY": file name is not a valid key: want [A-Za-z_][A-Za-z0-9_]*`},
		{"name with a space", func(t *testing.T, dir string) {
			writeFiles(t, dir, map[string]string{"MY KEY": canary}, 0o444)
		}, `key "MY"… (6 bytes): file name is not a valid key: want [A-Za-z_][A-Za-z0-9_]*`},
		{"file over 1 MiB", func(t *testing.T, dir string) {
			writeFiles(t, dir, map[string]string{"BIG": strings.Repeat(canary, 1<<20/len(canary)+1)}, 0o444)
		}, "key BIG: file is over the limit of 1048576 bytes"},
		{"1 MiB and one byte", func(t *testing.T, dir string) {
			writeFiles(t, dir, map[string]string{"BIG": strings.Repeat("f", 1<<20) + "\n"}, 0o444)
		}, "key BIG: file is over the limit of 1048576 bytes"},
		{"subfolder", func(t *testing.T, dir string) {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "certs"), 0o755))
			writeFiles(t, filepath.Join(dir, "certs"), map[string]string{"KEY": canary}, 0o444)
		}, `key certs: is a folder: secrets are files directly in the folder (folders starting with "." are skipped)`},
		{"every problem, in name order", func(t *testing.T, dir string) {
			writeFiles(t, dir, map[string]string{"b-2": canary, "GOOD": canary, "a.1": canary}, 0o444)
			require.NoError(t, os.Mkdir(filepath.Join(dir, "Sub"), 0o755))
		}, // byte order: upper case first
			`key Sub: is a folder: secrets are files directly in the folder (folders starting with "." are skipped)` + "\n" +
				"key \"a\"… (3 bytes): file name is not a valid key: want [A-Za-z_][A-Za-z0-9_]*\n" +
				"key \"b\"… (3 bytes): file name is not a valid key: want [A-Za-z_][A-Za-z0-9_]*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tt.setup(t, dir)
			got, err := loadDir(t, dir)
			require.Error(t, err)
			assert.Nil(t, got, "no partial result")
			assert.Equal(t, entryErrors(dir, tt.msg), err.Error())
			assertNoCanary(t, err)

			// Through Resolve, the error names the source.
			env, rerr := secret.Resolve(context.Background(), secret.FromDir(dir))
			require.Error(t, rerr)
			assert.Nil(t, env)
			var serr *secret.SourceError
			require.ErrorAs(t, rerr, &serr)
			assert.Equal(t, "dir:"+dir, serr.Source)
			assertNoCanary(t, rerr)
		})
	}
}

func TestFromDirMissing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "absent")
	_, err := loadDir(t, dir)
	require.ErrorIs(t, err, secret.ErrNotFound)
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, fmt.Sprintf("folder %s: not found", dir), err.Error())

	_, err = secret.Resolve(context.Background(), secret.FromDir(dir))
	require.ErrorIs(t, err, secret.ErrNotFound)
	assert.Contains(t, err.Error(), "dir:"+dir)
}

func TestFromDirNotAFolder(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "secrets")
	writeFiles(t, filepath.Dir(path), map[string]string{"secrets": canary}, 0o444)
	_, err := loadDir(t, path)
	require.Error(t, err)
	assert.NotErrorIs(t, err, secret.ErrNotFound)
	assert.Equal(t, path+" is not a folder", err.Error())
	assertNoCanary(t, err)
}

func TestFromDirReadsAtLoadTime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := secret.FromDir(dir) // empty yet
	writeFiles(t, dir, map[string]string{"A": "fake-1"}, 0o644)
	got, err := src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "fake-1"}, got)

	writeFiles(t, dir, map[string]string{"A": "fake-2", "B": "fake-b"}, 0o644)
	got, err = src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "fake-2", "B": "fake-b"}, got)
}

func TestFromDirCanceled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"A": "fake-a"}, 0o444)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := secret.FromDir(dir).Load(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, got)
}

// dirLeakCases are FromDir's error paths with the canary in the files.
func dirLeakCases() []leakCase {
	withFiles := func(files map[string]string) func(t *testing.T) error {
		return func(t *testing.T) error {
			dir := t.TempDir()
			writeFiles(t, dir, files, 0o444)
			return resolveErr(t, secret.Resolver{}, secret.FromDir(dir))
		}
	}
	return []leakCase{
		{"dir: invalid names", withFiles(map[string]string{"api-key": canary, "tls.crt": canary, "OK": canary})},
		{"dir: file over 1 MiB", withFiles(map[string]string{"BIG": strings.Repeat(canary, 1<<20/len(canary)+1)})},
		{"dir: value over the value limit", withFiles(map[string]string{"LONG": strings.Repeat(canary, 2000)})},
		{"dir: NUL in a value", withFiles(map[string]string{"NUL": canary + "\x00" + canary})},
		{"dir: not a folder", func(t *testing.T) error {
			path := filepath.Join(t.TempDir(), "file")
			require.NoError(t, os.WriteFile(path, []byte(canary), 0o444))
			return resolveErr(t, secret.Resolver{}, secret.FromDir(path))
		}},
	}
}

func BenchmarkFromDir(b *testing.B) {
	dir := b.TempDir()
	files := make(map[string]string, 50)
	for i := range 50 {
		files[fmt.Sprintf("SECRET_%02d", i)] = strings.Repeat("f", 40) + "\n"
	}
	writeFiles(b, dir, files, 0o444)
	src := secret.FromDir(dir)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m, err := src.Load(ctx)
		if err != nil || len(m) != 50 {
			b.Fatal("load failed")
		}
	}
}

// TestFromDirMapNames maps the file names Kubernetes and OpenFaaS give
// secrets to keys, and only when asked.
func TestFromDirMapNames(t *testing.T) {
	t.Parallel()
	load := func(t *testing.T, files map[string]string, mapNames bool) (map[string]string, string, error) {
		t.Helper()
		dir := t.TempDir()
		writeFiles(t, dir, files, 0o400)
		m, err := secret.FromDirOptions(dir, secret.DirOptions{MapNames: mapNames}).Load(context.Background())
		return m, dir, err
	}
	tests := []struct {
		name    string
		files   map[string]string
		want    map[string]string
		wantErr string // each line after "dir:DIR: "
	}{
		{"dashes, dots and case", map[string]string{
			"api-key": "fake-api\n", "tls.crt": "fake-crt", "db.Password": "fake-db", "ALREADY_KEY": "fake-k", "_x-1": "fake-x",
		}, map[string]string{"API_KEY": "fake-api", "TLS_CRT": "fake-crt", "DB_PASSWORD": "fake-db", "ALREADY_KEY": "fake-k", "_X_1": "fake-x"}, ""},
		{"hidden entries still skipped", map[string]string{".hidden-key": "fake", "a": "fake-a"}, map[string]string{"A": "fake-a"}, ""},
		{"two names, one key", map[string]string{"api-key": "fake-1", "API_KEY": "fake-2", "api.key": "fake-3"}, nil,
			`key API_KEY: entries "API_KEY" and "api-key" both map to it: rename one of them` + "\n" +
				`key API_KEY: entries "API_KEY" and "api.key" both map to it: rename one of them`},
		{"digit first", map[string]string{"1password": "fake"}, nil,
			`key "1password": file name does not map to a valid key (letters upper-cased, - and . made _): want [A-Za-z_][A-Za-z0-9_]*`},
		{"space in the name", map[string]string{"api key": "fake"}, nil,
			`key "api"… (7 bytes): file name does not map to a valid key (letters upper-cased, - and . made _): want [A-Za-z_][A-Za-z0-9_]*`},
		{"non-ASCII", map[string]string{"clé": "fake"}, nil,
			`key "cl"… (4 bytes): file name does not map to a valid key (letters upper-cased, - and . made _): want [A-Za-z_][A-Za-z0-9_]*`},
		{"an entry's error names the entry", map[string]string{"big-file": strings.Repeat("x", 1<<20+1)}, nil,
			`key BIG_FILE: entry "big-file": file is over the limit of 1048576 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, dir, err := load(t, tt.files, true)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Nil(t, got)
				assert.Equal(t, entryErrors(dir, tt.wantErr), err.Error())
				assert.NotContains(t, err.Error(), "fake")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	t.Run("off by default", func(t *testing.T) {
		t.Parallel()
		files := map[string]string{"api-key": "fake"}
		_, dir, err := load(t, files, false)
		require.Error(t, err)
		assert.Equal(t, entryErrors(dir, `key "api"… (7 bytes): file name is not a valid key: want [A-Za-z_][A-Za-z0-9_]*`), err.Error())
		dir2 := t.TempDir()
		writeFiles(t, dir2, files, 0o400)
		_, err2 := secret.FromDir(dir2).Load(context.Background())
		require.Error(t, err2)
	})

	t.Run("name and origin", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"api-key": "fake"}, 0o400)
		src := secret.FromDirOptions(dir, secret.DirOptions{MapNames: true})
		assert.Equal(t, "dir:"+dir, src.Name())
		env, err := secret.Resolve(context.Background(), src)
		require.NoError(t, err)
		assert.Equal(t, "dir:"+dir, env.Origin("API_KEY"))
		_, err = secret.Resolve(context.Background(), secret.FromDirOptions(filepath.Join(dir, "none"), secret.DirOptions{MapNames: true}))
		assert.ErrorIs(t, err, secret.ErrNotFound)
	})
}

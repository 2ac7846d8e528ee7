package secret_test

import (
	"context"
	"errors"
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

// writeDotenv writes content to a fresh file and returns its path.
func writeDotenv(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.env")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// Every value in these tables is fake. Values that must never reach an error
// message contain "canary".
var dotenvOK = []struct {
	name string
	in   string
	want map[string]string
}{
	{"empty file", "", map[string]string{}},
	{"only blank lines", "\n\n  \n\t\n", map[string]string{}},
	{"only comments", "# a comment\n   # indented\n#\n", map[string]string{}},
	{"simple", "A=fake-a\nB=fake-b\n", map[string]string{"A": "fake-a", "B": "fake-b"}},
	{"no final newline", "A=fake-a", map[string]string{"A": "fake-a"}},
	{"empty value", "A=\n", map[string]string{"A": ""}},
	{"empty value at EOF", "A=", map[string]string{"A": ""}},
	{"empty single quotes", "A=''", map[string]string{"A": ""}},
	{"empty double quotes", `A=""`, map[string]string{"A": ""}},
	{"blank value", "A=   \t ", map[string]string{"A": ""}},
	{"lower and underscore keys", "_a=1\nb_2=2\n__=3", map[string]string{"_a": "1", "b_2": "2", "__": "3"}},
	{"export", "export A=fake-a\nexport\tB=fake-b", map[string]string{"A": "fake-a", "B": "fake-b"}},
	{"export many blanks", "export    A = 'fake'", map[string]string{"A": "fake"}},
	{"key named export", "export=fake", map[string]string{"export": "fake"}},
	{"key starting with export", "exportER=fake", map[string]string{"exportER": "fake"}},
	{"blanks around key and equals", "  A  =  fake-a  \n\tB\t=\tfake-b\t", map[string]string{"A": "fake-a", "B": "fake-b"}},
	{"unquoted inner spaces kept", "A=fake a  b", map[string]string{"A": "fake a  b"}},
	{"unquoted inline comment", "A=fake-a # not part of it", map[string]string{"A": "fake-a"}},
	{"unquoted comment after tab", "A=fake-a\t#c", map[string]string{"A": "fake-a"}},
	{"unquoted first comment wins", "A=fake #b #c", map[string]string{"A": "fake"}},
	{"unquoted hash without blank", "A=fake#a#b", map[string]string{"A": "fake#a#b"}},
	{"unquoted leading hash", "A=#fake", map[string]string{"A": "#fake"}},
	{"unquoted blank then hash is a comment", "A= #note", map[string]string{"A": ""}},
	{"unquoted dollar literal", "A=pa$Sword", map[string]string{"A": "pa$Sword"}},
	{"unquoted trailing dollar", "A=fake$", map[string]string{"A": "fake$"}},
	{"unquoted dollar paren", "A=$(fake)", map[string]string{"A": "$(fake)"}},
	{"unquoted bcrypt", "HASH=$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", map[string]string{"HASH": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}},
	{"unquoted backslashes literal", `A=fake\n\t\\x`, map[string]string{"A": `fake\n\t\\x`}},
	{"unquoted inner quotes literal", `A=fa"k'e`, map[string]string{"A": `fa"k'e`}},
	{"unquoted equals in value", "A=b=c==", map[string]string{"A": "b=c=="}},
	{"unquoted unicode", "A=fäke ☃ 秘密", map[string]string{"A": "fäke ☃ 秘密"}},
	{"unquoted invalid utf-8 kept", "A=fa\xffke", map[string]string{"A": "fa\xffke"}},
	{"unquoted nbsp kept", "A=\u00a0fake\u00a0", map[string]string{"A": "\u00a0fake\u00a0"}},
	{"single quoted literal", `A='fake $X ${Y} \n \t "q" # c'`, map[string]string{"A": `fake $X ${Y} \n \t "q" # c`}},
	{"single quoted keeps blanks", "A='  fake  '", map[string]string{"A": "  fake  "}},
	{"single quoted trailing backslash", `A='fake\'`, map[string]string{"A": `fake\`}},
	{"single quoted json", `JSON='{"type":"service_account","key":"fake-\n-key","n":[1,2]}'`, map[string]string{"JSON": `{"type":"service_account","key":"fake-\n-key","n":[1,2]}`}},
	{"single quoted multi-line", "A='fake\nline 2\n\nline 4'\nB=x", map[string]string{"A": "fake\nline 2\n\nline 4", "B": "x"}},
	{"single quoted url with fragment", "U='https://example.com/p?q=1#frag' # comment", map[string]string{"U": "https://example.com/p?q=1#frag"}},
	{"single quoted comment right after", "A='fake'#c", map[string]string{"A": "fake"}},
	{"single quoted then blanks", "A='fake'  \t\nB=2", map[string]string{"A": "fake", "B": "2"}},
	{"double quoted", `A="fake value"`, map[string]string{"A": "fake value"}},
	{"double quoted url with fragment", `U="https://example.com/#frag" # c`, map[string]string{"U": "https://example.com/#frag"}},
	{"double quoted escapes", `A="n\nr\rt\tb\\q\"d\$"`, map[string]string{"A": "n\nr\rt\tb\\q\"d$"}},
	{"double quoted tab escape", `A="a\tb"`, map[string]string{"A": "a\tb"}},
	{"double quoted escaped quotes around", `A="\"fake\""`, map[string]string{"A": `"fake"`}},
	{"double quoted ends with backslash", `A="ends\\"`, map[string]string{"A": `ends\`}},
	{"double quoted ends with backslash quote", `A="x\\\""`, map[string]string{"A": `x\"`}},
	{"double quoted dollar literal", `A="pa$Sword $ $1 $(x)"`, map[string]string{"A": "pa$Sword $ $1 $(x)"}},
	{"double quoted escaped expansion", `A="\${X}"`, map[string]string{"A": "${X}"}},
	{"double quoted single quote", `A="it's fake"`, map[string]string{"A": "it's fake"}},
	{"double quoted multi-line", "A=\"fake\nline 2\"\nB=x", map[string]string{"A": "fake\nline 2", "B": "x"}},
	{"double quoted pem", "KEY=\"-----BEGIN FAKE KEY-----\nbm90LWEtc2VjcmV0\n-----END FAKE KEY-----\n\"", map[string]string{"KEY": "-----BEGIN FAKE KEY-----\nbm90LWEtc2VjcmV0\n-----END FAKE KEY-----\n"}},
	{"double quoted json", `J="{\"a\":\"fake\"}"`, map[string]string{"J": `{"a":"fake"}`}},
	{"double quoted unicode", `A="fäke ☃"`, map[string]string{"A": "fäke ☃"}},
	{"crlf", "A=fake-a\r\nB='fake-b'\r\n\r\n# c\r\nC=\"fake-c\"\r\n", map[string]string{"A": "fake-a", "B": "fake-b", "C": "fake-c"}},
	{"crlf in multi-line value", "A='x\r\ny'\r\nB=\"x\r\ny\"\r\n", map[string]string{"A": "x\ny", "B": "x\ny"}},
	{"bom", "\uFEFFA=fake", map[string]string{"A": "fake"}},
	{"bom and crlf", "\uFEFFA=fake\r\nB=2\r\n", map[string]string{"A": "fake", "B": "2"}},
	{"bom later is data", "A=\uFEFFfake", map[string]string{"A": "\uFEFFfake"}},
	{"expansion", "A=fake\nB=${A}", map[string]string{"A": "fake", "B": "fake"}},
	{"expansion chain", "A=x\nB=${A}y\nC=\"${B}z\"\nD=${C}${C}", map[string]string{"A": "x", "B": "xy", "C": "xyz", "D": "xyzxyz"}},
	{"expansion is not re-expanded", "A='${Q}'\nB=${A}", map[string]string{"A": "${Q}", "B": "${Q}"}},
	{"expansion of a dollar value", "A=pa$Sword\nB=\"<${A}>\"", map[string]string{"A": "pa$Sword", "B": "<pa$Sword>"}},
	{"expansion in url", "HOST=db.example\nURL=postgres://u@${HOST}:5432/x", map[string]string{"HOST": "db.example", "URL": "postgres://u@db.example:5432/x"}},
	{"expansion not in single quotes", "A=x\nB='${A}'", map[string]string{"A": "x", "B": "${A}"}},
	{"default used", "B=${A:-fallback}", map[string]string{"B": "fallback"}},
	{"default with spaces", `B="${A:-two words}"`, map[string]string{"B": "two words"}},
	{"default with escapes", `B="${A:-x\"y\$z}"`, map[string]string{"B": `x"y$z`}},
	{"default with dollar", `B=${A:-a$b}`, map[string]string{"B": "a$b"}},
	{"default empty", "B=${A:-}", map[string]string{"B": ""}},
	{"default when empty", "A=\nB=${A:-d}", map[string]string{"A": "", "B": "d"}},
	{"default not used", "A=v\nB=${A:-d}", map[string]string{"A": "v", "B": "v"}},
	{"default ends at first brace", "B=${A:-x}y}", map[string]string{"B": "xy}"}},
	{"lowercase name", "a=v\nB=${a}", map[string]string{"a": "v", "B": "v"}},
	{"many entries", "A=1\n\n# c\nB=2\nexport C=3\nD='4'\nE=\"5\"", map[string]string{"A": "1", "B": "2", "C": "3", "D": "4", "E": "5"}},
}

var dotenvErrors = []struct {
	name string
	in   string
	line int
}{
	{"utf-16 little-endian", "\xff\xfeA\x00=\x00f\x00\r\x00\n\x00", 0},
	{"utf-16 big-endian", "\xfe\xff\x00A\x00=\x00f\x00\n", 0},
	{"no equals", "fakecanary", 1},
	{"no equals later", "A=1\nB=2\nfakecanary\nC=3", 3},
	{"export without equals", "export FAKECANARY", 1},
	{"yaml style", "A: fakecanary", 1},
	{"key starts with digit", "1KEY=fakecanary", 1},
	{"key with space", "MY KEY=fakecanary", 1},
	{"key with dash", "KEY-A=fakecanary", 1},
	{"key with dot", "A.B=fakecanary", 1},
	{"empty key", "=fakecanary", 1},
	{"unicode key", "KÉY=fakecanary", 1},
	{"duplicate key", "A=fakecanary1\nB=2\nA=fakecanary2", 3},
	{"duplicate key with export", "A=1\nexport A=fakecanary", 2},
	{"unterminated single quote", "A=1\nB='fakecanary\nC=3\n", 2},
	{"unterminated double quote", "A=1\n\nB=\"fakecanary\nC=3\n", 3},
	{"godotenv's ends with escaped quote", `A="fakecanary\"`, 1},
	{"garbage after single quote", "A='fakecanary' extra", 1},
	{"garbage after double quote", "A=\"fake\" fakecanary", 1},
	{"garbage after multi-line quote", "A='x\ny'fakecanary", 2},
	{"two quoted parts", `A='fake''canary'`, 1},
	{"unknown escape", `A="fake\qcanary"`, 1},
	{"unknown escape on line 2 of value", "A=\"fake\nfakecanary\\a\"", 2},
	{"escaped single quote", `A="fake\'canary"`, 1},
	{"backslash newline", "A=\"fakecanary\\\nx\"", 1},
	{"lone CR", "A=fakecanary\rB=2", 1},
	{"lone CR on line 2", "A=1\nB='fake\rcanary'", 2},
	{"unquoted backslash dollar", `A=fake\$canary`, 1},
	{"unquoted backslash brace", `A=\${fakecanary}`, 1},
	{"undefined name", "A=${FAKE}canary", 1},
	{"undefined name in quotes", "A=1\nB=\"fakecanary${NOPE}\"", 2},
	{"self reference", "A=${A}", 1},
	{"later definition", "A=${B}\nB=fakecanary", 1},
	{"unterminated brace", "A=1\nB=${A", 2},
	{"unterminated brace in quotes", `B="${A"`, 1},
	{"unterminated default", "B=${A:-fakecanary", 1},
	{"unterminated default in quotes", "B=\"${A:-fake\ncanary}\"", 1},
	{"empty name", "A=${}fakecanary", 1},
	{"invalid name", "A=${1X}fakecanary", 1},
	{"name with space", "A=1\nB=${A B}", 2},
	{"other operator", "A=1\nB=${A-x}", 2},
	{"colon only", "A=1\nB=${A:x}", 2},
	{"nested default", "A=1\nB=${X:-${A}}", 2},
	{"comment inside braces", "B=${A:-fake #canary}", 1},
	{"bad line after multi-line", "A='x\ny\nz'\nfakecanary", 4},
	{"garbage after comment line", "# c\n  bad line fakecanary", 2},
}

func TestFromDotenvOK(t *testing.T) {
	t.Parallel()
	for _, tc := range dotenvOK {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeDotenv(t, tc.in)
			got, err := secret.FromDotenv(path).Load(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestFromDotenvErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range dotenvErrors {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeDotenv(t, tc.in)
			got, err := secret.FromDotenv(path).Load(context.Background())
			require.Error(t, err)
			assert.Nil(t, got, "no partial map")
			var pe *secret.ParseError
			require.True(t, errors.As(err, &pe), "want a *ParseError, got %T", err)
			assert.Equal(t, path, pe.Path)
			assert.Equal(t, tc.line, pe.Line)
			assert.NotContains(t, strings.ToLower(err.Error()), "canary", "the error quotes the file")
			assert.True(t, strings.HasPrefix(err.Error(), path+":"), "the error names path and line")
		})
	}
}

// The error names the key and the undefined name, which are not secret.
func TestFromDotenvErrorNamesKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"A=fakecanary\nA=fakecanary", "key A is already defined on line 1"},
		{"B=${MISSING_NAME}", "MISSING_NAME"},
		{"\xff\xfeA\x00=\x00", "file is UTF-16"},
	} {
		_, err := secret.FromDotenv(writeDotenv(t, tc.in)).Load(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestFromDotenvNeverReadsProcessEnvironment(t *testing.T) {
	t.Setenv("ENVSEAL_TEST_FROM_PROCESS", "fake-from-process")
	path := writeDotenv(t, "A=${ENVSEAL_TEST_FROM_PROCESS}")
	_, err := secret.FromDotenv(path).Load(context.Background())
	var pe *secret.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 1, pe.Line)

	m, err := secret.FromDotenv(writeDotenv(t, "A=${ENVSEAL_TEST_FROM_PROCESS:-default}")).Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "default"}, m)
}

func TestFromDotenvLargeValue(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("fake-", 8000) // 40,000 bytes: over Modal's value limit
	path := writeDotenv(t, "BIG='"+big+"'\nSMALL=x\n")
	m, err := secret.FromDotenv(path).Load(context.Background())
	require.NoError(t, err, "the parser takes any size; Resolve enforces the limit")
	assert.Len(t, m["BIG"], len(big))
	assert.True(t, m["BIG"] == big)

	_, err = secret.Resolve(context.Background(), secret.FromDotenv(path))
	var se *secret.SourceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "BIG", se.Key)
	assert.Equal(t, "dotenv:"+path, se.Source)
}

func TestFromDotenvFileTooLarge(t *testing.T) {
	t.Parallel()
	path := writeDotenv(t, "A='"+strings.Repeat("x", 4<<20)+"'")
	_, err := secret.FromDotenv(path).Load(context.Background())
	var pe *secret.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, path, pe.Path)
	assert.Equal(t, 0, pe.Line)
	assert.Contains(t, err.Error(), "file is over the limit of 4194304 bytes")
}

func TestFromDotenvMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "absent.env")
	_, err := secret.FromDotenv(path).Load(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, secret.ErrNotFound)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.EqualError(t, err, "file not found", "Resolve names the source; Load does not repeat it")

	_, err = secret.Resolve(context.Background(), secret.FromDotenv(writeDotenv(t, "A=1"), path))
	assert.ErrorIs(t, err, secret.ErrNotFound)
	var se *secret.SourceError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "dotenv:"+path, se.Source, "the error names the missing file's own source")
	assert.EqualError(t, err, "dotenv:"+path+": file not found")
}

func TestFromDotenvDirectory(t *testing.T) {
	t.Parallel()
	_, err := secret.FromDotenv(t.TempDir()).Load(context.Background())
	require.Error(t, err)
	assert.NotErrorIs(t, err, secret.ErrNotFound)
}

func TestFromDotenvCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := secret.FromDotenv(writeDotenv(t, "A=1")).Load(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestFromDotenvNames(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "dotenv:.env", secret.FromDotenv().Name())
	assert.Equal(t, "dotenv:a.env", secret.FromDotenv("a.env").Name())
	assert.Equal(t, "dotenv:a.env,b.env", secret.FromDotenv("a.env", "b.env").Name())
}

func TestFromDotenvDefaultPath(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("A=fake-default\n"), 0o600))
	t.Chdir(dir)
	m, err := secret.FromDotenv().Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "fake-default"}, m)
}

// The file is read at Load time, not when the source is made.
func TestFromDotenvReadsAtLoad(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "late.env")
	src := secret.FromDotenv(path)
	require.NoError(t, os.WriteFile(path, []byte("A=fake-1"), 0o600))
	m, err := src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "fake-1", m["A"])
	require.NoError(t, os.WriteFile(path, []byte("A=fake-2"), 0o600))
	m, err = src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "fake-2", m["A"])
}

func TestFromDotenvMultiFile(t *testing.T) {
	t.Parallel()
	base := filepath.Join("testdata", "dotenv", "app.env")
	local := filepath.Join("testdata", "dotenv", "local.env")
	src := secret.FromDotenv(base, local)

	m, err := src.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "fake-local-db-password", m["DB_PASSWORD"], "the later file wins")
	assert.Equal(t, "debug", m["LOG_LEVEL"])
	assert.Equal(t, "fake-sk-not-a-secret-0000", m["OPENAI_API_KEY"], "keys of the first file stay")

	env, err := secret.Resolve(context.Background(), secret.FromMap(map[string]string{"LOG_LEVEL": "warn", "ONLY_MAP": "x"}), src)
	require.NoError(t, err)
	assert.Equal(t, "dotenv:"+local, env.Origin("DB_PASSWORD"))
	assert.Equal(t, "dotenv:"+local, env.Origin("LOG_LEVEL"))
	assert.Equal(t, "dotenv:"+base, env.Origin("OPENAI_API_KEY"))
	assert.Equal(t, "map", env.Origin("ONLY_MAP"))
	got, _ := env.Get("DB_PASSWORD")
	assert.Equal(t, "fake-local-db-password", got)

	// Expansion never crosses files: local.env cannot see app.env's keys.
	cross := writeDotenv(t, "X=${OPENAI_API_KEY}")
	_, err = secret.Resolve(context.Background(), secret.FromDotenv(base, cross))
	var pe *secret.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, cross, pe.Path)
	assert.Equal(t, 1, pe.Line)
}

func TestFromDotenvFixtures(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"APP_ENV":         "production",
		"LOG_LEVEL":       "info",
		"DB_HOST":         "db.internal.example",
		"DB_USER":         "app",
		"DB_PASSWORD":     "fake-pa$Sword-not-a-secret",
		"DATABASE_URL":    "postgres://app:fake-pa$Sword-not-a-secret@db.internal.example:5432/app?sslmode=require",
		"OPENAI_API_KEY":  "fake-sk-not-a-secret-0000",
		"ADMIN_HASH":      "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"WEBHOOK_URL":     "https://hooks.example.com/services/T000/B000#fake-fragment",
		"GCP_CREDENTIALS": `{"type":"service_account","project_id":"fake-project","private_key":"-----BEGIN FAKE KEY-----\nnot-a-secret\n-----END FAKE KEY-----\n"}`,
		"TLS_KEY":         "-----BEGIN FAKE PRIVATE KEY-----\nbm90LWEtc2VjcmV0\n-----END FAKE PRIVATE KEY-----",
		"GREETING":        "héllo\twörld",
		"CACHE_DIR":       "/var/cache/app",
		"EMPTY":           "",
		"FEATURE_FLAGS":   "a,b,c",
	}
	m, err := secret.FromDotenv(filepath.Join("testdata", "dotenv", "app.env")).Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, want, m)

	// The same entries with a BOM and CRLF line ends.
	m, err = secret.FromDotenv(filepath.Join("testdata", "dotenv", "windows.env")).Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"APP_ENV":   "production",
		"API_TOKEN": "fake-token-not-a-secret",
		"MULTI":     "line 1\nline 2",
		"QUOTED":    "fake \"quoted\" value",
	}, m)
}

// Expansion cannot turn a small file into a huge map: ${A}${A} on a few
// lines would double a value each time (a "billion laughs" for .env files).
func TestFromDotenvExpansionBomb(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("K0=fake-bomb\n")
	for i := 1; i <= 24; i++ { // 9 bytes << 24: 144 MiB without a limit
		fmt.Fprintf(&b, "K%d=${K%d}${K%d}\n", i, i-1, i-1)
	}
	path := writeDotenv(t, b.String())
	m, err := secret.FromDotenv(path).Load(context.Background())
	assert.True(t, m == nil, "no partial map") // not assert.Nil: it would print the map
	var pe *secret.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, path, pe.Path)
	assert.Equal(t, 19, pe.Line, "the first line whose value takes the total over 4 MiB")
	assert.Contains(t, err.Error(), "larger than the limit")
}

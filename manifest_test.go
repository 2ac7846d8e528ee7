package secret_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
	"github.com/envseal/secret/secrettest"
)

func TestLoadManifestFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want []secret.Declaration
	}{
		{"chat-openai.inf.yml", []secret.Declaration{
			{Key: "OPENAI_API_KEY", Description: "OpenAI API key for GPT models"},
			{Key: "OPENAI_ORG_ID", Description: "Organization to bill, if not the default one", Optional: true},
			{Key: "WEBHOOK_SECRET", Description: "Optional webhook signing secret", Optional: true},
		}},
		{"flux-lora.inf.yml", []secret.Declaration{
			{Key: "HF_TOKEN", Description: "HuggingFace token for gated models"},
			{Key: "WANDB_API_KEY", Description: "Weights & Biases key.\nRuns are logged only when it is set.\n", Optional: true},
			{Key: "_INTERNAL_SEED"},
		}},
		{"no-secrets.inf.yml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			m, err := secret.LoadManifest(filepath.Join("testdata", "manifest", tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.Secrets)
		})
	}
}

func TestLoadManifestErrors(t *testing.T) {
	t.Parallel()

	t.Run("typo in a field", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join("testdata", "manifest", "typo-optinal.inf.yml")
		m, err := secret.LoadManifest(path)
		require.Error(t, err)
		assert.Nil(t, m)
		var perr *secret.ParseError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, path, perr.Path)
		assert.Equal(t, 6, perr.Line)
		assert.Equal(t, path+":6: secret 1: unknown field; did you mean optional?", err.Error())
	})

	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "inf.yml")
		_, err := secret.LoadManifest(path)
		require.ErrorIs(t, err, secret.ErrNotFound)
		require.ErrorIs(t, err, fs.ErrNotExist)
		assert.Contains(t, err.Error(), path)
	})

	t.Run("a folder", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		_, err := secret.LoadManifest(dir)
		require.Error(t, err)
		assert.NotErrorIs(t, err, secret.ErrNotFound)
		assert.Contains(t, err.Error(), dir)
	})

	t.Run("over 1 MiB", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "inf.yml")
		data := "secrets: []\n#" + strings.Repeat("x", 1<<20) + "\n"
		require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
		_, err := secret.LoadManifest(path)
		var perr *secret.ParseError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, path, perr.Path)
		assert.Equal(t, 0, perr.Line)
		assert.Contains(t, err.Error(), "over the limit of 1048576 bytes")
	})
}

func TestParseManifestOK(t *testing.T) {
	t.Parallel()
	a := []secret.Declaration{{Key: "A"}}
	tests := []struct {
		name string
		doc  string
		want []secret.Declaration
	}{
		{"empty document", "", nil},
		{"only comments", "# nothing\n  # here\n", nil},
		{"only a document marker", "---\n", nil},
		{"null document", "~\n", nil},
		{"no secrets key", "name: app\ncategory: text\n", nil},
		{"secrets null", "secrets:\n", nil},
		{"secrets tilde", "secrets: ~\n", nil},
		{"secrets empty list", "secrets: []\n", nil},
		{"required by default", "secrets:\n  - key: A\n", a},
		{"optional false", "secrets:\n  - key: A\n    optional: false\n", a},
		{"optional true", "secrets:\n  - {key: A, optional: true}\n", []secret.Declaration{{Key: "A", Optional: true}}},
		{"optional TRUE", "secrets:\n  - {key: A, optional: TRUE}\n", []secret.Declaration{{Key: "A", Optional: true}}},
		{"optional False", "secrets:\n  - {key: A, optional: False}\n", a},
		{"optional tagged bool", "secrets:\n  - {key: A, optional: !!bool true}\n", []secret.Declaration{{Key: "A", Optional: true}}},
		{"flow style", "secrets: [{key: A, description: d}, {key: B}]\n", []secret.Declaration{{Key: "A", Description: "d"}, {Key: "B"}}},
		{"quoted key", "secrets:\n  - key: \"A\"\n", a},
		{"key NO is a string", "secrets:\n  - key: NO\n", []secret.Declaration{{Key: "NO"}}},
		{"key with underscore and digits", "secrets:\n  - key: _A1_b2\n", []secret.Declaration{{Key: "_A1_b2"}}},
		{"description null", "secrets:\n  - key: A\n    description:\n", a},
		{"description number", "secrets:\n  - key: A\n    description: 42\n", []secret.Declaration{{Key: "A", Description: "42"}}},
		{"description literal block", "secrets:\n  - key: A\n    description: |\n      two\n      lines\n", []secret.Declaration{{Key: "A", Description: "two\nlines\n"}}},
		{"description with colon and quote", "secrets:\n  - key: A\n    description: 'it''s: fine'\n", []secret.Declaration{{Key: "A", Description: "it's: fine"}}},
		{"anchor on an entry", "secrets:\n  - &first {key: A}\n", a},
		{"fields in any order", "secrets:\n  - optional: true\n    description: d\n    key: A\n", []secret.Declaration{{Key: "A", Description: "d", Optional: true}}},
		{
			"other top-level keys of every shape",
			"name: app\nimages: [1, 2]\nenv: {MODE: fast}\nresources: 5\n? [complex, key]\n: value\nbase: &b {x: 1}\nother: *b\nsecrets:\n  - key: A\n",
			a,
		},
		{"top-level key secrets_extra is not secrets", "secrets_extra: fake-text\n", nil},
		{"CRLF line ends", "name: app\r\nsecrets:\r\n  - key: A\r\n    description: d\r\n", []secret.Declaration{{Key: "A", Description: "d"}}},
		{"UTF-8 BOM", "\ufeffsecrets:\n  - key: A\n", a},
		{"document end marker", "secrets:\n  - key: A\n...\n", a},
		{"explicit document start", "---\nsecrets:\n  - key: A\n", a},
		{
			"order kept",
			"secrets:\n  - key: Z\n  - key: A\n  - key: M\n",
			[]secret.Declaration{{Key: "Z"}, {Key: "A"}, {Key: "M"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := secret.ParseManifest([]byte(tt.doc))
			require.NoError(t, err)
			require.NotNil(t, m)
			assert.Equal(t, tt.want, m.Secrets)
		})
	}
}

func TestParseManifestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		line int
		msg  string // the whole error text
	}{
		{"top level is a list", "- a\n- b\n", 1, "line 1: the document must be a mapping (name:, secrets:, ...), not a list"},
		{"top level is a string", "just text\n", 1, "line 1: the document must be a mapping (name:, secrets:, ...), not a string"},
		{"secrets is a string", "name: x\nsecrets: fake-text\n", 2, "line 2: secrets must be a list of {key, description, optional} entries, not a string"},
		{"secrets is a mapping", "secrets:\n  key: API_KEY\n", 2, "line 2: secrets must be a list of {key, description, optional} entries, not a mapping"},
		{"secrets twice", "secrets: []\nname: x\nsecrets:\n  - key: A\n", 3, "line 3: secrets appears twice at the top level (first on line 1)"},
		{"entry is a string", "secrets:\n  - key: A\n  - API_KEY\n", 3, "line 3: secret 2 must be a mapping of key, description and optional, not a string"},
		{"entry is a list", "secrets:\n  - [API_KEY]\n", 2, "line 2: secret 1 must be a mapping of key, description and optional, not a list"},
		{"entry is null", "secrets:\n  -\n", 2, "line 2: secret 1 must be a mapping of key, description and optional, not null"},
		{"typo optinal", "secrets:\n  - key: A\n    optinal: true\n", 3, "line 3: secret 1: unknown field; did you mean optional?"},
		{"typo Key", "secrets:\n  - Key: A\n", 2, "line 2: secret 1: unknown field; did you mean key?"},
		{"typo desciption", "secrets:\n  - key: A\n    desciption: d\n", 3, "line 3: secret 1: unknown field; did you mean description?"},
		{"unknown field", "secrets:\n  - key: A\n    value: fake-text\n", 3, "line 3: secret 1: unknown field (want key, description or optional)"},
		{"merge key at the top level", "base: &b {secrets: [{key: A}]}\n<<: *b\n", 2, "line 2: a merge key (<<) at the top level is not supported: write secrets: directly"},
		{"merge key", "base: &b {key: A}\nsecrets:\n  - <<: *b\n", 3, "line 3: secret 1: unknown field (want key, description or optional)"},
		{"field twice", "secrets:\n  - key: A\n    optional: true\n    optional: false\n", 4, "line 4: secret 1: field optional appears twice (first on line 3)"},
		{"missing key", "secrets:\n  - key: A\n  - description: d\n    optional: true\n", 3, "line 3: secret 2: missing key"},
		{"empty mapping", "secrets:\n  - {}\n", 2, "line 2: secret 1: missing key"},
		{"empty key", "secrets:\n  - key: \"\"\n", 2, "line 2: secret 1: empty key"},
		{"null key", "secrets:\n  - key:\n    description: d\n", 2, "line 2: secret 1: empty key"},
		{"key is a number", "secrets:\n  - key: 123\n", 2, "line 2: secret 1: key must be a string, not a number"},
		{"key is a boolean", "secrets:\n  - key: true\n", 2, "line 2: secret 1: key must be a string, not a boolean"},
		{"key is a list", "secrets:\n  - key: [A]\n", 2, "line 2: secret 1: key must be a string, not a list"},
		{"key with a dash", "secrets:\n  - key: api-key\n", 2, "line 2: secret 1: invalid key: want [A-Za-z_][A-Za-z0-9_]*"},
		{"key with a dot", "secrets:\n  - key: tls.crt\n", 2, "line 2: secret 1: invalid key: want [A-Za-z_][A-Za-z0-9_]*"},
		{"key starts with a digit", "secrets:\n  - key: \"1ABC\"\n", 2, "line 2: secret 1: invalid key: want [A-Za-z_][A-Za-z0-9_]*"},
		{"key not ASCII", "secrets:\n  - key: KÉY\n", 2, "line 2: secret 1: invalid key: want [A-Za-z_][A-Za-z0-9_]*"},
		{"key with a space", "secrets:\n  - key: \"A B\"\n", 2, "line 2: secret 1: invalid key: want [A-Za-z_][A-Za-z0-9_]*"},
		{"duplicate key", "secrets:\n  - key: A\n  - key: B\n  - key: A\n", 4, "line 4: secret 3: key A is already declared on line 2"},
		{"optional yes", "secrets:\n  - key: A\n    optional: yes\n", 3, "line 3: secret 1: optional must be true or false; YAML 1.1 yes/no/on/off are not accepted"},
		{"optional no", "secrets:\n  - key: A\n    optional: no\n", 3, "line 3: secret 1: optional must be true or false; YAML 1.1 yes/no/on/off are not accepted"},
		{"optional On", "secrets:\n  - key: A\n    optional: On\n", 3, "line 3: secret 1: optional must be true or false; YAML 1.1 yes/no/on/off are not accepted"},
		{"optional quoted true", "secrets:\n  - key: A\n    optional: \"true\"\n", 3, "line 3: secret 1: optional must be true or false, not a string"},
		{"optional quoted false", "secrets:\n  - key: A\n    optional: 'false'\n", 3, "line 3: secret 1: optional must be true or false, not a string"},
		{"optional quoted yes", "secrets:\n  - key: A\n    optional: \"yes\"\n", 3, "line 3: secret 1: optional must be true or false, not a string"},
		{"optional 1", "secrets:\n  - key: A\n    optional: 1\n", 3, "line 3: secret 1: optional must be true or false, not a number"},
		{"optional null", "secrets:\n  - key: A\n    optional:\n", 3, "line 3: secret 1: optional must be true or false, not null"},
		{"optional list", "secrets:\n  - key: A\n    optional: [true]\n", 3, "line 3: secret 1: optional must be true or false, not a list"},
		{"optional tagged bool yes", "secrets:\n  - key: A\n    optional: !!bool yes\n", 3, "line 3: secret 1: optional must be true or false; YAML 1.1 yes/no/on/off are not accepted"},
		{"description is a mapping", "secrets:\n  - key: A\n    description: {a: b}\n", 3, "line 3: secret 1: description must be a string, not a mapping"},
		{"alias entry", "x: &e {key: A}\nsecrets:\n  - *e\n", 3, "line 3: secret 1: aliases are not supported here"},
		{"alias list", "x: &l []\nsecrets: *l\n", 2, "line 2: secrets: aliases are not supported here"},
		{"alias value", "x: &k A\nsecrets:\n  - key: *k\n", 3, "line 3: secret 1: key: aliases are not supported here"},
		{"two documents", "secrets: []\n---\nname: x\n", 2, "line 2: a second YAML document (after ---); an inf.yml holds one"},
		{"empty second document", "secrets: []\n\n---\n", 3, "line 3: a second YAML document (after ---); an inf.yml holds one"},
		{"unclosed flow list", "name: x\nsecrets: [\n  {key: A}\n", 2, "line 2: invalid YAML: did not find expected ',' or ']'"},
		{"bad indentation", "secrets:\n  - key: A\n  description: x\n", 2, "line 2: invalid YAML: did not find expected '-' indicator"},
		{"over-indented field", "secrets:\n  - key: A\n     optional: true\n", 3, "line 3: invalid YAML: mapping values are not allowed in this context"},
		{"mapping value on line 1", "name: a: b\n", 1, "line 1: invalid YAML: mapping values are not allowed in this context"},
		{"tab indentation", "secrets:\n  - key: A\n\toptional: true\n", 2, "line 2: invalid YAML: found a tab character that violates indentation"},
		{"unterminated quote", "secrets:\n  - key: \"A\n", 2, "line 2: invalid YAML: found unexpected end of stream"},
		{"unknown escape", "secrets:\n- key: A\n  description: \"bad \\q escape\"\n", 3, "line 3: invalid YAML: found unknown escape character"},
		{"unknown anchor", "secrets: *nowhere\n", 0, "invalid YAML"},
		{"control character", "secrets:\n  - key: A\x01\n", 0, "invalid YAML: control characters are not allowed"},
		{"invalid UTF-8", "secrets:\n  - key: A\xff\n", 0, "invalid YAML: invalid leading UTF-8 octet"},
		{"over 1 MiB", "#" + strings.Repeat("x", 1<<20) + "\n", 0, "manifest is over the limit of 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := secret.ParseManifest([]byte(tt.doc))
			require.Error(t, err)
			assert.Nil(t, m)
			var perr *secret.ParseError
			require.ErrorAs(t, err, &perr)
			assert.Equal(t, "", perr.Path)
			assert.Equal(t, tt.line, perr.Line)
			assert.Equal(t, tt.msg, err.Error())
		})
	}
}

// manifestLeakCases put the canary in every place of a bad document where a
// pasted secret could sit: no error may quote it, nor any part of it.
func manifestLeakCases() []leakCase {
	docs := []struct{ name, doc string }{
		{"unknown field name", "secrets:\n  - key: A\n    " + canary + ": true\n"},
		{"unknown field near a field name", "secrets:\n  - key: A\n    optional" + canary + ": true\n"},
		{"unknown field value", "secrets:\n  - key: A\n    value: " + canary + "\n"},
		{"description beside a typo", "secrets:\n  - key: A\n    description: " + canary + "\n    optinal: true\n"},
		{"invalid key", "secrets:\n  - key: sk-" + canary + "\n"},
		{"key is a list", "secrets:\n  - key: [" + canary + "]\n"},
		{"optional is a string", "secrets:\n  - key: A\n    optional: " + canary + "\n"},
		{"description is a mapping", "secrets:\n  - key: A\n    description: {" + canary + ": x}\n"},
		{"secrets is a string", "secrets: " + canary + "\n"},
		{"top level is a string", canary + "\n"},
		{"top level is a list", "- " + canary + "\n"},
		{"syntax error in a value", "name: " + canary + ": x\n"},
		{"unterminated quote", "secrets:\n  - key: A\n    description: \"" + canary + "\n"},
		{"unknown anchor", "secrets: *" + canary + "\n"},
		{"tag handle", "secrets: !" + canary + "!x y\n"},
		{"second document", "secrets: []\n---\n" + canary + "\n"},
		{"second document syntax error", "secrets: []\n---\nx: \"" + canary + "\n"},
		{"control character after it", "description: " + canary + "\x01\n"},
		{"other key before a bad entry", "token: " + canary + "\nsecrets:\n  - key: \"\"\n"},
		{"flow mapping", "secrets: [{key: A, " + canary + "}\n"},
		{"over 1 MiB", "token: " + strings.Repeat(canary, 1<<20/len(canary)+1) + "\n"},
	}
	var cases []leakCase
	for _, d := range docs {
		cases = append(cases, leakCase{"manifest: " + d.name, func(t *testing.T) error {
			m, err := secret.ParseManifest([]byte(d.doc))
			require.Nil(t, m)
			var perr *secret.ParseError
			require.ErrorAs(t, err, &perr)
			return err
		}})
	}
	cases = append(cases, leakCase{"manifest: file with a bad entry", func(t *testing.T) error {
		path := filepath.Join(t.TempDir(), "inf.yml")
		require.NoError(t, os.WriteFile(path, []byte("secrets:\n  - key: "+canary+"-x\n"), 0o600))
		_, err := secret.LoadManifest(path)
		return err
	}})
	return cases
}

func TestResolveWithParsedManifest(t *testing.T) {
	t.Parallel()
	m, err := secret.LoadManifest(filepath.Join("testdata", "manifest", "flux-lora.inf.yml"))
	require.NoError(t, err)

	t.Run("all required present, optional absent", func(t *testing.T) {
		t.Parallel()
		r := secret.Resolver{Manifest: m}
		env, err := r.Resolve(context.Background(), secret.FromMap(map[string]string{
			"HF_TOKEN": "fake-hf", "_INTERNAL_SEED": "fake-seed",
		}))
		require.NoError(t, err)
		assert.Equal(t, []string{"HF_TOKEN", "_INTERNAL_SEED"}, env.Keys())
	})

	t.Run("every missing key in one error, with descriptions", func(t *testing.T) {
		t.Parallel()
		r := secret.Resolver{Manifest: m}
		env, err := r.Resolve(context.Background(), secret.FromMap(map[string]string{"WANDB_API_KEY": "fake-wandb"}))
		require.Error(t, err)
		assert.Nil(t, env)
		var verr *secret.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.Equal(t, []string{"HF_TOKEN", "_INTERNAL_SEED"}, verr.Missing)
		assert.Empty(t, verr.Undeclared)
		assert.Contains(t, err.Error(), "missing HF_TOKEN: HuggingFace token for gated models")
		assert.Contains(t, err.Error(), "missing _INTERNAL_SEED")
	})

	t.Run("required but empty is missing", func(t *testing.T) {
		t.Parallel()
		r := secret.Resolver{Manifest: m}
		_, err := r.Resolve(context.Background(), secret.FromMap(map[string]string{
			"HF_TOKEN": "", "_INTERNAL_SEED": "fake-seed",
		}))
		var verr *secret.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.Equal(t, []string{"HF_TOKEN"}, verr.Missing)
	})

	t.Run("optional empty is fine", func(t *testing.T) {
		t.Parallel()
		r := secret.Resolver{Manifest: m}
		env, err := r.Resolve(context.Background(), secret.FromMap(map[string]string{
			"HF_TOKEN": "fake-hf", "_INTERNAL_SEED": "fake-seed", "WANDB_API_KEY": "",
		}))
		require.NoError(t, err)
		v, ok := env.Get("WANDB_API_KEY")
		assert.True(t, ok)
		assert.Empty(t, v)
	})

	t.Run("strict lists undeclared keys", func(t *testing.T) {
		t.Parallel()
		r := secret.Resolver{Manifest: m, Strict: true}
		_, err := r.Resolve(context.Background(), secret.FromMap(map[string]string{
			"HF_TOKEN": "fake-hf", "_INTERNAL_SEED": "fake-seed", "ZETA": "fake-z", "ALPHA": "fake-a",
		}))
		var verr *secret.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.Empty(t, verr.Missing)
		assert.Equal(t, []string{"ALPHA", "ZETA"}, verr.Undeclared)
	})

	t.Run("empty manifest, strict", func(t *testing.T) {
		t.Parallel()
		empty, err := secret.ParseManifest(nil)
		require.NoError(t, err)
		r := secret.Resolver{Manifest: empty, Strict: true}
		_, err = r.Resolve(context.Background(), secret.FromMap(map[string]string{"A": "fake-a"}))
		var verr *secret.ValidationError
		require.ErrorAs(t, err, &verr)
		assert.Equal(t, []string{"A"}, verr.Undeclared)
	})
}

// encodeManifest writes m as an inf.yml document, with every string
// double-quoted so that any text survives.
func encodeManifest(m *secret.Manifest) []byte {
	var b strings.Builder
	b.WriteString("name: fuzz\nsecrets:\n")
	for _, d := range m.Secrets {
		b.WriteString("  - key: " + strconv.Quote(d.Key) + "\n")
		b.WriteString("    description: " + strconv.Quote(d.Description) + "\n")
		b.WriteString("    optional: " + strconv.FormatBool(d.Optional) + "\n")
	}
	return []byte(b.String())
}

func FuzzParseManifest(f *testing.F) {
	for _, name := range []string{"chat-openai.inf.yml", "flux-lora.inf.yml", "no-secrets.inf.yml", "typo-optinal.inf.yml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "manifest", name))
		require.NoError(f, err)
		f.Add(data)
	}
	for _, s := range []string{
		"", "---\n", "secrets:\n", "secrets: [{key: A, optional: true}, {key: B, description: \"x\\ty\"}]\n",
		"secrets:\n  - key: A\n    optional: yes\n", "x: &a {key: A}\nsecrets: [*a]\n", "secrets: []\n---\n",
		"secrets:\n  - key: A\n    description: |\n      line\n", "- a\n", "secrets: [\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Wherever a secret lands in a manifest, an error does not quote it.
		for _, in := range withCanary(data) {
			if _, err := secret.ParseManifest(in); err != nil {
				secrettest.NoLeak(t, []string{fuzzCanary}, err)
			}
		}
		m, err := secret.ParseManifest(data)
		if err != nil {
			var perr *secret.ParseError
			require.ErrorAs(t, err, &perr, "the error is not a *ParseError")
			require.Nil(t, m)
			return
		}
		require.NotNil(t, m)

		// The manifest is valid for a Resolver: with every declared key set,
		// Resolve succeeds.
		vars := map[string]string{}
		for _, d := range m.Secrets {
			vars[d.Key] = "fake-value"
		}
		r := secret.Resolver{Manifest: m, Strict: true}
		_, err = r.Resolve(context.Background(), secret.FromMap(vars))
		require.NoError(t, err)

		// It survives a round trip through the encoder.
		back, err := secret.ParseManifest(encodeManifest(m))
		require.NoError(t, err, "the re-encoded manifest does not parse")
		require.Equal(t, len(m.Secrets), len(back.Secrets))
		for i := range m.Secrets {
			if m.Secrets[i] != back.Secrets[i] {
				t.Fatalf("secret %d changed in the round trip", i+1)
			}
		}
	})
}

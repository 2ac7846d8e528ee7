package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestInit writes envseal.yml from what the folder holds, and checks that
// run and check then read what it wrote.
func TestInit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		files      map[string]string
		wantStderr string
		wantLines  []string // lines of envseal.yml, in this order
		notLines   []string // lines it must not have
		manifest   bool     // check finds inf.yml
		dotenv     bool     // check reads .env
	}{
		{"empty folder", nil,
			"envseal: wrote {yml}: secrets {bundle}\n",
			[]string{"# manifest: inf.yml", "secrets:", `  - "{bundle}"`, "# dotenv:", "# functions:"},
			[]string{"manifest: inf.yml", "dotenv:"}, false, false},
		{"inf.yml and .env", map[string]string{
			"inf.yml": "secrets:\n  - key: API_TOKEN\n  - key: LOG_LEVEL\n    optional: true\n",
			".env":    "LOG_LEVEL=fake-init-level\n",
		},
			"envseal: wrote {yml}: manifest inf.yml, secrets {bundle}, dotenv .env (optional)\n",
			[]string{"# required ones. inf.yml declares API_TOKEN, LOG_LEVEL (optional).", "manifest: inf.yml", `  - "{bundle}"`, "dotenv:", "  - path: .env", "    optional: true"},
			[]string{"# manifest: inf.yml", "# dotenv:"}, true, true},
		{"inf.yml that does not parse", map[string]string{"inf.yml": "secrets:\n  - key: A\n    optinal: true\n"},
			"envseal: note: {dir}inf.yml:3: secret 1: unknown field; did you mean optional?: run and check will fail until it is fixed\n" +
				"envseal: wrote {yml}: manifest inf.yml, secrets {bundle}\n",
			[]string{"# required ones.", "manifest: inf.yml"}, []string{"# manifest: inf.yml"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			for name, content := range tt.files {
				s.write(name, content)
			}
			bundle := bundleNameFor(filepath.Base(s.home))
			yml := filepath.Join(s.home, projectFileName)
			// The sandbox's folder is 001, a number in YAML: quoted.
			repl := strings.NewReplacer("{yml}", yml, "{bundle}", bundle, `"{bundle}"`, yamlString(bundle), "{dir}", s.home+string(filepath.Separator))

			r := s.run("", "init")
			assert.Equal(t, 0, r.code)
			assert.Equal(t, repl.Replace(tt.wantStderr), r.stderr)
			assert.Empty(t, r.stdout)
			data, err := os.ReadFile(yml)
			require.NoError(t, err)
			lines := strings.Split(string(data), "\n")
			at := 0
			for _, want := range tt.wantLines {
				want = repl.Replace(want)
				i := indexFrom(lines, at, want)
				if assert.GreaterOrEqual(t, i, 0, "line %q, in order", want) {
					at = i + 1
				}
			}
			for _, not := range tt.notLines {
				assert.NotContains(t, lines, not)
			}
			for _, line := range lines {
				assert.LessOrEqual(t, len(line), 80, "line %q", line)
			}
			fi, err := os.Stat(yml)
			require.NoError(t, err)
			assert.Zero(t, fi.Mode().Perm()&0o133, "envseal.yml is not executable nor writable by others: %v", fi.Mode())

			// What init wrote is what run and check read.
			p, err := loadProject(s.home)
			require.NoError(t, err)
			pl, err := p.plan("", func(string) (string, bool) { return "", false })
			require.NoError(t, err)
			assert.Equal(t, tt.manifest, pl.manifest != "", "manifest")
			var names []string
			for _, ps := range pl.sources {
				names = append(names, ps.src.Name())
			}
			want := []string{"name:" + bundle}
			if tt.dotenv {
				want = append(want, "dotenv:"+filepath.Join(s.home, ".env"))
			}
			assert.Equal(t, want, names)

			// A second init leaves the file alone; --force replaces it.
			s.write(projectFileName, "# mine\n")
			r = s.run("", "init")
			assert.Equal(t, exitFailure, r.code)
			assert.Equal(t, "envseal: "+yml+" already exists: --force replaces it\n", r.stderr)
			mine, err := os.ReadFile(yml)
			require.NoError(t, err)
			assert.Equal(t, "# mine\n", string(mine))
			s.ok("", "init", "--force")
			again, err := os.ReadFile(yml)
			require.NoError(t, err)
			assert.Equal(t, string(data), string(again))
			noValues(t, r, "fake-init-level")
		})
	}
}

// TestInitUncommented checks that the commented fields of the template are
// valid once uncommented: a user who removes the # gets a file that parses.
func TestInitUncommented(t *testing.T) {
	t.Parallel()
	for _, f := range []projectFacts{{bundle: "app"}, {bundle: "001", manifest: true, dotenv: true}} {
		var b strings.Builder
		for _, line := range strings.Split(projectTemplate(f), "\n") {
			if rest, ok := strings.CutPrefix(line, "# "); ok && (strings.HasPrefix(rest, " ") || isFieldLine(rest)) {
				line = rest
			}
			b.WriteString(line + "\n")
		}
		p, err := parseProject(projectFileName, []byte(b.String()))
		require.NoError(t, err, "uncommented:\n%s", b.String())
		assert.Len(t, p.functions, 1)
		var kinds []sourceKind
		for _, src := range p.sources {
			kinds = append(kinds, src.kind)
		}
		assert.Equal(t, []sourceKind{kindSecret, kindDotenv, kindDir, kindPass}, kinds)
	}
}

// isFieldLine reports whether s starts a YAML field of envseal.yml, as in
// "dirs:".
func isFieldLine(s string) bool {
	for _, f := range []string{"manifest:", "secrets:", "dirs:", "dotenv:", "pass:", "functions:"} {
		if strings.HasPrefix(s, f) {
			return true
		}
	}
	return false
}

func indexFrom(lines []string, from int, want string) int {
	for i := from; i < len(lines); i++ {
		if lines[i] == want {
			return i
		}
	}
	return -1
}

func TestYAMLString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"hello": "hello", "api-v2": "api-v2", "a_b": "a_b",
		"001": `"001"`, "12": `"12"`, "1e3": `"1e3"`, "0x1f": `"0x1f"`, "true": `"true"`, "null": `"null"`, "1-2": "1-2",
	} {
		assert.Equal(t, want, yamlString(in), in)
		var v []string
		require.NoError(t, yaml.Unmarshal([]byte("["+yamlString(in)+"]"), &v))
		assert.Equal(t, []string{in}, v, "reads back")
	}
}

func TestBundleNameFor(t *testing.T) {
	t.Parallel()
	tests := []struct{ folder, want string }{
		{"hello", "hello"},
		{"My App", "my-app"},
		{"api_v2", "api_v2"},
		{"--weird..name--", "weird-name"},
		{"Ünïcode", "n-code"},
		{"...", "app"},
		{"", "app"},
		{strings.Repeat("x", 80), strings.Repeat("x", 48)},
	}
	for _, tt := range tests {
		t.Run(tt.folder, func(t *testing.T) {
			t.Parallel()
			got := bundleNameFor(tt.folder)
			assert.Equal(t, tt.want, got)
			assert.True(t, validBundleName(got))
		})
	}
}

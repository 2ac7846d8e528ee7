package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/envseal/secret"
)

func newInitCmd(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write envseal.yml, the project file that run and check read",
		Long: `Write envseal.yml in the current folder: the sources of the project's
secrets, which 'envseal run' and 'envseal check' read from this folder, so
that 'envseal run -- ./app' needs no flags. It never overwrites an
envseal.yml without --force. The file holds names and paths, never a value:
commit it.

The file it writes is a commented template of what it finds here: inf.yml
becomes the manifest (the keys it declares are listed), .env an optional
.env file, and the folder's name the project's bundle in the store; the
other fields are there as comments.

The format (every field optional):

  manifest: inf.yml          the inf.yml that run and check validate against;
                             default: inf.yml in this folder when it exists
  secrets: [NAME, ...]       bundles of the store, as --secret
  dirs: [DIR, ...]           secret folders, one file per key, as --dir
  dotenv: [FILE, ...]        .env files, as --dotenv
  pass: [KEY, KEY=LOCAL_NAME, ...]
                             variables of envseal's environment, as --pass
  functions:                 per function, on top of the project's:
    NAME:                    manifest, secrets, dirs, dotenv and pass again
      secrets: [NAME-api]

An entry of a list is a string, or a mapping of it (name: for secrets and
pass, path: for dirs and dotenv) and optional: true, which lets it be
absent: a bundle the store does not have, a file or folder that does not
exist, an unset variable. A required one that is absent is an error naming
its line. Paths are relative to the folder of envseal.yml. A field the
format does not have, a value of the wrong type and a YAML error are errors
naming the file and line.

` + projectHelp,
		Example: `  envseal init
  envseal init --force      # replace envseal.yml`,
		Args: noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.initProject(cmd, force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing envseal.yml")
	return cmd
}

// initProject writes envseal.yml in the current folder.
func (a *app) initProject(cmd *cobra.Command, force bool) error {
	dir := a.env.dir
	path := filepath.Join(dir, projectFileName)
	if _, err := os.Lstat(path); err == nil && !force {
		return fmt.Errorf("%s already exists: --force replaces it", path)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	facts := projectFacts{bundle: bundleNameFor(filepath.Base(abs))}
	if mpath := filepath.Join(dir, defaultManifest); exists(mpath) {
		facts.manifest = true
		m, err := secret.LoadManifest(mpath)
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "envseal: note: %v: run and check will fail until it is fixed\n", err)
		} else {
			facts.declared = m.Secrets
		}
	}
	facts.dotenv = exists(filepath.Join(dir, ".env"))

	data := []byte(projectTemplate(facts))
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists: --force replaces it", path)
	}
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "envseal: wrote %s: %s\n", path, facts.summary())
	return nil
}

// projectFacts is what init finds in the folder.
type projectFacts struct {
	bundle   string               // the project's bundle: the folder's name
	manifest bool                 // inf.yml exists
	declared []secret.Declaration // what inf.yml declares, when it parses
	dotenv   bool                 // .env exists
}

// summary is what init says it wrote.
func (f projectFacts) summary() string {
	parts := []string{}
	if f.manifest {
		parts = append(parts, "manifest "+defaultManifest)
	}
	parts = append(parts, "secrets "+f.bundle)
	if f.dotenv {
		parts = append(parts, "dotenv .env (optional)")
	}
	return strings.Join(parts, ", ")
}

// bundleNameFor makes a bundle name of a folder's name: lower case, each
// run of other characters than [a-z0-9_-] a dash; "app" when nothing is
// left.
func bundleNameFor(folder string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(folder) {
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimRight(b.String(), "-_")
	name = strings.TrimLeft(name, "-_")
	if len(name) > 48 {
		name = strings.TrimRight(name[:48], "-_")
	}
	if !validBundleName(name) {
		return "app"
	}
	return name
}

// projectTemplate is the envseal.yml that init writes for facts.
func projectTemplate(f projectFacts) string {
	var b strings.Builder
	b.WriteString(`# envseal.yml: the secrets of this project, for 'envseal run' and
# 'envseal check' in this folder ('envseal init --help' has the format).
# It names sources, never values: commit it.
#
# Sources apply by kind: bundles (secrets), secret folders (dirs), .env
# files (dotenv), variables (pass); for each key the last one wins. A
# function's entries follow the project's of the same kind, and the flags
# of run and check come after the file. An entry is a string, or a mapping
# {name: ..., optional: true} ({path: ...} for dirs and dotenv) that may
# be absent. Paths are relative to this folder.

`)
	const manifestNote = "The manifest declares the secrets: run does not start without the required ones."
	switch {
	case f.manifest && len(f.declared) > 0:
		var keys []string
		for _, d := range f.declared {
			if d.Optional {
				keys = append(keys, d.Key+" (optional)")
			} else {
				keys = append(keys, d.Key)
			}
		}
		b.WriteString(commentLines(manifestNote+" "+defaultManifest+" declares "+strings.Join(keys, ", ")+".", 72))
		b.WriteString("manifest: " + defaultManifest + "\n")
	case f.manifest:
		b.WriteString(commentLines(manifestNote, 72))
		b.WriteString("manifest: " + defaultManifest + "\n")
	default:
		b.WriteString(commentLines(manifestNote+" "+defaultManifest+" is used when it exists; or name another one:", 72))
		b.WriteString("# manifest: " + defaultManifest + "\n")
	}
	fmt.Fprintf(&b, `
# Bundles of the store; 'envseal secrets set %s KEY=VALUE' fills this one.
secrets:
  - %s
`, f.bundle, yamlString(f.bundle))
	if f.dotenv {
		b.WriteString(`
# .env files. This one is optional: it is absent in CI and production.
dotenv:
  - path: .env
    optional: true
`)
	} else {
		b.WriteString(`
# .env files, such as one for development:
# dotenv:
#   - path: .env
#     optional: true
`)
	}
	fmt.Fprintf(&b, `
# Secret folders, one file per key (Kubernetes, Docker, OpenFaaS):
# dirs:
#   - path: /run/secrets
#     optional: true

# Variables of envseal's environment, KEY or KEY=LOCAL_NAME (a CI job's):
# pass:
#   - name: API_TOKEN=CI_API_TOKEN
#     optional: true

# Functions, each with these fields, on top of the project's:
# 'envseal run -f api -- ./api'; 'envseal check' checks each of them.
# functions:
#   api:
#     secrets: [%s]
#     manifest: api/inf.yml
`, yamlString(f.bundle+"-api"))
	return b.String()
}

// yamlString is name, a bundle name, as a YAML string: quoted when YAML
// would read it as something else, such as the number 001.
func yamlString(name string) string {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(name), &n); err == nil && len(n.Content) == 1 && n.Content[0].ShortTag() == "!!str" {
		return name
	}
	return strconv.Quote(name)
}

// commentLines is text as YAML comment lines of at most width bytes
// (longer words stay whole).
func commentLines(text string, width int) string {
	var b strings.Builder
	line := "#"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > width && line != "#" {
			b.WriteString(line + "\n")
			line = "#"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
	return b.String()
}

package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

// The formats of secrets export.
const (
	formatDotenv = "dotenv"
	formatJSON   = "json"
	formatK8s    = "k8s"
	formatDir    = "dir"
)

// exportOptions are the flags of secrets export.
type exportOptions struct {
	format  string
	out     string
	reveal  bool
	force   bool
	k8sName string
}

func newSecretsExportCmd(a *app) *cobra.Command {
	o := exportOptions{format: formatDotenv}
	cmd := &cobra.Command{
		Use:                   "export NAME [--format dotenv|json|k8s] [--out FILE] [--reveal] | export NAME --format dir --out DIR",
		DisableFlagsInUseLine: true,
		Short:                 "Write a bundle's secrets as a .env file, JSON, a Kubernetes Secret or a secrets folder",
		Long: `Write the secrets of bundle NAME, in clear text, in one of these formats:

  dotenv  a .env file, KEY=VALUE a line in key order, quoted where needed, that
          'envseal secrets import' and 'envseal run --dotenv' read back exactly
  json    one JSON object, {"KEY": "VALUE", ...}; a value that is not valid
          UTF-8 is refused, as JSON cannot hold it exactly
  k8s     a Kubernetes Secret manifest (YAML, type Opaque) named NAME, or the
          name given with --k8s-name, with the values in stringData (a value
          that is not valid UTF-8 goes, base64-encoded, in data); for
          'kubectl apply -f -'
  dir     a Docker / OpenFaaS secrets folder: one file per key, named after
          it, holding the value exactly, mode 0600, in the folder --out DIR
          (created 0700 if absent), that 'envseal run --dir' reads back;
          envseal refuses a folder that is not empty unless --force is given
          (files of the bundle's keys are then replaced; others are left)

The output goes to standard output, or with --out to FILE, created with mode
0600 (an existing FILE is refused unless --force is given). envseal refuses
to write values to a terminal unless --reveal is given: redirect the output,
use --out, or add --reveal to show them. A write-only bundle (see 'secrets
set --write-only') is never exported, in any format.

` + storeHelp,
		Example: `  envseal secrets export openai --out openai.env
  envseal secrets export openai --format json | jq 'keys'
  envseal secrets export openai --format k8s | kubectl apply -f -
  envseal secrets export openai --format dir --out ./secrets`,
		Args:              nameArgs(1, 1, "NAME"),
		ValidArgsFunction: a.completeNameThenKeys(0),
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			return o.check(cmd.CommandPath())
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.export(cmd, args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", formatDotenv, "the `FORMAT`: dotenv, json, k8s or dir")
	f.StringVar(&o.out, "out", "", "write to `PATH` (a file, mode 0600; for --format dir, the folder) instead of standard output")
	f.BoolVar(&o.reveal, "reveal", false, "write the values to standard output even when it is a terminal")
	f.BoolVar(&o.force, "force", false, "replace an existing --out file, or write into a folder that is not empty")
	f.StringVar(&o.k8sName, "k8s-name", "", "the Secret's metadata.name for --format k8s (default: NAME)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{formatDotenv, formatJSON, formatK8s, formatDir}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// check checks the flags of export, before the store is opened. The
// format's value is not repeated: it may be anything.
func (o exportOptions) check(cmdPath string) error {
	switch {
	case !slices.Contains([]string{formatDotenv, formatJSON, formatK8s, formatDir}, o.format):
		return usagef(cmdPath, "invalid value for --format: want dotenv, json, k8s or dir")
	case o.format == formatDir && (o.out == "" || o.out == "-"):
		return usagef(cmdPath, "--format dir needs --out DIR")
	case o.k8sName != "" && o.format != formatK8s:
		return usagef(cmdPath, "--k8s-name needs --format k8s")
	}
	return nil
}

// export writes the bundle name as o says.
func (a *app) export(cmd *cobra.Command, name string, o exportOptions) error {
	ctx := cmd.Context()
	st, err := a.openExistingStore()
	if err != nil {
		return err
	}
	bundle, info, err := getWithInfo(ctx, st, name)
	if err != nil {
		return explainBundleError(ctx, st, name, err)
	}
	if info.WriteOnly {
		return writeOnlyError(name, "it cannot be exported")
	}
	stderr := cmd.ErrOrStderr()
	if o.format == formatDir {
		if err := writeSecretsDir(o.out, bundle, o.force); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "envseal: wrote %d file(s) of %s to %s (mode 0600)%s\n", len(bundle), name, o.out, keysSuffix(bundle))
		for _, k := range slices.Sorted(maps.Keys(bundle)) {
			if v := bundle[k]; strings.HasSuffix(v, "\n") {
				fmt.Fprintf(stderr, "envseal: note: the value of %s ends with a newline, which 'envseal run --dir' trims when it reads the file\n", k)
			}
		}
		return nil
	}
	data, err := formatBundle(o, name, bundle)
	if err != nil {
		return err
	}
	if o.out == "" || o.out == "-" {
		out := cmd.OutOrStdout()
		if !o.reveal && a.env.isTerminal(out) {
			return fmt.Errorf("standard output is a terminal: not writing the values of %s to it; redirect it, use --out FILE, or add --reveal to show them", name)
		}
		_, err := out.Write(data)
		return err
	}
	if err := writeSecretFile(o.out, data, o.force); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "envseal: wrote %d key(s) of %s to %s (mode 0600)\n", len(bundle), name, o.out)
	return nil
}

// keysSuffix is ": A, B, C", the sorted keys of bundle, or "".
func keysSuffix(bundle map[string]string) string {
	if len(bundle) == 0 {
		return ""
	}
	return ": " + strings.Join(slices.Sorted(maps.Keys(bundle)), ", ")
}

// formatBundle is the bundle name in the format o.format (not dir).
func formatBundle(o exportOptions, name string, bundle map[string]string) ([]byte, error) {
	switch o.format {
	case formatJSON:
		for _, k := range slices.Sorted(maps.Keys(bundle)) {
			if !utf8.ValidString(bundle[k]) {
				return nil, notUTF8Error(k)
			}
		}
		var b bytes.Buffer
		if bundle == nil {
			bundle = map[string]string{}
		}
		err := writeJSON(&b, bundle) // encoding/json sorts the keys
		return b.Bytes(), err
	case formatK8s:
		if o.k8sName == "" && !validK8sName(name) {
			return nil, fmt.Errorf("%q is not a Kubernetes object name (%s): give one with --k8s-name", name, k8sNameRule)
		}
		if o.k8sName == "" {
			return k8sSecretManifest(name, bundle)
		}
		if !validK8sName(o.k8sName) {
			// Not repeated: it is not a name, and may be anything.
			return nil, fmt.Errorf("the --k8s-name given is not a Kubernetes object name (%s)", k8sNameRule)
		}
		return k8sSecretManifest(o.k8sName, bundle)
	}
	return []byte(dotenvText(bundle)), nil
}

// k8sSecret is a Kubernetes Secret manifest, fields in the usual order.
type k8sSecret struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   k8sMetadata       `yaml:"metadata"`
	Type       string            `yaml:"type"`
	StringData map[string]string `yaml:"stringData,omitempty"`
	Data       map[string]string `yaml:"data,omitempty"`
}

type k8sMetadata struct {
	Name string `yaml:"name"`
}

// k8sSecretManifest is bundle as a Kubernetes Secret called name, a valid
// Kubernetes name: values in stringData, or base64-encoded in data when they
// are not valid UTF-8 (which YAML cannot hold).
func k8sSecretManifest(name string, bundle map[string]string) ([]byte, error) {
	s := k8sSecret{APIVersion: "v1", Kind: "Secret", Metadata: k8sMetadata{Name: name}, Type: "Opaque"}
	for k, v := range bundle {
		if utf8.ValidString(v) {
			if s.StringData == nil {
				s.StringData = map[string]string{}
			}
			s.StringData[k] = v
			continue
		}
		if s.Data == nil {
			s.Data = map[string]string{}
		}
		s.Data[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(s); err != nil {
		// The encoder's error could quote a value: say only what failed.
		return nil, errors.New("encoding the Kubernetes Secret failed")
	}
	if err := enc.Close(); err != nil {
		return nil, errors.New("encoding the Kubernetes Secret failed")
	}
	return b.Bytes(), nil
}

// k8sNameRule says what validK8sName accepts.
const k8sNameRule = "lower case letters, digits, - and ., beginning and ending with a letter or digit, at most 253"

// validK8sName reports whether name is a DNS subdomain name, as Kubernetes
// wants for a Secret's name: [a-z0-9]([-a-z0-9]*[a-z0-9])? labels joined by
// dots, at most 253 bytes.
func validK8sName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// writeSecretFile writes data to a new file at path, mode 0600; an existing
// file is refused, or with force, replaced atomically.
func writeSecretFile(path string, data []byte, force bool) error {
	if force {
		return replaceFile(path, data)
	}
	err := createFile(path, data)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists: use --force to replace it", path)
	}
	return err
}

// writeSecretsDir writes one file per key of bundle, named after the key and
// holding its value, mode 0600, in the folder dir, creating it 0700. An
// existing folder must be accessible by its owner alone, and empty unless
// force is given. Each file is written to a temporary file and renamed into
// place, so a reader sees the old file or the new, whole.
func writeSecretsDir(dir string, bundle map[string]string, force bool) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a folder", dir)
	case fi.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%s is accessible by group or others (mode %04o): run 'chmod 700 %s', or choose another folder", dir, fi.Mode().Perm(), dir)
	default:
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		if len(entries) > 0 && !force {
			return fmt.Errorf("%s is not empty: use --force to write into it (files of the bundle's keys are replaced; others are left)", dir)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(bundle)) {
		// k is a key name: a plain file name, never a path.
		if err := replaceFile(filepath.Join(dir, k), []byte(bundle[k])); err != nil {
			return fmt.Errorf("writing the file of %s: %w", k, err)
		}
	}
	return syncFolder(dir)
}

// syncFolder makes the renames into dir durable. Windows cannot sync a
// folder; there it does nothing.
func syncFolder(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
)

func newKeyCmd(a *app) *cobra.Command {
	key := &cobra.Command{
		Use:   "key",
		Short: "Manage the store key",
		Args:  noSubcommand,
		RunE:  showHelp,
	}
	key.AddCommand(newKeyGenerateCmd(a), newKeyShowCmd(a), newKeyRotateCmd(a))
	return key
}

func newKeyGenerateCmd(a *app) *cobra.Command {
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:                   "generate [--out FILE] [--force]",
		DisableFlagsInUseLine: true,
		Short:                 "Generate a new store key",
		Long: `Generate a new store key and write it, readable by you alone (0600), to the
default key file: $ENVSEAL_KEY_FILE if set, else envseal/key in the user config
dir. Its folder is created 0700 if needed.

An existing key file is never overwritten without --force: every bundle sealed
with the old key would be lost. The key is printed only with --out -.

To use a key without a file, as in CI, put its text in $ENVSEAL_KEY: it takes
precedence over every key file, and 'envseal run' does not pass it on.`,
		Example: `  envseal key generate
  envseal key generate --out ./ci.key
  envseal key generate --out - | pass insert -m envseal/key`,
		Args: noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.generateKey(cmd, out, force)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the key to `FILE` instead; - prints it to standard output")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing key file (bundles sealed with the old key are lost)")
	return cmd
}

// generateKey makes a new key and prints it (out is "-") or writes it to out,
// else to the default key file.
func (a *app) generateKey(cmd *cobra.Command, out string, force bool) error {
	k, err := secret.GenerateKey()
	if err != nil {
		return err
	}
	if out == "-" {
		_, err := fmt.Fprintln(cmd.OutOrStdout(), k.Encode())
		return err
	}
	path := out
	if path == "" {
		if path, err = a.env.defaultKeyFile(); err != nil {
			return err
		}
	}
	if err := writeKeyFile(path, k, force); err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	fmt.Fprintf(stderr, "envseal: wrote a new key to %s; keep a copy somewhere safe: without it the store cannot be opened\n", path)
	if a.env.getenv(envKey) != "" {
		fmt.Fprintf(stderr, "envseal: note: %s is set and takes precedence over this file\n", envKey)
	}
	return nil
}

// writeKeyFile writes k to path with mode 0600, creating its folder 0700.
// Without force an existing file is an error; with force the file is
// replaced atomically.
func writeKeyFile(path string, k secret.Key, force bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the key folder: %w", err)
	}
	data := []byte(k.Encode() + "\n")
	if force {
		return replaceFile(path, data)
	}
	err := createFile(path, data)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; overwriting it would lose every bundle sealed with it: use --force if you mean it, or --out another file", path)
	}
	return err
}

// createFile writes data to a new file at path, mode 0600; it fails if path
// exists, and leaves no partial file behind.
func createFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// replaceFile writes data to a temporary file, mode 0600, beside path and
// renames it over path: a reader sees the old file or the new, whole.
func replaceFile(path string, data []byte) error {
	// A dot file: FromDir skips it, should a folder of secrets be read
	// meanwhile.
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

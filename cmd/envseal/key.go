package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/envseal/secret"
	"github.com/spf13/cobra"
)

func newKeyCmd(a *app) *cobra.Command {
	key := &cobra.Command{
		Use:   "key",
		Short: "Manage the store key",
		Args:  noSubcommand,
		RunE:  showHelp,
	}
	key.AddCommand(newKeyGenerateCmd(a))
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
			fmt.Fprintf(cmd.ErrOrStderr(), "envseal: wrote a new key to %s; keep a copy somewhere safe: without it the store cannot be opened\n", path)
			if a.env.getenv(envKey) != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "envseal: note: ENVSEAL_KEY is set and takes precedence over this file")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the key to `FILE` instead; - prints it to standard output")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing key file (bundles sealed with the old key are lost)")
	return cmd
}

// writeKeyFile writes k to path with mode 0600, creating its folder 0700.
// Without force an existing file is an error; with force the file is
// replaced atomically.
func writeKeyFile(path string, k secret.Key, force bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the key folder: %w", err)
	}
	data := []byte(k.Encode() + "\n")
	if !force {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; overwriting it would lose every bundle sealed with it: use --force if you mean it, or --out another file", path)
		}
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			os.Remove(path)
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			os.Remove(path)
			return err
		}
		return f.Close()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

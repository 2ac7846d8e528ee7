package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/envseal/secret"
)

func newKeyShowCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show [--json]",
		Short: "Show the store key's id and where it comes from, never the key",
		Long: `Show the id of the store key in use and where it was found: ENVSEAL_KEY, or
the path of the key file. The key id is a one-way function of the key (the
first 8 bytes of an HMAC-SHA256 under it) that every bundle sealed under the
key carries, so that two machines can tell whether they hold the same key
without showing it. The key itself is never printed.`,
		Example: `  envseal key show
  envseal key show --json`,
		DisableFlagsInUseLine: true,
		Args:                  noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key, source, err := a.env.findKey()
			if err != nil {
				return a.explainKeyError(err)
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(struct {
					ID     string `json:"id"`
					Source string `json:"source"`
				}{key.ID(), source})
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "key id  %s\nsource  %s\n", key.ID(), source)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"id": ..., "source": ...}`)
	return cmd
}

func newKeyRotateCmd(a *app) *cobra.Command {
	var next string
	cmd := &cobra.Command{
		Use:   "rotate [--next-key-file FILE]",
		Short: "Re-seal every bundle under a new key, then make it the key",
		Long: `Generate a new key, re-seal every bundle of the store, in every environment,
under it, and make it the store key.

The new key is written to a file, durably, before any bundle is re-sealed:
FILE.next beside the key file (or the file given with --next-key-file). So an
interrupted rotation (a crash, Ctrl-C, a lost connection) never loses data:
every bundle is whole, sealed under the old key or the new one, and both keys
are on disk. A reader with the old key is told which key id a bundle needs.
To finish an interrupted rotation, run 'envseal key rotate' again: it finds
the pending new key and resumes with it, skipping the bundles already done.

When every bundle is done, the new key replaces the key file (the old key is
kept as FILE.old, for old backups of the store) and the pending file is
removed. When the key comes from ENVSEAL_KEY, which envseal cannot change,
give --next-key-file: at the end, put the key that file holds in ENVSEAL_KEY
on every machine.

Stop other writers first: a writer still using the old key is refused once
the store is under the new one.`,
		Example: `  envseal key rotate
  envseal key rotate --store etcd://10.0.0.1:2379/envseal
  ENVSEAL_KEY=... envseal key rotate --next-key-file ./new.key`,
		DisableFlagsInUseLine: true,
		Args:                  noArguments,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.rotateKey(cmd, next)
		},
	}
	cmd.Flags().StringVar(&next, "next-key-file", "", "keep the new key in `FILE` until the rotation is done (default: the key file with .next added)")
	return cmd
}

// rotateKey runs key rotate.
func (a *app) rotateKey(cmd *cobra.Command, nextPath string) error {
	_, source, err := a.env.findKey()
	if err != nil {
		return a.explainKeyError(err)
	}
	keyFile := ""
	if source != envKey {
		keyFile = source
	}
	if nextPath == "" {
		if keyFile == "" {
			return usagef(cmd.CommandPath(), "the key comes from %s, which envseal cannot change: give --next-key-file FILE to keep the new key in", envKey)
		}
		nextPath = keyFile + ".next"
	}
	stderr := cmd.ErrOrStderr()
	next, resumed, err := pendingKey(nextPath)
	if err != nil {
		return err
	}
	if resumed {
		fmt.Fprintf(stderr, "envseal: resuming the rotation to key id %s, pending in %s\n", next.ID(), nextPath)
	} else {
		fmt.Fprintf(stderr, "envseal: the new key (key id %s) is in %s until the rotation is done\n", next.ID(), nextPath)
	}
	st, err := a.openExistingStore()
	if err != nil {
		return err
	}
	if err := st.Rotate(cmd.Context(), next); err != nil {
		return fmt.Errorf("%w\nthe new key is safe in %s: run 'envseal key rotate' again to finish", err, nextPath)
	}
	if keyFile == "" {
		fmt.Fprintf(stderr, "envseal: every bundle is sealed under key id %s: put the key in %s in %s on every machine\n", next.ID(), nextPath, envKey)
		return nil
	}
	if err := promoteKey(keyFile, nextPath); err != nil {
		return fmt.Errorf("every bundle is under the new key, in %s, but it could not replace %s: %w", nextPath, keyFile, err)
	}
	fmt.Fprintf(stderr, "envseal: every bundle is sealed under key id %s, now in %s (the old key is in %s.old)\n", next.ID(), keyFile, keyFile)
	return nil
}

// pendingKey returns the key pending in path from an interrupted rotation,
// or a new key, written to path durably first.
func pendingKey(path string) (key secret.Key, resumed bool, err error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		k, err := secret.ParseKey(string(data))
		if err != nil {
			return secret.Key{}, false, fmt.Errorf("pending key file %s: %w", path, err)
		}
		return k, true, nil
	case !errors.Is(err, fs.ErrNotExist):
		return secret.Key{}, false, fmt.Errorf("pending key file: %w", err)
	}
	k, err := secret.GenerateKey()
	if err != nil {
		return secret.Key{}, false, err
	}
	if err := writeKeyFile(path, k, false); err != nil {
		return secret.Key{}, false, err
	}
	return k, false, syncDir(filepath.Dir(path))
}

// promoteKey makes the key in next the key in keyFile, keeping the old one
// as keyFile.old, and removes next.
func promoteKey(keyFile, next string) error {
	old, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	if err := replaceFile(keyFile+".old", old); err != nil {
		return err
	}
	data, err := os.ReadFile(next)
	if err != nil {
		return err
	}
	if err := replaceFile(keyFile, data); err != nil {
		return err
	}
	if err := os.Remove(next); err != nil {
		return err
	}
	return syncDir(filepath.Dir(keyFile))
}

// syncDir makes the renames and removals in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

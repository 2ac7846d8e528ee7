//go:build unix

package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunFiles gives COMMAND its secrets as files, in a folder given or
// chosen by envseal, and checks that the folder is gone after.
func TestRunFiles(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	const value = "fake-run-files-value"
	s.extra = []string{"API_KEY=fake-stale-variable"}
	s.ok("", "secrets", "set", "app", "API_KEY="+value)
	given := filepath.Join(s.home, "secrets")
	for _, flags := range [][]string{{"--files", given}, {"--files-auto"}, {"--files=" + given}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			args := append(append([]string{"run", "--secret", "app"}, flags...), "--")
			r := s.ok("", append(args, helper(t, "files", "API_KEY")...)...)
			dir := strings.Fields(r.stdout)[1]
			assert.Contains(t, r.stdout, "dir "+dir+" 0700\n")
			assert.Contains(t, r.stdout, `API_KEY file=true value="`+value+`" env=false`)
			if flags[0] != "--files-auto" {
				assert.Equal(t, given, dir)
			}
			_, err := os.Lstat(dir)
			assert.ErrorIs(t, err, fs.ErrNotExist, "the folder is removed")
		})
	}

	full := filepath.Join(s.home, "full")
	s.write("full/other.txt", "not ours")
	marker := filepath.Join(s.home, "ran")
	r := s.run("", append([]string{"run", "--secret", "app", "--files", full, "--"}, helper(t, "touch", marker)...)...)
	assert.Equal(t, 126, r.code)
	assert.Contains(t, r.stderr, "envseal: secret files folder "+full+" is not empty")
	_, err := os.Stat(marker)
	assert.ErrorIs(t, err, fs.ErrNotExist, "COMMAND did not run")
	noValues(t, r, value)
}

func TestRunFilesUsage(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"both", []string{"run", "--files", "x", "--files-auto", "--", "true"}, "envseal run: --files and --files-auto both choose where the secret files go: give one"},
		{"empty", []string{"run", "--files", "", "--", "true"}, "envseal run: --files needs a folder; --files-auto lets envseal choose one"},
		{"after COMMAND", []string{"run", "true", "--files-auto"}, "envseal run: --files-auto after COMMAND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.run("", tt.args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
}

// TestRunFilesSignals sends the envseal process SIGTERM, SIGINT and
// SIGKILL while COMMAND runs with secret files: on SIGTERM and SIGINT the
// signal reaches COMMAND, which exits, and envseal removes the files before
// it exits; after SIGKILL they stay, and the next run removes them.
func TestRunFilesSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGKILL} {
		for _, auto := range []bool{false, true} {
			name := sig.String() + map[bool]string{false: " --files", true: " --files-auto"}[auto]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				s := newSandbox(t)
				s.ok("", "secrets", "set", "app", "TOKEN=fake-signal-token")
				flags := []string{"--files", filepath.Join(s.home, "secrets")}
				if auto {
					flags = []string{"--files-auto"}
				}
				args := append(append([]string{"run", "--secret", "app"}, flags...), "--")
				cmd := s.command("", append(args, helper(t, "files-serve")...)...)
				stdout, err := cmd.StdoutPipe()
				require.NoError(t, err)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				require.NoError(t, cmd.Start())
				t.Cleanup(func() { cmd.Process.Kill() })
				lines := bufio.NewScanner(stdout)
				require.True(t, lines.Scan(), "the child starts")
				dir := strings.TrimPrefix(lines.Text(), "dir ")
				require.True(t, lines.Scan())
				require.Equal(t, "ready", lines.Text())
				b, err := os.ReadFile(filepath.Join(dir, "TOKEN"))
				require.NoError(t, err)
				require.Equal(t, "fake-signal-token", string(b))

				require.NoError(t, cmd.Process.Signal(sig))
				for lines.Scan() {
				}
				cmd.Wait()
				if sig != syscall.SIGKILL {
					assert.Equal(t, 0, cmd.ProcessState.ExitCode(), "COMMAND's code: %s", stderr.String())
					_, err = os.Lstat(dir)
					assert.ErrorIs(t, err, fs.ErrNotExist, "the folder is removed")
					return
				}
				// SIGKILL: envseal could not clean up. The next run does.
				_, err = os.Stat(filepath.Join(dir, "TOKEN"))
				require.NoError(t, err, "after SIGKILL the file stays")
				s.okBinary("", append(args, helper(t, "exit", "0")...)...)
				_, err = os.Stat(filepath.Join(dir, "TOKEN"))
				assert.ErrorIs(t, err, fs.ErrNotExist, "the next run removed what the killed one left")
			})
		}
	}
}

// TestRunDirMapped reads a folder whose files are named as Kubernetes names
// secrets, mapped to keys, in the order of the source flags.
func TestRunDirMapped(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	dir := filepath.Join(s.home, "tls")
	s.write("tls/tls.crt", "fake-crt\n")
	s.write("tls/api-key", "fake-api-key")
	r := s.ok("", append([]string{"run", "--env", "API_KEY=fake-flag", "--dir-mapped", dir, "--"}, helper(t, "env", "TLS_CRT", "API_KEY")...)...)
	assert.Equal(t, "TLS_CRT=fake-crt\nAPI_KEY=fake-api-key\n", r.stdout)
	r = s.run("", append([]string{"run", "--dir", dir, "--"}, helper(t, "env", "TLS_CRT")...)...)
	assert.Equal(t, exitFailure, r.code, "--dir does not map names")
	s.write("tls/API_KEY", "fake-other")
	r = s.run("", "check", "--dir-mapped", dir)
	assert.Equal(t, exitFailure, r.code)
	assert.Contains(t, r.stderr, `key API_KEY: entries "API_KEY" and "api-key" both map to it`)
	noValues(t, r, "fake-other", "fake-api-key")
}

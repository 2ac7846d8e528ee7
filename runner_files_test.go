//go:build unix

package secret_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// filesEnv is the Env of the secret-files tests: a value with a trailing
// newline, which a file keeps exactly, and an empty one.
func filesEnv(t *testing.T) *secret.Env {
	t.Helper()
	env, err := secret.Resolve(context.Background(), secret.FromMap(map[string]string{
		"API_KEY": "fake-files-api-key\n",
		"EMPTY":   "",
	}))
	require.NoError(t, err)
	return env
}

// runFiles runs the "files" helper with Files and dir, and returns what it
// printed and the folder it reported.
func runFiles(t *testing.T, dir string, environ []string) (string, string) {
	t.Helper()
	var out bytes.Buffer
	r := &secret.Runner{
		Args:     helper(t, "files", "API_KEY", "EMPTY"),
		Env:      filesEnv(t),
		Environ:  environ,
		Files:    true,
		FilesDir: dir,
		Stdout:   &out,
		Stderr:   &out,
		Forward:  []os.Signal{},
	}
	require.NoError(t, r.Run(context.Background()), "output: %s", out.String())
	first, _, _ := strings.Cut(out.String(), "\n")
	fields := strings.Fields(first)
	require.Len(t, fields, 3, "first line: %q", first)
	return out.String(), fields[1]
}

// gone checks that path no longer exists.
func gone(t *testing.T, path string) {
	t.Helper()
	_, err := os.Lstat(path)
	assert.ErrorIs(t, err, fs.ErrNotExist, "%s is still there", path)
}

// TestRunnerFilesNewFolder gives the child its secrets as files in a new
// private folder, in memory on Linux, and removes it after.
func TestRunnerFilesNewFolder(t *testing.T) {
	t.Parallel()
	out, dir := runFiles(t, "", []string{"PATH=" + os.Getenv("PATH"), "API_KEY=fake-stale", "ENVSEAL_KEY=fake-store-key", "OTHER=kept"})
	assert.Contains(t, out, "dir "+dir+" 0700\n")
	assert.Contains(t, out, "entry .envseal-run\nentry API_KEY\nentry EMPTY\n")
	assert.Contains(t, out, `API_KEY file=true mode=0600 value="fake-files-api-key\n" env=false`+"\n", "the value exactly, and not in the environment, stale or not")
	assert.Contains(t, out, `EMPTY file=true mode=0600 value="" env=false`+"\n")
	assert.NotContains(t, out, "ENVSEAL_KEY set", "the store's key is not passed on")
	assert.True(t, filepath.IsAbs(dir))
	assert.True(t, strings.HasPrefix(filepath.Base(dir), "envseal-files-"+strconv.Itoa(os.Getpid())+"-"), "folder %s", dir)
	assertInMemory(t, filepath.Dir(dir))
	gone(t, dir)
}

// TestRunnerFilesGivenFolder uses a folder given by name: made and removed
// when it does not exist; an empty private one is used and left, empty.
func TestRunnerFilesGivenFolder(t *testing.T) {
	t.Parallel()
	base := t.TempDir()

	made := filepath.Join(base, "secrets")
	out, dir := runFiles(t, made, nil)
	assert.Equal(t, made, dir)
	assert.Contains(t, out, `API_KEY file=true mode=0600 value="fake-files-api-key\n"`)
	gone(t, made)

	empty := filepath.Join(base, "empty")
	require.NoError(t, os.Mkdir(empty, 0o700))
	_, dir = runFiles(t, empty, nil)
	assert.Equal(t, empty, dir)
	entries, err := os.ReadDir(empty)
	require.NoError(t, err)
	assert.Empty(t, entries, "the files are removed, the folder is left")

	relative := t.TempDir()
	_, dir = runFiles(t, filepath.Join(relative, "a", "..", "rel"), nil)
	assert.Equal(t, filepath.Join(relative, "rel"), dir, "the child gets an absolute, clean path")
}

// TestRunnerFilesRefused checks the folders a Runner refuses to write into:
// nothing runs, nothing is written, and the error says why, without a value.
func TestRunnerFilesRefused(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	full := filepath.Join(base, "full")
	require.NoError(t, os.Mkdir(full, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(full, "keep.txt"), []byte("not ours"), 0o600))
	open := filepath.Join(base, "open")
	require.NoError(t, os.Mkdir(open, 0o700))
	require.NoError(t, os.Chmod(open, 0o755))
	link := filepath.Join(base, "link")
	require.NoError(t, os.Symlink(open, link))
	file := filepath.Join(base, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	busy := filepath.Join(base, "busy")
	require.NoError(t, os.Mkdir(busy, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(busy, ".envseal-run"), []byte(strconv.Itoa(os.Getppid())+"\n"), 0o600))

	tests := []struct{ name, dir, want string }{
		{"not empty", full, "is not empty"},
		{"open to others", open, "is accessible by group or others (mode 0755)"},
		{"a link", link, "is not a folder"},
		{"a file", file, "is not a folder"},
		{"no parent", filepath.Join(base, "none", "secrets"), "no such file or directory"},
		{"in use", busy, "is in use by envseal process " + strconv.Itoa(os.Getppid())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &secret.Runner{Args: helper(t, "exit", "0"), Env: filesEnv(t), Files: true, FilesDir: tt.dir, Forward: []os.Signal{}}
			err := r.Start(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "fake-files")
			assert.Equal(t, 126, r.ExitCode())
			assert.Equal(t, err, r.Wait())
		})
	}
	b, err := os.ReadFile(filepath.Join(full, "keep.txt"))
	require.NoError(t, err)
	assert.Equal(t, "not ours", string(b), "a refused folder is left alone")
	entries, err := os.ReadDir(open)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// TestRunnerFilesRemovedHoweverTheChildEnds checks that the folder goes
// when the child exits with an error, is killed by a signal, cannot start,
// or is stopped because the context is done.
func TestRunnerFilesRemovedHoweverTheChildEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		argv func(t *testing.T) []string
		stop bool // cancel the context once the child runs
		code int
	}{
		{"exit 3", func(t *testing.T) []string { return helper(t, "exit", "3") }, false, 3},
		{"killed", func(t *testing.T) []string { return helper(t, "kill-self", "KILL") }, false, 128 + 9},
		{"not found", func(t *testing.T) []string { return []string{"/nonexistent/fake-command"} }, false, 127},
		{"context done", func(t *testing.T) []string { return helper(t, "files-serve") }, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "secrets")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := &syncBuffer{}
			r := &secret.Runner{Args: tt.argv(t), Env: filesEnv(t), Files: true, FilesDir: dir, Stdout: out, Forward: []os.Signal{}}
			if err := r.Start(ctx); err == nil && tt.stop {
				require.Eventually(t, func() bool { return strings.Contains(out.String(), "ready") }, bound, 10*time.Millisecond)
				_, err := os.Stat(filepath.Join(dir, "API_KEY"))
				require.NoError(t, err, "the file is there while the child runs")
				cancel()
			}
			r.Wait()
			assert.Equal(t, tt.code, r.ExitCode())
			gone(t, dir)
		})
	}
}

// TestRunnerFilesRestart checks that Restart writes the new Env's files,
// and drops those of keys it no longer has.
func TestRunnerFilesRestart(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "secrets")
	out := &syncBuffer{}
	r := &secret.Runner{Args: helper(t, "files-serve"), Env: filesEnv(t), Files: true, FilesDir: dir, Stdout: out, Forward: []os.Signal{}}
	require.NoError(t, r.Start(context.Background()))
	require.Eventually(t, func() bool { return strings.Count(out.String(), "ready") == 1 }, bound, 10*time.Millisecond)
	next, err := secret.Resolve(context.Background(), secret.FromMap(map[string]string{"ROTATED": "fake-rotated"}))
	require.NoError(t, err)
	require.NoError(t, r.Restart(next))
	require.Eventually(t, func() bool { return strings.Count(out.String(), "ready") == 2 }, bound, 10*time.Millisecond)
	b, err := os.ReadFile(filepath.Join(dir, "ROTATED"))
	require.NoError(t, err)
	assert.Equal(t, "fake-rotated", string(b))
	gone(t, filepath.Join(dir, "API_KEY"))
	require.NoError(t, r.Signal(syscall.SIGTERM))
	require.NoError(t, r.Wait())
	gone(t, dir)
}

// TestRunnerFilesHostSignalled runs the child from a host process, as
// envseal run does, and sends the host SIGTERM or SIGINT: it passes the
// signal on, the child exits, and the host removes the folder before it
// exits.
func TestRunnerFilesHostSignalled(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			for _, given := range []bool{false, true} {
				arg := "-"
				if given {
					arg = filepath.Join(t.TempDir(), "secrets")
				}
				h := startHost(t, append([]string{"-files", arg}, helper(t, "files-serve")...)...)
				dir := strings.TrimPrefix(h.stdout.next(t), "dir ")
				h.stdout.expect(t, "ready")
				b, err := os.ReadFile(filepath.Join(dir, "FAKE_SECRET"))
				require.NoError(t, err)
				assert.Equal(t, "fake-host-secret", string(b))
				require.NoError(t, h.cmd.Process.Signal(sig))
				code, _, stderr := h.finish(t)
				assert.Equal(t, 0, code, "the child exits 0 on the signal: %v", stderr)
				gone(t, dir)
			}
		})
	}
}

// TestRunnerFilesHostKilled kills the host with SIGKILL, which leaves no
// chance to clean up: the folder stays (the documented limit) until the
// next Runner with Files, which removes the folder of a process that no
// longer exists.
func TestRunnerFilesHostKilled(t *testing.T) {
	t.Parallel()
	given := filepath.Join(t.TempDir(), "secrets")
	for _, arg := range []string{"-", given} {
		h := startHost(t, append([]string{"-files", arg}, helper(t, "files-serve")...)...)
		dir := strings.TrimPrefix(h.stdout.next(t), "dir ")
		h.stdout.expect(t, "ready")
		require.NoError(t, h.cmd.Process.Kill())
		h.finish(t)
		_, err := os.Stat(filepath.Join(dir, "FAKE_SECRET"))
		require.NoError(t, err, "after SIGKILL the files are still there")

		// The next Runner removes them: the folder of a dead process.
		var out bytes.Buffer
		r := &secret.Runner{Args: helper(t, "exit", "0"), Env: filesEnv(t), Files: true, FilesDir: strings.TrimPrefix(arg, "-"), Stdout: &out, Forward: []os.Signal{}}
		require.NoError(t, r.Run(context.Background()))
		gone(t, filepath.Join(dir, "FAKE_SECRET"))
		if arg == "-" {
			gone(t, dir)
		}
	}
}

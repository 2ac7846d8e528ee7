package secret

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SecretsDirVar is the variable that tells a child started with
// [Runner.Files] the folder of its secret files, as an absolute path.
const SecretsDirVar = "ENVSEAL_SECRETS_DIR"

// filesMarker is the file, in a folder of secret files, that names the
// process that wrote them: "PID\n". Its name starts with "." so that
// FromDir, and the workload, skip it.
const filesMarker = ".envseal-run"

// filesPrefix starts the names of the folders a Runner makes for its secret
// files: envseal-files-PID-RANDOM.
const filesPrefix = "envseal-files-"

// secretFiles is the folder of a Runner's secret files.
type secretFiles struct {
	dir     string   // absolute
	created bool     // the Runner made dir, and removes it whole
	written []string // the files of keys it wrote
}

// openSecretFiles prepares the folder of the secret files: dir, made with
// mode 0700 when it does not exist, or an existing private, empty folder;
// or when dir is "", a new folder in filesParent(). A folder left by a
// Runner whose process died (its marker names a process that no longer
// exists) counts as empty, and its files are removed.
func openSecretFiles(dir string) (*secretFiles, error) {
	if dir == "" {
		parent := filesParent()
		removeStaleFolders(parent)
		d, err := os.MkdirTemp(parent, filesPrefix+strconv.Itoa(os.Getpid())+"-*")
		if err != nil {
			return nil, fmt.Errorf("secret files: %w", err)
		}
		f := &secretFiles{dir: d, created: true}
		if err := f.mark(); err != nil {
			f.remove()
			return nil, err
		}
		return f, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("secret files folder %s: %w", dir, err)
	}
	f := &secretFiles{dir: abs}
	switch err := os.Mkdir(abs, 0o700); {
	case err == nil:
		f.created = true
	case errors.Is(err, fs.ErrExist):
		if err := checkFilesFolder(abs); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("secret files folder %s: %w", abs, unwrapPath("mkdir", err))
	}
	if err := f.mark(); err != nil {
		f.remove()
		return nil, err
	}
	return f, nil
}

// checkFilesFolder checks that the existing dir may hold secret files: a
// folder, not a link, that only this user can enter, and that is empty, but
// for what a Runner whose process died left in it, which it removes.
func checkFilesFolder(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("secret files folder %s: %w", dir, unwrapPath("lstat", err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("secret files folder %s is not a folder", dir)
	}
	if err := checkPrivateFolder(dir, fi); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("secret files folder %s: %w", dir, unwrapPath("read", err))
	}
	if len(entries) == 0 {
		return nil
	}
	pid, ok := markerPID(dir)
	switch {
	case !ok:
		return fmt.Errorf("secret files folder %s is not empty: envseal writes secret files only into a new or empty folder, and removes them when the command exits", dir)
	case pid == os.Getpid() || processAlive(pid):
		return fmt.Errorf("secret files folder %s is in use by envseal process %d", dir, pid)
	}
	// A Runner killed before it could clean up (SIGKILL, a crash): remove
	// what it wrote, the files of keys, and nothing else.
	for _, e := range entries {
		if name := e.Name(); e.Type().IsRegular() && (ValidKey(name) || name == filesMarker) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("secret files folder %s: removing what a dead envseal process %d left: %w", dir, pid, unwrapPath("remove", err))
			}
		}
	}
	if rest, err := os.ReadDir(dir); err != nil || len(rest) > 0 {
		return fmt.Errorf("secret files folder %s is not empty: envseal writes secret files only into a new or empty folder", dir)
	}
	return nil
}

// markerPID returns the process named by the marker of dir.
func markerPID(dir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dir, filesMarker))
	if err != nil || len(b) > 32 {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, err == nil && pid > 0
}

// mark writes the marker of the folder: this process's id.
func (f *secretFiles) mark() error {
	if err := writeNewFile(f.dir, filesMarker, strconv.Itoa(os.Getpid())+"\n"); err != nil {
		return fmt.Errorf("secret files folder %s: %w", f.dir, err)
	}
	return nil
}

// write replaces the secret files with one per key of env, mode 0600, each
// holding exactly the key's value. Its errors name the key, never a value.
func (f *secretFiles) write(env *Env) error {
	if err := f.clear(); err != nil {
		return err
	}
	for _, k := range env.Keys() {
		v, _ := env.Get(k)
		if err := writeNewFile(f.dir, k, v); err != nil {
			return fmt.Errorf("secret file of key %s in %s: %w", k, f.dir, err)
		}
		f.written = append(f.written, k)
	}
	return nil
}

// writeNewFile creates the file name in dir, which must not exist, with
// mode 0600, and writes content to it. It goes through an os.Root, so that
// no link in dir can send it elsewhere.
func writeNewFile(dir, name, content string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return unwrapPath("open", err)
	}
	defer root.Close()
	w, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another key, or the marker, on a file system that ignores case.
		return errors.New("a file of that name exists already (a file system that ignores case?)")
	}
	if err != nil {
		return unwrapPath("create", err)
	}
	_, err = w.WriteString(content)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		root.Remove(name)
		return unwrapPath("write", err)
	}
	return nil
}

// clear removes the files of keys written so far.
func (f *secretFiles) clear() error {
	var errs []error
	for _, k := range f.written {
		if err := os.Remove(filepath.Join(f.dir, k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	f.written = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing the secret files in %s: %w", f.dir, err)
	}
	return nil
}

// remove removes the secret files: the whole folder when the Runner made
// it, else the files it wrote and its marker.
func (f *secretFiles) remove() error {
	if f.created {
		if err := os.RemoveAll(f.dir); err != nil {
			return fmt.Errorf("removing the secret files folder %s: %w", f.dir, err)
		}
		return nil
	}
	err := f.clear()
	if rerr := os.Remove(filepath.Join(f.dir, filesMarker)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
		err = fmt.Errorf("removing the secret files in %s: %w", f.dir, rerr)
	}
	return err
}

// environ returns the environment of a child that gets its secrets as
// files: base, without the variables named like a secret (a stale value
// must not pass for the secret) nor the store's key variables, with
// SecretsDirVar set to the folder.
func (f *secretFiles) environ(base []string, env *Env) []string {
	kept := make([]string, 0, len(base))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := env.Get(k); !ok {
			kept = append(kept, kv)
		}
	}
	dir := newEnv(map[string]envVar{SecretsDirVar: {value: f.dir, origin: "files"}})
	return dir.Overlay(kept)
}

// removeStaleFolders removes the folders of secret files in parent that
// Runners whose processes died left behind: envseal-files-PID-* folders of
// this user whose marker names PID and whose process PID no longer exists.
// A failure leaves them: the next Runner tries again.
func removeStaleFolders(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), filesPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		fi, err := os.Lstat(dir)
		if err != nil || !fi.IsDir() || checkPrivateFolder(dir, fi) != nil {
			continue
		}
		if mp, ok := markerPID(dir); ok && mp == pid && !processAlive(pid) {
			os.RemoveAll(dir)
		}
	}
}

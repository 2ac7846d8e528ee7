package secret

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/envseal/secret/internal/regular"

	"github.com/envseal/secret/internal/rules"
)

// maxDirFileSize caps the size of one file of a secrets folder. Larger files
// are refused without being read past the limit.
const maxDirFileSize = 1 << 20 // 1 MiB

// dirLoadAttempts bounds how often Load starts over when a Kubernetes volume
// is updated while it reads it.
const dirLoadAttempts = 3

// kubeDataLink is the link the kubelet swaps to update a secret volume.
const kubeDataLink = "..data"

// FromDir returns a Source of the files in the folder dir, one per key, the
// file name being the key: a Kubernetes secret volume, a Docker
// /run/secrets folder or an OpenFaaS /var/openfaas/secrets folder. The folder
// is read when the Source loads, not when FromDir is called. Its name is
// "dir:" followed by dir.
//
// The rules:
//
//   - Entries whose names start with "." are skipped: the kubelet's ..data
//     link, its timestamped ..2026_11_22_17_40_00.123456789 folders and
//     ..data_tmp, and hidden files.
//   - Every other entry must be a regular file, or a link to one, whose name
//     is a valid key ([A-Za-z_][A-Za-z0-9_]*). FromDir never rewrites names:
//     api-key or tls.crt is an error, not API_KEY or TLS_CRT. (Kubernetes
//     secret names, and so OpenFaaS ones, are lowercase with dashes.)
//     [FromDirOptions] with [DirOptions.MapNames] maps them to keys.
//   - A folder that does not start with "." is an error: secrets are not
//     searched for in subfolders.
//   - Links are followed only inside the folder, with [os.Root]: a link must
//     be relative, and it, and every link it goes through, must stay inside
//     dir. A link that leaves the folder, or is absolute, is an error; so is
//     one whose target does not exist. The kubelet's KEY -> ..data/KEY ->
//     ..2026_.../KEY links stay inside and are followed.
//   - A file over 1 MiB is an error; at most 1 MiB and one byte is read.
//   - One trailing "\n" or "\r\n" is trimmed from each file, as editors and
//     `echo` add it; any other whitespace, including a second newline, is
//     part of the value. A file holding only "\n" is the empty value.
//
// Entries are read in name order. Every problem is reported, joined in that
// order, each naming the entry and never its content; no partial result is
// returned. A dir that does not exist is an error wrapping [ErrNotFound]; one
// that is not a folder is an error too.
//
// When dir is a Kubernetes volume (it has a ..data link), Load reads the
// target of ..data before and after reading the files, and starts over, up
// to 3 times, when the kubelet swapped it in between, so the result is one
// version of the secret, never a mix of two. While the kubelet updates a
// volume that gains a key, the new key's link points to a file that only the
// next version has, for an instant; a Load in that instant reports the link
// as dangling.
func FromDir(dir string) Source {
	return dirSource{dir: dir}
}

// DirOptions are the options of [FromDirOptions]. The zero DirOptions is
// what [FromDir] does.
type DirOptions struct {
	// MapNames maps each file name to a key instead of requiring it to be
	// one, for folders whose files are named as Kubernetes and OpenFaaS
	// name secrets: ASCII letters are upper-cased and every "-" and "." is
	// replaced by "_", so api-key is API_KEY, tls.crt is TLS_CRT and
	// db.password is DB_PASSWORD. A name that maps to no valid key (one
	// that starts with a digit, or holds a space) is still an error naming
	// the entry, and so are two entries that map to the same key (api-key
	// and API_KEY): the folder is refused rather than one of them chosen.
	MapNames bool
}

// FromDirOptions is [FromDir] with options: FromDirOptions(dir, DirOptions{})
// is FromDir(dir). Its name is "dir:" followed by dir, options or not.
func FromDirOptions(dir string, opts DirOptions) Source {
	return dirSource{dir: dir, mapNames: opts.MapNames}
}

type dirSource struct {
	dir      string
	mapNames bool // DirOptions.MapNames
}

func (s dirSource) Name() string { return "dir:" + s.dir }

func (s dirSource) Load(ctx context.Context) (map[string]string, error) {
	for attempt := 1; ; attempt++ {
		before := s.dataTarget()
		m, err := s.load(ctx)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		if s.dataTarget() == before {
			return m, err
		}
		if attempt == dirLoadAttempts {
			return nil, fmt.Errorf("folder %s changed while it was read, %d times: its %s link was swapped", s.dir, dirLoadAttempts, kubeDataLink)
		}
	}
}

// dataTarget returns the target of the kubelet's ..data link, or "" when
// there is none.
func (s dirSource) dataTarget() string {
	target, err := os.Readlink(filepath.Join(s.dir, kubeDataLink))
	if err != nil {
		return ""
	}
	return target
}

// load reads the folder once.
func (s dirSource) load(ctx context.Context) (map[string]string, error) {
	info, err := os.Stat(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("folder %s: %w", s.dir, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", s.dir)
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", s.dir, err)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })

	m := make(map[string]string, len(entries))
	from := make(map[string]string, len(entries)) // key -> entry, with mapNames
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		key := name
		if s.mapNames {
			key = mapFileName(name)
		}
		if !rules.ValidKey(key) {
			what := "file name is not a valid key: want " + rules.KeyRule
			if s.mapNames {
				what = "file name does not map to a valid key (letters upper-cased, - and . made _): want " + rules.KeyRule
			}
			errs = append(errs, &SourceError{Source: s.Name(), Key: name, Err: errors.New(what)})
			continue
		}
		if first, ok := from[key]; ok {
			errs = append(errs, &SourceError{Source: s.Name(), Key: key,
				Err: fmt.Errorf("entries %s and %s both map to it: rename one of them", quoteEntry(first), quoteEntry(name))})
			continue
		}
		from[key] = name
		v, err := readDirEntry(root, s.dir, name, e.Type())
		if err != nil {
			if key != name {
				err = fmt.Errorf("entry %s: %w", quoteEntry(name), err)
			}
			errs = append(errs, &SourceError{Source: s.Name(), Key: key, Err: err})
			continue
		}
		m[key] = v
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// mapFileName is the key of the file name under DirOptions.MapNames: ASCII
// letters upper-cased, "-" and "." replaced by "_". It may not be a valid
// key.
func mapFileName(name string) string {
	b := []byte(name)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c == '-' || c == '.':
			b[i] = '_'
		}
	}
	return string(b)
}

// quoteEntry returns the name of an entry whose name maps to a valid key,
// for an error: quoted, as it holds only letters, digits, "_", "-" and ".";
// a longer one than a bundle name is shown as a hint, as keys are.
func quoteEntry(name string) string {
	if len(name) <= rules.MaxNameLen && rules.ValidKey(mapFileName(name)) {
		return strconv.Quote(name)
	}
	return rules.QuoteKey(name)
}

// errLeavesFolder reports a link that resolves outside the folder.
var errLeavesFolder = errors.New("link leaves the folder")

// readDirEntry reads the value of the entry name of root, whose type from
// the folder listing is typ. Its errors never hold the file's content.
func readDirEntry(root *os.Root, dir, name string, typ fs.FileMode) (string, error) {
	isLink := typ&fs.ModeSymlink != 0
	if isLink {
		if err := checkLink(dir, name); err != nil {
			return "", err
		}
	}
	info, err := root.Stat(name)
	if err != nil {
		return "", statError(dir, name, isLink, err)
	}
	if err := checkEntryFile(info); err != nil {
		return "", err
	}
	data, err := readEntryFile(root, name)
	if err != nil {
		return "", err
	}
	v := string(data)
	if s, ok := strings.CutSuffix(v, "\r\n"); ok {
		return s, nil
	}
	s, _ := strings.CutSuffix(v, "\n")
	return s, nil
}

// checkLink says plainly what os.Root would refuse with a terser message: a
// link that is absolute, or whose target leaves the folder at once.
func checkLink(dir, name string) error {
	target, err := os.Readlink(filepath.Join(dir, name))
	switch {
	case err != nil:
		return unwrapPath("readlink", err)
	case filepath.IsAbs(target):
		return errors.New("link is absolute: links must be relative and stay inside the folder")
	case !filepath.IsLocal(target):
		return errLeavesFolder
	}
	return nil
}

// statError explains err, from os.Root's stat of the entry name.
func statError(dir, name string, isLink bool, err error) error {
	if isLink {
		// A link whose first step stays inside may still lead out through
		// another link (..data -> /elsewhere): os.Root refuses it, and an
		// unconfined stat tells that apart from a dangling link.
		if _, outErr := os.Stat(filepath.Join(dir, name)); outErr == nil {
			return errLeavesFolder
		}
		if errors.Is(err, fs.ErrNotExist) {
			// Not wrapping fs.ErrNotExist: the folder exists, and a caller
			// must not take a broken link for a missing source.
			return errors.New("link target does not exist")
		}
	}
	return unwrapPath("stat", err)
}

// checkEntryFile refuses an entry that is not a regular file of at most
// maxDirFileSize bytes.
func checkEntryFile(info fs.FileInfo) error {
	switch {
	case info.IsDir():
		return errors.New("is a folder: secrets are files directly in the folder (folders starting with \".\" are skipped)")
	case !info.Mode().IsRegular():
		return errors.New("not a regular file")
	case info.Size() > maxDirFileSize:
		return fmt.Errorf("file is over the limit of %d bytes", maxDirFileSize)
	}
	return nil
}

// readEntryFile reads the entry name. It opens without blocking and checks
// again what it opened, since a FIFO could replace the file after the stat.
func readEntryFile(root *os.Root, name string) ([]byte, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|regular.ONonblock, 0)
	if err != nil {
		return nil, unwrapPath("open", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, unwrapPath("stat", err)
	}
	if err := checkEntryFile(info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxDirFileSize+1))
	if err != nil {
		return nil, unwrapPath("read", err)
	}
	if len(data) > maxDirFileSize { // it grew since the stat
		return nil, fmt.Errorf("file is over the limit of %d bytes", maxDirFileSize)
	}
	return data, nil
}

// readRegular reads the file at path, a source's own file (a .env file, a
// manifest), which must be a regular file of at most limit bytes. It never
// waits on a FIFO. Its errors do not repeat the path, which the caller
// names: a missing file is "file not found", wrapping ErrNotFound and
// fs.ErrNotExist.
func readRegular(path string, limit int64) ([]byte, error) {
	data, _, err := regular.ReadFile(path, limit)
	var tl *regular.TooLargeError
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("file %w", ErrNotFound)
	case errors.Is(err, regular.ErrNotRegular):
		return nil, fmt.Errorf("%s is not a regular file", path)
	case errors.As(err, &tl):
		return nil, &ParseError{Path: path, Err: fmt.Errorf("file is over the limit of %d bytes", limit)}
	}
	return nil, unwrapPath("read", err)
}

// unwrapPath drops the path from a *fs.PathError, which the caller names
// already, keeping what went wrong (errors.Is still sees fs.ErrPermission).
func unwrapPath(op string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", op, pe.Err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

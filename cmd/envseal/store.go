package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/envseal/secret"
	"github.com/envseal/secret/internal/rules"
)

// bundleStore is what the commands need of a store: *secret.FileStore and
// *etcdstore.Store are both one.
type bundleStore = secret.WritableStore

// storeURL is the store named by --store, else ENVSEAL_STORE, else the
// default folder: a folder or an etcd://HOST:PORT[,HOST:PORT...]/PREFIX URL.
func (a *app) storeURL() (string, error) {
	if a.storeFlag != "" {
		return a.storeFlag, nil
	}
	return a.env.defaultStoreDir()
}

// storeOptions are the options of the store: its environment from
// --environment, else ENVSEAL_ENVIRONMENT; where the key came from; and how
// many versions of each bundle to keep, from ENVSEAL_HISTORY.
func (a *app) storeOptions(keySource string) (secret.StoreOptions, error) {
	env := a.environmentFlag
	if env == "" {
		env = a.env.getenv(envEnvironment)
	}
	opts := secret.StoreOptions{Environment: env, KeySource: keySource, AllowKeyChange: a.allowKeyChange}
	if h := a.env.getenv(envHistory); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 0 {
			return opts, fmt.Errorf("%s must be a number of versions, 0 or more", envHistory)
		}
		opts.History = n
		if n == 0 {
			opts.History = -1 // none; the library's 0 means its default
		}
	}
	return opts, nil
}

// openStore opens the store for a command that may create a bundle (set,
// import), with the key from the environment or the default key file. It
// creates a store folder if needed.
func (a *app) openStore() (bundleStore, error) {
	return a.open(true)
}

// openExistingStore opens the store for a command that reads it or changes
// bundles already in it (get, list, export, check, run, completion, delete,
// unset). It never creates a store folder: when there is none, the store is
// empty, and the folder stays absent.
func (a *app) openExistingStore() (bundleStore, error) {
	return a.open(false)
}

func (a *app) open(create bool) (bundleStore, error) {
	url, err := a.storeURL()
	if err != nil {
		return nil, err
	}
	key, source, err := a.env.findKey()
	if err != nil {
		return nil, a.explainKeyError(err)
	}
	opts, err := a.storeOptions(source)
	if err != nil {
		return nil, err
	}
	if _, isURL := urlScheme(url); !isURL && !create {
		if _, err := os.Stat(url); errors.Is(err, fs.ErrNotExist) {
			return noStore{dir: url, open: func() (secret.WritableStore, error) {
				return secret.OpenFileStoreOptions(url, key, opts)
			}}, nil
		}
	}
	st, err := openURL(url, key, opts, a.env.getenv)
	if err != nil {
		return nil, err
	}
	if c, ok := st.(io.Closer); ok {
		a.closers = append(a.closers, c)
	}
	return st, nil
}

// urlScheme returns the scheme of a store URL, SCHEME://...; a folder has
// none.
func urlScheme(s string) (string, bool) {
	scheme, _, ok := strings.Cut(s, "://")
	return scheme, ok && scheme != "" && !strings.ContainsAny(scheme, `/\`)
}

// noStore is a store whose folder did not exist when the command opened
// it: it has no bundles, and no bundle can be created in it. Reading
// commands see an empty store, and no folder is made. Should the folder
// appear (another envseal sets a bundle while run --watch waits for an
// optional one), Get, List and Watch read it through a FileStore that open
// opens.
type noStore struct {
	dir  string
	open func() (secret.WritableStore, error) // the store, once dir exists
}

// real returns the store in dir, or nil while dir does not exist.
func (s noStore) real() (secret.WritableStore, error) {
	if _, err := os.Stat(s.dir); errors.Is(err, fs.ErrNotExist) || s.open == nil {
		return nil, nil
	}
	return s.open()
}

func (s noStore) Get(ctx context.Context, name string) (map[string]string, error) {
	st, err := s.real()
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st.Get(ctx, name)
	}
	return nil, &secret.BundleError{Bundle: name, Err: secret.ErrNotFound}
}

func (s noStore) List(ctx context.Context) ([]string, error) {
	st, err := s.real()
	if err != nil || st == nil {
		return nil, err
	}
	return st.List(ctx)
}

// Watch implements secret.Watcher: it looks for the folder every
// secret.PollInterval; once it exists, it reports each of names (their
// bundles may have come with it), then what the FileStore's Watch reports.
// If that store does not open, the names are reported once, so that the
// next resolution says why, and nothing more. The channel closes when ctx
// ends.
func (s noStore) Watch(ctx context.Context, names ...string) (<-chan string, error) {
	for i, n := range names {
		if !validBundleName(n) {
			return nil, fmt.Errorf("cannot watch bundle %d of %d: %s", i+1, len(names), notANameHint(n, bundleNameRule))
		}
	}
	out := make(chan string)
	go func() {
		defer close(out)
		tick := time.NewTicker(secret.PollInterval)
		defer tick.Stop()
		for {
			if _, err := os.Stat(s.dir); err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
		var changes <-chan string
		if st, err := s.real(); err == nil && st != nil {
			if w, ok := st.(secret.Watcher); ok {
				changes, _ = w.Watch(ctx, names...) // nil on error: nothing more
			}
		}
		if !sendAll(ctx, out, names) {
			return
		}
		for {
			select {
			case n, ok := <-changes:
				if !ok {
					<-ctx.Done()
					return
				}
				select {
				case out <- n:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// sendAll sends each of names on out, and reports false if ctx ended first.
func sendAll(ctx context.Context, out chan<- string, names []string) bool {
	for _, n := range names {
		select {
		case out <- n:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

func (s noStore) Set(context.Context, string, map[string]string) error { return s.readOnly() }

func (s noStore) Update(context.Context, string, func(map[string]string) error) error {
	return s.readOnly()
}

func (s noStore) Delete(ctx context.Context, name string) error {
	_, err := s.Get(ctx, name)
	return err
}

func (s noStore) Rotate(context.Context, secret.Key) error { return s.readOnly() }

func (s noStore) readOnly() error {
	return fmt.Errorf("store folder %s does not exist, and this command does not create it (see 'envseal secrets set')", s.dir)
}

// bundleNameRule is the rule for bundle names, as the library checks it.
const bundleNameRule = "[a-z0-9][a-z0-9_-]{0,63}"

// validBundleName reports whether name is a bundle name the store accepts.
func validBundleName(name string) bool { return secret.ValidBundleName(name) }

// checkBundleArg checks that args[i] is a bundle name. The error names the
// argument by its position, never by its text: a value typed where a name
// goes must not be printed.
func checkBundleArg(args []string, i int) error {
	if validBundleName(args[i]) {
		return nil
	}
	return fmt.Errorf("argument %d is not a bundle name: %s", i+1, notANameHint(args[i], bundleNameRule))
}

// notANameHint says why s, which is not printed, is not a name following
// rule.
func notANameHint(s, rule string) string {
	if strings.Contains(s, "=") {
		return "it looks like KEY=VALUE (not shown), and a name goes here: want " + rule
	}
	return "want " + rule + " (it is not shown: it may be a value typed in the wrong place)"
}

// explainBundleError says plainly that a bundle does not exist, and which
// bundles of st have a name close to it.
func explainBundleError(ctx context.Context, st bundleStore, name string, err error) error {
	if !errors.Is(err, secret.ErrNotFound) {
		return err
	}
	msg := fmt.Sprintf("no bundle named %q in the store", name)
	if names, lerr := st.List(ctx); lerr == nil {
		if s := suggestNames(name, names); len(s) > 0 {
			return fmt.Errorf("%s; did you mean %s?", msg, quoteList(s))
		}
	}
	return fmt.Errorf("%s (see 'envseal secrets list')", msg)
}

// suggestNames returns the names among names that typed is likely a typo
// of: one edit away from it (two, when it has six bytes or more), or, when
// it has three or more, starting with it or the start of it. They are names
// that exist; typed itself is never among them.
func suggestNames(typed string, names []string) []string {
	maxEdits := 1
	if len(typed) >= 6 {
		maxEdits = 2
	}
	var out []string
	for _, n := range names {
		if n == typed {
			continue
		}
		if rules.EditDistance(typed, n) <= maxEdits || len(typed) >= 3 && (strings.HasPrefix(n, typed) || strings.HasPrefix(typed, n)) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// quoteList is "a", "a" or "b", "a", "b" or "c".
func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

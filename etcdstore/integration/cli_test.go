//go:build unix

package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/envseal/secret"
	"github.com/envseal/secret/etcdstore/integration/etcdtest"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// programs builds the envseal command and the fleet example once.
func programs(t *testing.T) (envseal, fleet string) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "envseal-itest-bin-")
		if buildErr != nil {
			return
		}
		for _, p := range []string{"github.com/envseal/secret/cmd/envseal", "github.com/envseal/secret/examples/fleet"} {
			out, err := exec.Command("go", "build", "-o", binDir, p).CombinedOutput()
			if err != nil {
				buildErr = &buildError{p, err, out}
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "envseal"), filepath.Join(binDir, "fleet")
}

type buildError struct {
	pkg string
	err error
	out []byte
}

func (e *buildError) Error() string {
	return "building " + e.pkg + ": " + e.err.Error() + ": " + string(e.out)
}

// cli runs programs with a store and a key in their environment.
type cli struct {
	t     *testing.T
	bin   string
	env   []string
	dir   string
	store string
}

func (c *cli) run(stdin string, args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	cmd.Dir = c.dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		c.t.Fatal(err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// TestCommandsOnBothBackends runs the same envseal session on a folder store
// and on the etcd cluster: every command gives the same output and exit
// code, but for the store's name in messages.
func TestCommandsOnBothBackends(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{Size: 3})
	envseal, _ := programs(t)
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	dotenv := filepath.Join(home, "more.env")
	if err := os.WriteFile(dotenv, []byte("C=\"fake c $value\"\nD='fake-d'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(home, "inf.yml")
	if err := os.WriteFile(manifest, []byte("secrets:\n  - key: A\n    description: the A key\n  - key: Z\n    description: never set\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	session := [][]string{
		{"secrets", "set", "app", "A=fake-value-a", "B=fake-value-b"},
		{"secrets", "list"},
		{"secrets", "get", "app"},
		{"secrets", "get", "app", "--reveal", "--json"},
		{"secrets", "unset", "app", "B"},
		{"secrets", "import", "app", dotenv},
		{"secrets", "export", "app", "--format", "dotenv"},
		{"secrets", "export", "app", "--format", "k8s"},
		{"check", "--secret", "app", "--json"},
		{"check", "--secret", "app", "--manifest", manifest},
		{"run", "--secret", "app", "--", "sh", "-c", `echo "A has ${#A} bytes, C has ${#C}"`},
		{"run", "--secret", "app", "--redact", "--", "sh", "-c", `echo "A is $A"`},
		{"--environment", "prod", "secrets", "set", "app", "A=fake-prod-a"},
		{"--environment", "prod", "secrets", "get", "app", "A", "--reveal"},
		{"secrets", "get", "app", "A", "--reveal"},
		{"secrets", "get", "ap"},
		{"key", "show"},
		{"secrets", "delete", "app"},
		{"secrets", "get", "app"},
		{"secrets", "list", "--json"},
		{"secrets", "rollback", "app", "3"},
		{"secrets", "get", "app", "--reveal"},
	}
	backends := map[string]string{
		"folder": filepath.Join(home, "store"),
		"etcd":   c.URL("/clitest", 0, 2),
	}
	type outcome struct {
		stdout, stderr string
		code           int
	}
	results := map[string][]outcome{}
	for backend, store := range backends {
		cl := &cli{t: t, bin: envseal, dir: home, store: store, env: []string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + home, "ENVSEAL_KEY=" + key.Encode(), "ENVSEAL_STORE=" + store,
		}}
		for _, args := range session {
			out, errOut, code := cl.run("", args...)
			// The store's name differs; nothing else may.
			errOut = strings.ReplaceAll(errOut, store, "STORE")
			results[backend] = append(results[backend], outcome{out, errOut, code})
		}
	}
	for i, args := range session {
		f, e := results["folder"][i], results["etcd"][i]
		if f != e {
			t.Errorf("envseal %s differs:\nfolder: %d %q %q\netcd:   %d %q %q", strings.Join(args, " "), f.code, f.stdout, f.stderr, e.code, e.stdout, e.stderr)
		}
		if strings.Contains(e.stderr, "fake-value") {
			t.Errorf("envseal %s printed a value on stderr", strings.Join(args, " "))
		}
	}
	// Spot checks that the session did what it says.
	want := []struct {
		step int
		re   string
	}{
		{3, `"value": "fake-value-a"`},
		{10, `A has 12 bytes, C has 13`},
		{11, `A is \[REDACTED:A\]`},
		{13, `fake-prod-a`},
		{14, `fake-value-a`},
	}
	for _, w := range want {
		if got := results["etcd"][w.step].stdout; !regexp.MustCompile(w.re).MatchString(got) {
			t.Errorf("step %d (%s): stdout %q does not match %s", w.step, strings.Join(session[w.step], " "), got, w.re)
		}
	}
	if got := results["etcd"][15]; got.code == 0 || !strings.Contains(got.stderr, `did you mean "app"`) {
		t.Errorf("a mistyped bundle name: %+v", got)
	}
	if got := results["etcd"][18]; got.code == 0 || !strings.Contains(got.stderr, `no bundle named "app"`) {
		t.Errorf("get after delete: %+v", got)
	}
}

// TestFleetExample runs examples/fleet: one process seals a bundle, two
// workers, each through another member, resolve it and run a workload.
func TestFleetExample(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{Size: 3})
	_, fleet := programs(t)
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "ENVSEAL_KEY=" + key.Encode()}
	run := func(args ...string) string {
		cmd := exec.Command(fleet, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fleet %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("seed", "-store", c.URL("/envseal"))
	for i, name := range []string{"worker-a", "worker-b"} {
		out := run("worker", "-store", c.URL("/envseal", i+1), "-name", name)
		for _, w := range []string{name + ": OPENAI_API_KEY from name:openai", name + ": the workload got a key of 30 bytes"} {
			if !strings.Contains(out, w) {
				t.Errorf("%s printed %q, want %q", name, out, w)
			}
		}
		if strings.Contains(out, "sk-fake") {
			t.Errorf("%s printed the value", name)
		}
	}
}

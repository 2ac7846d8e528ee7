//go:build unix

package integration

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/envseal/secret"
	"github.com/envseal/secret/etcdstore/integration/etcdtest"
)

// TestRunWatchOnEtcd: a child started by envseal run --watch on member 0
// gets a value set through member 2 within 2 s; a change that fails the
// manifest keeps it running; losing member 0 loses no change.
func TestRunWatchOnEtcd(t *testing.T) {
	c := etcdtest.Start(t, etcdtest.Options{})
	envseal, _ := programs(t)
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	manifest := filepath.Join(home, "inf.yml")
	if err := os.WriteFile(manifest, []byte("secrets:\n  - key: TOKEN\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "ENVSEAL_KEY=" + key.Encode()}
	through := func(members ...int) *cli {
		return &cli{t: t, bin: envseal, dir: home, env: append(base, "ENVSEAL_STORE="+c.URL("/watchtest", members...))}
	}
	set := func(member int, args ...string) {
		t.Helper()
		if _, stderr, code := through(member).run("", append([]string{"secrets"}, args...)...); code != 0 {
			t.Fatalf("secrets %s: %s", args[0], stderr)
		}
	}
	set(2, "set", "app", "TOKEN=fake-1")

	child := `trap 'echo stop; exit 0' TERM; echo "start $TOKEN"; while :; do sleep 0.02; done`
	cmd := exec.Command(envseal, "run", "--watch", "--manifest", manifest, "--secret", "app", "--", "sh", "-c", child)
	cmd.Env = append(base, "ENVSEAL_STORE="+c.URL("/watchtest", 0, 1))
	cmd.Dir = home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var mu sync.Mutex
	var stderr bytes.Buffer
	cmd.Stderr = lockedBuffer{&mu, &stderr}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func(d time.Duration) string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				cmd.Wait()
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("envseal exited (%v); it said: %s", cmd.ProcessState, stderr.String())
			}
			return l
		case <-time.After(d):
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("no line from the child within %v; envseal said: %s", d, stderr.String())
			return ""
		}
	}
	expect := func(want string, d time.Duration) {
		t.Helper()
		if got := next(d); got != want {
			t.Fatalf("the child printed %q, want %q", got, want)
		}
	}
	expect("start fake-1", 10*time.Second)

	var worst time.Duration
	for _, v := range []string{"fake-2", "fake-3", "fake-4"} {
		set(2, "set", "app", "TOKEN="+v)
		changed := time.Now()
		expect("stop", 2*time.Second)
		expect("start "+v, 2*time.Second)
		worst = max(worst, time.Since(changed))
	}
	t.Logf("change to restart, etcd store: %v at worst of 3", worst.Round(time.Millisecond))

	// A required key removed: the child keeps running.
	set(2, "unset", "app", "TOKEN")
	select {
	case l := <-lines:
		t.Fatalf("the child printed %q after a change that fails the manifest", l)
	case <-time.After(time.Second):
	}
	mu.Lock()
	said := stderr.String()
	mu.Unlock()
	if !strings.Contains(said, `keeps the ones it has`) || !strings.Contains(said, "TOKEN") {
		t.Errorf("envseal did not say why it kept the child: %s", said)
	}

	// The member envseal watches through is lost: a change through
	// member 2 still arrives, through member 1.
	c.Kill(0)
	set(2, "set", "app", "TOKEN=fake-5")
	changed := time.Now()
	expect("stop", 15*time.Second)
	expect("start fake-5", 5*time.Second)
	t.Logf("change to restart with the watched member lost: %v", time.Since(changed).Round(time.Millisecond))

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	expect("stop", 10*time.Second)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("envseal exited %d, want the child's 0", code)
	}
	if strings.Contains(stderr.String(), "fake-") {
		t.Error("envseal printed a value")
	}
}

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

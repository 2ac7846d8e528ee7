//go:build unix

// Package etcdtest starts real etcd clusters for tests: members are real etcd
// v3.6.16 server processes (built once from the module proxy, see
// internal/etcd), on free loopback ports, each with its own data folder,
// stopped when the test ends. A test can kill a member with SIGKILL, stop
// it, and restart it on its data.
package etcdtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Version is the etcd server the clusters run.
const Version = "v3.6.16"

// Options change the cluster Start makes.
type Options struct {
	// Size is the number of members; 0 is 3.
	Size int
	// TLS serves clients over TLS with certificates made for the test,
	// requiring a client certificate (--client-cert-auth).
	TLS bool
	// Auth enables etcd's authentication with a root user whose password
	// is RootPassword.
	Auth bool
}

// RootPassword is the root user's password of a cluster with Auth.
const RootPassword = "fake-root-password"

// Cluster is a running etcd cluster.
type Cluster struct {
	t       testing.TB
	dir     string
	Members []*Member
	opts    Options
	// Certs holds the files of a TLS cluster.
	Certs *Certs
}

// Member is one etcd process of a Cluster.
type Member struct {
	Name      string
	ClientURL string // "http://127.0.0.1:PORT" or https
	PeerURL   string
	c         *Cluster
	args      []string
	logPath   string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start starts a cluster, waits until it serves, and stops it when the test
// ends. It fails the test if the cluster does not come up in a minute.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if opts.Size == 0 {
		opts.Size = 3
	}
	bin := Binary(t)
	for attempt := 0; ; attempt++ {
		c, err := start(t, bin, opts)
		if err == nil {
			return c
		}
		// A port picked free may have been taken meanwhile: try new ones.
		if attempt == 2 {
			t.Fatalf("etcd cluster did not start: %v", err)
		}
		t.Logf("etcd cluster did not start (%v); trying other ports", err)
	}
}

func start(t testing.TB, bin string, opts Options) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "etcdtest-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{t: t, dir: dir, opts: opts}
	scheme := "http"
	if opts.TLS {
		c.Certs = makeCerts(t, dir)
		scheme = "https"
	}
	ports := freePorts(t, 2*opts.Size)
	var initial []string
	for i := 0; i < opts.Size; i++ {
		m := &Member{
			Name:      fmt.Sprintf("m%d", i),
			ClientURL: fmt.Sprintf("%s://127.0.0.1:%d", scheme, ports[2*i]),
			PeerURL:   fmt.Sprintf("http://127.0.0.1:%d", ports[2*i+1]),
			c:         c,
		}
		m.logPath = filepath.Join(dir, m.Name+".log")
		c.Members = append(c.Members, m)
		initial = append(initial, m.Name+"="+m.PeerURL)
	}
	for _, m := range c.Members {
		m.args = []string{
			"--name", m.Name,
			"--data-dir", filepath.Join(dir, m.Name+".data"),
			"--listen-client-urls", m.ClientURL, "--advertise-client-urls", m.ClientURL,
			"--listen-peer-urls", m.PeerURL, "--initial-advertise-peer-urls", m.PeerURL,
			"--initial-cluster", strings.Join(initial, ","),
			"--initial-cluster-state", "new", "--initial-cluster-token", filepath.Base(dir),
			// Fast elections, so that failover tests take seconds.
			"--heartbeat-interval", "50", "--election-timeout", "500",
			"--log-level", "warn",
		}
		if opts.TLS {
			m.args = append(m.args, "--cert-file", c.Certs.Server, "--key-file", c.Certs.ServerKey,
				"--trusted-ca-file", c.Certs.CA, "--client-cert-auth")
		}
		if err := m.spawn(); err != nil {
			c.stop()
			return nil, err
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			c.dumpLogs()
		}
		c.stop()
		os.RemoveAll(dir)
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, m := range c.Members {
		if err := m.waitReady(ctx); err != nil {
			return nil, err
		}
	}
	if opts.Auth {
		c.enableAuth()
	}
	return c, nil
}

// spawn starts the member's process.
func (m *Member) spawn() error {
	log, err := os.OpenFile(m.logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(binaryPath, m.args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		log.Close()
		return err
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		log.Close()
		close(done)
	}()
	m.mu.Lock()
	m.cmd, m.done = cmd, done
	m.mu.Unlock()
	return nil
}

// waitReady waits until a linearizable read through the member succeeds,
// or the member exits.
func (m *Member) waitReady(ctx context.Context) error {
	cli := m.c.newClient([]string{m.ClientURL}, m.c.opts.Auth)
	defer cli.Close()
	m.mu.Lock()
	done := m.done
	m.mu.Unlock()
	for {
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := cli.Get(rctx, "/etcdtest/ready")
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("member %s exited while starting: %s", m.Name, m.logTail())
		case <-ctx.Done():
			return fmt.Errorf("member %s not ready: %v", m.Name, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Endpoints returns the client URLs of the given members, or of all.
func (c *Cluster) Endpoints(members ...int) []string {
	if len(members) == 0 {
		for i := range c.Members {
			members = append(members, i)
		}
	}
	var out []string
	for _, i := range members {
		out = append(out, c.Members[i].ClientURL)
	}
	return out
}

// HostPorts returns Endpoints without their scheme, as in an etcd:// store
// URL.
func (c *Cluster) HostPorts(members ...int) []string {
	eps := c.Endpoints(members...)
	for i, e := range eps {
		_, eps[i], _ = strings.Cut(e, "://")
	}
	return eps
}

// URL returns the etcd store URL of the given members (or all) and prefix.
func (c *Cluster) URL(prefix string, members ...int) string {
	return "etcd://" + strings.Join(c.HostPorts(members...), ",") + prefix
}

// Client returns a client of the given members (or all), closed when the
// test ends. On a cluster with Auth it logs in as root.
func (c *Cluster) Client(t testing.TB, members ...int) *clientv3.Client {
	cli := c.newClient(c.Endpoints(members...), c.opts.Auth)
	t.Cleanup(func() { cli.Close() })
	return cli
}

func (c *Cluster) newClient(endpoints []string, auth bool) *clientv3.Client {
	cfg := clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()}
	if c.Certs != nil {
		cfg.TLS = c.Certs.ClientTLS(c.t)
	}
	if auth {
		cfg.Username, cfg.Password = "root", RootPassword
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		c.t.Fatalf("etcd client: %v", err)
	}
	return cli
}

// enableAuth adds the root user and turns authentication on.
func (c *Cluster) enableAuth() {
	cli := c.newClient(c.Endpoints(), false)
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cli.UserAdd(ctx, "root", RootPassword); err != nil {
		c.t.Fatalf("adding the root user: %v", err)
	}
	if _, err := cli.UserGrantRole(ctx, "root", "root"); err != nil {
		c.t.Fatalf("granting root: %v", err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		c.t.Fatalf("enabling auth: %v", err)
	}
}

// Kill kills member i with SIGKILL and waits until it is gone.
func (c *Cluster) Kill(i int) { c.Members[i].signal(syscall.SIGKILL) }

// Stop stops member i with SIGTERM and waits until it has exited.
func (c *Cluster) Stop(i int) { c.Members[i].signal(syscall.SIGTERM) }

func (m *Member) signal(sig syscall.Signal) {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// Restart starts member i again on its data folder and ports, and waits
// until it serves.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	m := c.Members[i]
	m.mu.Lock()
	done := m.done
	m.mu.Unlock()
	select {
	case <-done:
	default:
		c.t.Fatalf("member %s is running", m.Name)
	}
	if err := m.spawn(); err != nil {
		c.t.Fatalf("restarting member %s: %v", m.Name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.waitReady(ctx); err != nil {
		c.t.Fatal(err)
	}
}

// stop kills every member still running.
func (c *Cluster) stop() {
	for _, m := range c.Members {
		m.signal(syscall.SIGKILL)
	}
}

// dumpLogs logs the end of every member's log, after a failure. etcd logs
// hold no secret: the store gives it ciphertext only.
func (c *Cluster) dumpLogs() {
	for _, m := range c.Members {
		c.t.Logf("log of etcd member %s:\n%s", m.Name, m.logTail())
	}
}

func (m *Member) logTail() string {
	data, _ := os.ReadFile(m.logPath)
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(t testing.TB, n int) []int {
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// binaryPath is the etcd binary, built by Binary.
var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// Binary returns the path of the etcd binary, building it the first time in
// a test process (the Go build cache makes later builds fast) into the user
// cache folder, where later test processes find it.
func Binary(t testing.TB) string {
	t.Helper()
	binaryOnce.Do(func() { binaryPath, binaryErr = build() })
	if binaryErr != nil {
		t.Fatalf("building etcd %s: %v", Version, binaryErr)
	}
	return binaryPath
}

func build() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "envseal-test", "etcd-"+Version)
	path := filepath.Join(dir, "etcd")
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, "github.com/envseal/secret/etcdstore/integration/internal/etcd")
	cmd.Dir = moduleDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, out)
	}
	return path, os.Rename(tmp, path)
}

// moduleDir returns the folder of this module, where go build resolves the
// server's main package.
func moduleDir() string {
	wd, _ := os.Getwd()
	for d := wd; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.Contains(data, []byte("module github.com/envseal/secret/etcdstore/integration\n")) {
			return d
		}
		if filepath.Dir(d) == d {
			return wd
		}
	}
}

// Running reports whether member i is running.
func (c *Cluster) Running(i int) bool {
	m := c.Members[i]
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done == nil {
		return false
	}
	select {
	case <-m.done:
		return false
	default:
		return true
	}
}

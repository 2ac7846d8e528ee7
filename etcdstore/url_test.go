package etcdstore

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/envseal/secret"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	ok := []struct {
		url       string
		endpoints []string
		prefix    string
	}{
		{"etcd://127.0.0.1:2379", []string{"127.0.0.1:2379"}, "/envseal"},
		{"etcd://127.0.0.1:2379/", []string{"127.0.0.1:2379"}, "/envseal"},
		{"etcd://a:1,b:2,c:3/team/secrets", []string{"a:1", "b:2", "c:3"}, "/team/secrets"},
		{"etcd://[::1]:2379/p/", []string{"[::1]:2379"}, "/p"},
		{"etcd://etcd-0.etcd:2379/envseal", []string{"etcd-0.etcd:2379"}, "/envseal"},
	}
	for _, tc := range ok {
		cfg, err := ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if !slices.Equal(cfg.Endpoints, tc.endpoints) || cfg.Prefix != tc.prefix {
			t.Errorf("ParseURL(%q) = %q %q, want %q %q", tc.url, cfg.Endpoints, cfg.Prefix, tc.endpoints, tc.prefix)
		}
	}
	bad := map[string]string{
		"etcd://":                         "no HOST:PORT",
		"etcd:///p":                       "no HOST:PORT",
		"etcd://host/p":                   "endpoint 1 is not HOST:PORT",
		"etcd://a:1,,b:2/p":               "endpoint 2 is not HOST:PORT",
		"etcd://root:fake-secret@a:1/p":   "no user, password",
		"etcd://a:1/p?password=fake-pass": "no user, password",
		"etcd://a:1/p//q":                 "no empty part",
		"etcd://a:1/p q":                  "letters, digits",
		"http://a:1/p":                    "not an etcd store URL",
	}
	for url, want := range bad {
		_, err := ParseURL(url)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURL(%q) = %v, want an error saying %q", url, err, want)
			continue
		}
		if strings.Contains(err.Error(), "fake-") {
			t.Errorf("ParseURL(%q) echoes the URL", url)
		}
	}
}

func TestOpenURL(t *testing.T) {
	t.Parallel()
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "store")
	st, err := OpenURL(dir, key, secret.StoreOptions{Environment: "prod"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs, ok := st.(*secret.FileStore)
	if !ok || fs.Dir() != dir || fs.Environment() != "prod" {
		t.Fatalf("OpenURL of a folder = %T", st)
	}
	for url, want := range map[string]string{
		"vault://x/y":               "vault:// is a kind of store envseal does not know",
		"etcd://root:fake-pw@h:1/p": "no user, password",
	} {
		_, err := OpenURL(url, key, secret.StoreOptions{}, nil)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "fake-pw") {
			t.Errorf("OpenURL(%q) = %v, want %q", url, err, want)
		}
	}
	if _, err := OpenURL("etcd://h:1/p", key, secret.StoreOptions{Environment: "Bad"}, nil); err == nil {
		t.Error("an invalid environment was accepted")
	}
}

func TestConfigureFromEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("fake-not-a-certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("fake-password-from-file\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{EnvPassword: "fake-pw"}, "ENVSEAL_ETCD_USER is not"},
		{map[string]string{EnvUser: "u", EnvPassword: "fake-pw", EnvPasswordFile: pw}, "set one"},
		{map[string]string{EnvCACert: notPEM}, "holds no PEM certificate"},
		{map[string]string{EnvCACert: filepath.Join(dir, "absent")}, "ENVSEAL_ETCD_CACERT names"},
		{map[string]string{EnvCert: notPEM}, "go together"},
		{map[string]string{EnvCert: notPEM, EnvKey: notPEM}, "do not hold a certificate"},
		{map[string]string{EnvPasswordFile: dir}, "not a regular file"},
	}
	for _, tc := range cases {
		var cfg Config
		err := configure(&cfg, func(k string) string { return tc.env[k] })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("configure(%v) = %v, want %q", tc.env, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "fake-") {
			t.Errorf("configure(%v) echoes a credential", tc.env)
		}
	}
	var cfg Config
	if err := configure(&cfg, func(k string) string {
		return map[string]string{EnvUser: "envseal", EnvPasswordFile: pw}[k]
	}); err != nil {
		t.Fatal(err)
	}
	if cfg.Username != "envseal" || cfg.Password != "fake-password-from-file" || cfg.TLS != nil {
		t.Errorf("configure: user %q, password of %d bytes, TLS %v", cfg.Username, len(cfg.Password), cfg.TLS != nil)
	}
}

func TestPrefixAndStringForm(t *testing.T) {
	t.Parallel()
	key, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"envseal", "/envseal/", "/a//b", "/a b"} {
		if _, err := Open(Config{Endpoints: []string{"127.0.0.1:1"}, Prefix: p}, key, secret.StoreOptions{}); err == nil {
			t.Errorf("prefix %q accepted", p)
		}
	}
	st, err := Open(Config{Endpoints: []string{"127.0.0.1:1", "http://127.0.0.2:2"}}, key, secret.StoreOptions{Environment: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, want := st.String(), "etcd://127.0.0.1:1,127.0.0.2:2/envseal (environment prod)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if _, err := Open(Config{Endpoints: []string{"h:1"}}, secret.Key{}, secret.StoreOptions{}); err == nil {
		t.Error("the zero Key was accepted")
	}
}

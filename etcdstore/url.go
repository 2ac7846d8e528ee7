package etcdstore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/envseal/secret"
	"github.com/envseal/secret/internal/regular"
)

// The variables that configure connections to etcd, for OpenURL and
// DefaultStore. Credentials never go in the URL, which errors and logs may
// show.
const (
	// EnvCACert names a PEM file of the CA certificates that sign the
	// members' certificates. Setting it, or EnvCert, connects with TLS.
	EnvCACert = "ENVSEAL_ETCD_CACERT"
	// EnvCert and EnvKey name the PEM files of a client certificate and its
	// private key, for a cluster with --client-cert-auth.
	EnvCert = "ENVSEAL_ETCD_CERT"
	EnvKey  = "ENVSEAL_ETCD_KEY"
	// EnvUser and EnvPassword are the user and password of a cluster with
	// auth enabled; EnvPasswordFile names a file holding the password
	// instead, so that it need not be in an environment variable.
	EnvUser         = "ENVSEAL_ETCD_USER"
	EnvPassword     = "ENVSEAL_ETCD_PASSWORD"
	EnvPasswordFile = "ENVSEAL_ETCD_PASSWORD_FILE"
)

// maxCredentialFileSize caps the size of the certificate, key and password
// files read for a connection.
const maxCredentialFileSize = 1 << 20

// ParseURL parses an etcd store URL, etcd://HOST:PORT[,HOST:PORT...]/PREFIX,
// into a Config with its Endpoints and Prefix ("/envseal" when there is no
// path). A URL with user information (user:password@), a query or a
// fragment is refused: credentials come from the environment (see
// EnvUser). Errors never quote the URL, which might hold one anyway.
func ParseURL(url string) (Config, error) {
	rest, ok := strings.CutPrefix(url, "etcd://")
	if !ok {
		return Config{}, errors.New("not an etcd store URL: want etcd://HOST:PORT[,HOST:PORT...]/PREFIX")
	}
	if strings.ContainsAny(rest, "@?#") {
		return Config{}, fmt.Errorf("etcd store URL: no user, password, query or fragment may be in it; give credentials in %s and %s", EnvUser, EnvPassword)
	}
	hosts, path, _ := strings.Cut(rest, "/")
	if hosts == "" {
		return Config{}, errors.New("etcd store URL: no HOST:PORT")
	}
	var cfg Config
	for i, h := range strings.Split(hosts, ",") {
		host, port, err := net.SplitHostPort(h)
		if err != nil || host == "" || port == "" {
			return Config{}, fmt.Errorf("etcd store URL: endpoint %d is not HOST:PORT", i+1)
		}
		cfg.Endpoints = append(cfg.Endpoints, h)
	}
	if path != "" {
		cfg.Prefix = "/" + strings.TrimSuffix(path, "/")
	}
	prefix, err := checkPrefix(cfg.Prefix)
	if err != nil {
		return Config{}, err
	}
	cfg.Prefix = prefix
	return cfg, nil
}

// OpenURL opens the store that url names, with key and opts: a folder, as a
// *secret.FileStore, or an etcd store, etcd://HOST:PORT[,HOST:PORT...]/PREFIX,
// as a *Store whose TLS and credentials come from the variables above, read
// with getenv (os.Getenv when nil). A URL of any other scheme is an error.
// Close an etcd store when done with it: the result is an io.Closer then.
func OpenURL(url string, key secret.Key, opts secret.StoreOptions, getenv func(string) string) (secret.WritableStore, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	scheme, _, hasScheme := strings.Cut(url, "://")
	switch {
	case !hasScheme || strings.ContainsAny(scheme, `/\`):
		return secret.OpenFileStoreOptions(url, key, opts)
	case strings.EqualFold(scheme, "etcd"):
		cfg, err := ParseURL("etcd://" + url[len(scheme)+3:])
		if err != nil {
			return nil, err
		}
		if err := configure(&cfg, getenv); err != nil {
			return nil, err
		}
		return Open(cfg, key, opts)
	}
	return nil, fmt.Errorf("store URL: %s:// is a kind of store envseal does not know: want a folder or etcd://HOST:PORT/PREFIX", scheme)
}

// DefaultStore opens the store named by ENVSEAL_STORE, a folder or an etcd
// URL (the default folder when empty), in the environment named by
// ENVSEAL_ENVIRONMENT, under the key found by [secret.FindKey]: what
// [secret.DefaultStore] does, on either backend.
func DefaultStore() (secret.WritableStore, error) {
	url := os.Getenv("ENVSEAL_STORE")
	if url == "" {
		var err error
		if url, err = secret.DefaultStoreDir(); err != nil {
			return nil, err
		}
	}
	key, source, err := secret.FindKey()
	if err != nil {
		return nil, err
	}
	return OpenURL(url, key, secret.StoreOptions{Environment: os.Getenv("ENVSEAL_ENVIRONMENT"), KeySource: source}, os.Getenv)
}

// configure sets cfg's TLS and credentials from the variables getenv reads.
func configure(cfg *Config, getenv func(string) string) error {
	cfg.Username = getenv(EnvUser)
	cfg.Password = getenv(EnvPassword)
	if p := getenv(EnvPasswordFile); p != "" {
		if cfg.Password != "" {
			return fmt.Errorf("both %s and %s are set: set one", EnvPassword, EnvPasswordFile)
		}
		data, err := readCredential(EnvPasswordFile, p)
		if err != nil {
			return err
		}
		cfg.Password = strings.TrimRight(string(data), "\r\n")
	}
	if cfg.Password != "" && cfg.Username == "" {
		return fmt.Errorf("a password is set but %s is not", EnvUser)
	}
	ca, cert, key := getenv(EnvCACert), getenv(EnvCert), getenv(EnvKey)
	if ca == "" && cert == "" && key == "" {
		return nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := readCredential(EnvCACert, ca)
		if err != nil {
			return err
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%s names %s, which holds no PEM certificate", EnvCACert, ca)
		}
	}
	if (cert == "") != (key == "") {
		return fmt.Errorf("%s and %s go together: set both or neither", EnvCert, EnvKey)
	}
	if cert != "" {
		certPEM, err := readCredential(EnvCert, cert)
		if err != nil {
			return err
		}
		keyPEM, err := readCredential(EnvKey, key)
		if err != nil {
			return err
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			// Not wrapped: the TLS package's errors may describe the key.
			return fmt.Errorf("%s and %s do not hold a certificate and its private key in PEM", EnvCert, EnvKey)
		}
		t.Certificates = []tls.Certificate{pair}
	}
	cfg.TLS = t
	return nil
}

// readCredential reads the file path that the variable v names.
func readCredential(v, path string) ([]byte, error) {
	data, _, err := regular.ReadFile(path, maxCredentialFileSize)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s names %s: %w", v, path, err)
	}
	return data, nil
}

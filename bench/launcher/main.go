// Command launcher is the floor of bench/compare.sh: the least a program
// must do to start a command with the secrets of a sealed envseal bundle.
// It reads the key from ENVSEAL_KEY (without checking its checksum), reads
// the sealed file, derives the file key with HKDF-SHA256, opens it with one
// AES-256-GCM open, decodes the entries and execs the command with them on
// top of its own environment. It checks nothing else and has no error
// messages worth the name: it is a yardstick, not a tool.
//
//	launcher STORE/NAME.sealed NAME COMMAND [ARGS...]
package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 4 {
		os.Exit(2)
	}
	path, name, argv := os.Args[1], os.Args[2], os.Args[3:]
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(os.Getenv("ENVSEAL_KEY"), "envseal-key-1-"))
	check(err)
	data, err := os.ReadFile(path)
	check(err)
	const header = 62
	fk, err := hkdf.Key(sha256.New, raw[:32], data[18:50], "envseal v1 file key", 32)
	check(err)
	block, err := aes.NewCipher(fk)
	check(err)
	aead, err := cipher.NewGCM(block)
	check(err)
	pt, err := aead.Open(nil, data[50:header], data[header:], append(data[:header:header], name...))
	check(err)
	// name, count, then count pairs of length-prefixed strings.
	s := string(pt)
	next := func() string {
		n := binary.BigEndian.Uint32([]byte(s[:4]))
		v := s[4 : 4+n]
		s = s[4+n:]
		return v
	}
	next()
	count := binary.BigEndian.Uint32([]byte(s[:4]))
	s = s[4:]
	env := os.Environ()
	for range count {
		k := next()
		env = append(env, k+"="+next())
	}
	bin, err := exec.LookPath(argv[0])
	check(err)
	check(syscall.Exec(bin, argv, env))
}

func check(err error) {
	if err != nil {
		os.Stderr.WriteString("launcher: " + err.Error() + "\n")
		os.Exit(1)
	}
}

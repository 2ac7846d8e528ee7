// Command vulncheck reads the JSON that govulncheck -format json writes and
// decides whether CI fails: it fails on a known vulnerability in a module
// other than the standard library whose vulnerable code the build calls.
// A called vulnerability of the standard library is printed as a warning:
// its fix is a newer Go, which CI cannot choose. Advisories about modules
// or packages that are in the build but whose vulnerable code is not
// called are counted, not listed.
//
//	govulncheck -format json ./... | go run .ci/vulncheck.go
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// message is one object of govulncheck's JSON stream; only the parts read
// here.
type message struct {
	Config *struct {
		DB string `json:"db"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

// frame is one step of a finding's trace: the vulnerable symbol first,
// then its callers up to the code that calls it.
type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

// finding is what is printed about one advisory in one module.
type finding struct {
	id, module, version, fixed string
	called                     bool
	trace                      string // how the code reaches it, for a called one
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vulncheck:", err)
		os.Exit(1)
	}
}

var errCalled = errors.New("vulnerable code of a module other than the standard library is called")

func run(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	summaries := map[string]string{}
	found := map[string]*finding{} // by id and module
	db := ""
	for {
		var m message
		err := dec.Decode(&m)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading govulncheck's output: %w", err)
		}
		switch {
		case m.Config != nil:
			db = m.Config.DB
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			f, top := m.Finding, m.Finding.Trace[0]
			k := f.OSV + " " + top.Module
			g := found[k]
			if g == nil {
				g = &finding{id: f.OSV, module: top.Module, version: top.Version, fixed: f.FixedVersion}
				found[k] = g
			}
			if top.Function != "" && !g.called {
				g.called, g.trace = true, trace(f.Trace)
			}
		}
	}
	if db == "" {
		return errors.New("no govulncheck output")
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	failed, warned, other := 0, 0, 0
	for _, k := range keys {
		f := found[k]
		if !f.called {
			other++
			continue
		}
		what := "FAIL"
		if f.module == "stdlib" {
			what = "warning"
			warned++
		} else {
			failed++
		}
		fixed := "no fix yet"
		if f.fixed != "" {
			fixed = "fixed in " + f.fixed
		}
		fmt.Fprintf(out, "%s: %s in %s %s (%s): %s\n    called: %s\n", what, f.id, f.module, f.version, fixed, summaries[f.id], f.trace)
	}
	fmt.Fprintf(out, "govulncheck (database %s): %d called in other modules, %d called in the standard library (a newer Go fixes them), %d more in modules or packages of the build whose vulnerable code is not called\n",
		db, failed, warned, other)
	if failed > 0 {
		return errCalled
	}
	return nil
}

// trace shows a finding's trace from the caller down to the vulnerable
// symbol.
func trace(fr []frame) string {
	parts := make([]string, 0, len(fr))
	for i := len(fr) - 1; i >= 0; i-- {
		f := fr[i]
		name := f.Function
		if f.Receiver != "" {
			name = strings.TrimPrefix(f.Receiver, "*") + "." + name
		}
		parts = append(parts, f.Package+"."+name)
	}
	return strings.Join(parts, " -> ")
}

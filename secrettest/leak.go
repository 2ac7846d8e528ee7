package secrettest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// NoLeak fails t if any printed form of any of values contains one of
// secrets. It is the one check, shared by every test of envseal and of its
// backends, that a value never reaches an error, a log line or a printed
// form.
//
// Each value is printed with %v, %+v, %#v, %s, %q and %x, with log/slog's
// text and JSON handlers, and with encoding/json. An error is also printed
// with Error(), %+v, %#v and encoding/json, and so is every error it wraps
// (through Unwrap() error and Unwrap() []error), on its own. A secret is
// looked for as it is, in hex (as %x would show it), and by every run of 8
// of its bytes, so that a message quoting part of a line is caught too:
// choose secrets of 8 bytes or more that no message could contain by
// chance.
//
// A failure names the value's position and the printed form, never the
// secret or the text: the test's own output must not leak either.
func NoLeak(t testing.TB, secrets []string, values ...any) {
	t.Helper()
	noneOf(t, needlesOf(secrets), values...)
}

// noneOf fails t if any printed form of any of values contains one of
// needles, as they are.
func noneOf(t testing.TB, needles []string, values ...any) {
	t.Helper()
	for i, v := range values {
		for how, s := range Renderings(v) {
			for _, n := range needles {
				if strings.Contains(s, n) {
					t.Errorf("value %d (%T): %s contains a secret", i, v, how)
					break
				}
			}
		}
	}
}

// needlesOf returns what NoLeak looks for.
func needlesOf(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		out = append(out, s, fmt.Sprintf("%x", s))
		for i := 0; i+8 < len(s); i++ {
			out = append(out, s[i:i+8])
		}
	}
	return out
}

// Renderings returns every way a program might print v, keyed by how: the
// forms NoLeak checks.
func Renderings(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	var text, jsonLog bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("msg", "v", v)
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("msg", slog.Any("v", v))
	out["slog text"] = text.String()
	out["slog json"] = jsonLog.String()
	if js, err := json.Marshal(v); err == nil {
		out["json"] = string(js)
	}
	if err, ok := v.(error); ok && err != nil {
		n := 0
		walkErrors(err, func(e error) {
			n++
			out[fmt.Sprintf("error %d in the chain, Error()", n)] = e.Error()
			out[fmt.Sprintf("error %d in the chain, %%+v", n)] = fmt.Sprintf("%+v", e)
			out[fmt.Sprintf("error %d in the chain, %%#v", n)] = fmt.Sprintf("%#v", e)
			if js, err := json.Marshal(e); err == nil {
				out[fmt.Sprintf("error %d in the chain, json", n)] = string(js)
			}
		})
	}
	return out
}

// walkErrors calls fn on err and on every error it wraps.
func walkErrors(err error, fn func(error)) {
	for err != nil {
		fn(err)
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walkErrors(inner, fn)
			}
			return
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return
		}
	}
}

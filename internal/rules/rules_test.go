package rules

import (
	"strings"
	"testing"
)

func TestValidKeyAndName(t *testing.T) {
	t.Parallel()
	keys := []struct {
		k  string
		ok bool
	}{
		{"A", true}, {"_", true}, {"a_1", true}, {"OPENAI_API_KEY", true},
		{strings.Repeat("K", MaxKeyLen), true}, {strings.Repeat("K", MaxKeyLen+1), false},
		{"", false}, {"1A", false}, {"A-B", false}, {"A B", false}, {"A=b", false}, {"É", false},
	}
	for _, tc := range keys {
		if got := ValidKey(tc.k); got != tc.ok {
			t.Errorf("ValidKey(%.20q) = %v, want %v", tc.k, got, tc.ok)
		}
	}
	names := []struct {
		n  string
		ok bool
	}{
		{"a", true}, {"0", true}, {"openai", true}, {"my-app_2", true}, {strings.Repeat("a", 64), true},
		{"", false}, {strings.Repeat("a", 65), false}, {"-a", false}, {"_a", false}, {"A", false},
		{"a/b", false}, {"a.b", false}, {"..", false},
	}
	for _, tc := range names {
		if got := ValidName(tc.n); got != tc.ok {
			t.Errorf("ValidName(%q) = %v, want %v", tc.n, got, tc.ok)
		}
	}
}

func TestCheckEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k, v, want string
	}{
		{"A", "v", ""},
		{"A", "", ""},
		{"", "v", "empty key"},
		{"1A", "v", "invalid key: want [A-Za-z_][A-Za-z0-9_]*"},
		{strings.Repeat("K", MaxKeyLen+1), "v", "key is 16385 bytes, over the limit of 16384"},
		{"A", strings.Repeat("v", MaxValueLen+1), "value is 32769 bytes, over the limit of 32768"},
		{"A", "a\x00b", "value contains a NUL byte"},
	}
	for _, tc := range tests {
		err := CheckEntry(tc.k, tc.v)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("CheckEntry(%.10q, ...) = %q, want %q", tc.k, got, tc.want)
		}
	}
}

// TestQuoteShowsNoValue: an invalid key or name may be a pasted value, so
// what is printed stops at the first byte that cannot be in a key or name.
func TestQuoteShowsNoValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		quote    func(string) string
	}{
		{"API_KEY", "API_KEY", QuoteKey},
		{"API_KEY=sk-canary-1234", `"API_KEY"… (22 bytes)`, QuoteKey},
		{"api-key", `"api"… (7 bytes)`, QuoteKey},
		{"=canary", "(7 bytes)", QuoteKey},
		{"0KEY", `"0KEY"`, QuoteKey},
		{"1A", `"1A"`, QuoteKey},
		{strings.Repeat("K", 100), `"KKKKKKKKKKKKKKKK"… (100 bytes)`, QuoteKey},
		{"openai", `"openai"`, QuoteName},
		{"openai=sk-canary", `"openai"… (16 bytes)`, QuoteName},
		{"Prod", "(4 bytes)", QuoteName},
		{"-app", `"-app"`, QuoteName},
		{"", `""`, QuoteName},
	}
	for _, tc := range tests {
		got := tc.quote(tc.in)
		if got != tc.want {
			t.Errorf("quote(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, "canary") {
			t.Errorf("quote(%q) shows the value", tc.in)
		}
	}
}

func TestCheckDescription(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, d, wantErr string
	}{
		{"empty", "", ""},
		{"plain", "OpenAI key for completions", ""},
		{"unicode and newline", "clé\nligne 2\t☃", ""},
		{"at the limit", strings.Repeat("d", MaxDescriptionLen), ""},
		{"over the limit", strings.Repeat("d", MaxDescriptionLen+1), "description is 1025 bytes, over the limit of 1024"},
		{"NUL", "a\x00b", "description contains a NUL byte"},
		{"invalid UTF-8", "a\xffb", "description is not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckDescription(tc.d)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckDescription: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("CheckDescription: %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"", "abc", 3}, {"secret", "secrets", 1},
		{"descripton", "description", 1}, {"kitten", "sitting", 3}, {"api", "apii", 1},
	} {
		if got := EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

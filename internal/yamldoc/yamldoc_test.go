package yamldoc

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantKind yaml.Kind // 0: no document
		wantLine int       // of the error; -1: no error
		wantErr  string
	}{
		{"empty", "", 0, -1, ""},
		{"comments only", "# nothing\n", 0, -1, ""},
		{"mapping", "a: 1\n", yaml.MappingNode, -1, ""},
		{"list", "- a\n", yaml.SequenceNode, -1, ""},
		{"second document", "a: 1\n---\nb: 2\n", 0, 2, "a second YAML document (after ---); a test holds one"},
		{"scanner error", "a: 1\nb: \"fake-unterminated-value\n", 0, 2, "invalid YAML"},
		{"tab indentation", "a:\n\tb: fake-tab-value\n", 0, 2, "invalid YAML: found character that cannot start any token"},
		{"unknown anchor is not quoted", "a: *fake-anchor-value\n", 0, 0, "invalid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root, err := Decode([]byte(tt.in), "a test holds one")
			if tt.wantLine < 0 {
				if err != nil {
					t.Fatalf("error: %v", err)
				}
				if tt.wantKind == 0 && root != nil || tt.wantKind != 0 && (root == nil || root.Kind != tt.wantKind) {
					t.Fatalf("root = %v, want kind %v", root, tt.wantKind)
				}
				return
			}
			var ye *Error
			if !errors.As(err, &ye) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if ye.Line != tt.wantLine {
				t.Errorf("line %d, want %d (%v)", ye.Line, tt.wantLine, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not say %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "fake-") {
				t.Errorf("error quotes the document")
			}
		})
	}
}

func TestKindName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a: 1": "a mapping", "[1]": "a list", "x": "a string", "1": "a number",
		"true": "a boolean", "~": "null", "2001-02-03": "a timestamp",
	} {
		root, err := Decode([]byte(in), "")
		if err != nil {
			t.Fatal(err)
		}
		if got := KindName(root); got != want {
			t.Errorf("KindName(%s) = %q, want %q", in, got, want)
		}
	}
}

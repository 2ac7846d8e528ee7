package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/envseal/secret"
)

// What secrets get --reveal prints must read back exactly through FromDotenv,
// which secrets set --from-dotenv and run --dotenv use.
func TestDotenvQuoteRoundTrip(t *testing.T) {
	t.Parallel()
	values := map[string]string{
		"EMPTY":     "",
		"PLAIN":     "fake-plain_value.1:2/3@host+x,y=z%",
		"DOLLAR":    "pa$Sword-fake",
		"BRACES":    "fake-${NOT_EXPANDED}",
		"BCRYPT":    "$2a$10$fakefakefakefakefakefuJ2yq5J1xNnYxO0aB3QqGmW0hXn2Cq",
		"BACKSLASH": `fake\tab\n\\"q\"\`,
		"QUOTES":    `"fake" 'single' "`,
		"HASH":      "fake #not-a-comment",
		"SPACES":    "  fake padded  ",
		"LINES":     "fake-1\nfake-2\r\n\tfake-3\n",
		"UNICODE":   "fake-ключ-🔑",
		"JSON":      `{"type":"fake","key":"-----BEGIN FAKE-----\nAAAA\n-----END FAKE-----\n"}`,
	}
	var content string
	for k, v := range values {
		content += k + "=" + dotenvQuote(v) + "\n"
	}
	path := filepath.Join(t.TempDir(), "revealed.env")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	got, err := secret.FromDotenv(path).Load(context.Background())
	require.NoError(t, err)
	for k, v := range values {
		assert.True(t, got[k] == v, "%s does not read back as written", k)
	}
	assert.Len(t, got, len(values))
}

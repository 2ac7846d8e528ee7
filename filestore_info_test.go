package secret

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sealedVersion is the format version in the header of the file of bundle
// name of st.
func sealedVersion(t *testing.T, st *FileStore, name string) byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(st.Dir(), name+sealedExt))
	require.NoError(t, err)
	return data[len("envseal\x00")]
}

// TestFileStoreOpensVersion1Bundles puts a bundle sealed before bundles had
// info (a known-answer vector of package internal/seal) in a store: it opens,
// with no info; a bundle stays in version 1 until it gets info, and goes back
// to it when its info is gone, so that an older envseal reads every bundle
// that does not use what version 2 adds.
func TestFileStoreOpensVersion1Bundles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key, err := ParseKey(testKeyText)
	require.NoError(t, err)
	st, err := OpenFileStore(filepath.Join(t.TempDir(), "store"), key)
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join("internal", "seal", "testdata", "basic.sealed"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(st.Dir(), "basic"+sealedExt), data, 0o600))
	j, err := os.ReadFile(filepath.Join("internal", "seal", "testdata", "basic.json"))
	require.NoError(t, err)
	var want map[string]string
	require.NoError(t, json.Unmarshal(j, &want))

	env, info, err := st.GetWithInfo(ctx, "basic")
	require.NoError(t, err)
	assert.Equal(t, want, env)
	assert.Equal(t, BundleInfo{Descriptions: map[string]string{}}, info)
	assert.Equal(t, byte(1), sealedVersion(t, st, "basic"))

	require.NoError(t, st.Update(ctx, "basic", func(env map[string]string) error { env["MORE"] = "fake"; return nil }))
	assert.Equal(t, byte(1), sealedVersion(t, st, "basic"), "a write without info stays in version 1")

	require.NoError(t, st.UpdateWithInfo(ctx, "basic", func(_ map[string]string, info *BundleInfo) error {
		info.Descriptions["MORE"] = "an added key"
		return nil
	}))
	assert.Equal(t, byte(2), sealedVersion(t, st, "basic"))
	require.NoError(t, st.Update(ctx, "basic", func(env map[string]string) error { delete(env, "MORE"); return nil }))
	assert.Equal(t, byte(1), sealedVersion(t, st, "basic"), "without info again, version 1 again")
}

// TestFileStoreInfoIsSealed checks that descriptions, like values, are not
// in the clear in a bundle's file nor in its history.
func TestFileStoreInfoIsSealed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key, err := GenerateKey()
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "store")
	st, err := OpenFileStore(dir, key)
	require.NoError(t, err)
	const desc = "a-distinctive-description-text"
	require.NoError(t, st.UpdateWithInfo(ctx, "app", func(env map[string]string, info *BundleInfo) error {
		env["API_KEY"] = "fake-value"
		info.Descriptions["API_KEY"] = desc
		info.WriteOnly = true
		return nil
	}))
	require.NoError(t, st.Set(ctx, "app", map[string]string{"API_KEY": "fake-value-2"}))
	files := 0
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.False(t, bytes.Contains(data, []byte(desc)), "%s holds the description in clear", path)
		assert.False(t, bytes.Contains(data, []byte("API_KEY")), "%s holds a key name in clear", path)
		return nil
	}))
	assert.GreaterOrEqual(t, files, 3, "the bundle and two versions")
	assert.Equal(t, byte(2), sealedVersion(t, st, "app"))
}

package tokenstore_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// TestFileNamesAreCaseInsensitiveSafe: IDs that differ only in case get
// file names that differ in more than case, so a case-insensitive file
// system (macOS, Windows) keeps them apart.
func TestFileNamesAreCaseInsensitiveSafe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := tokenstore.NewFile(filepath.Join(t.TempDir(), "s"))
	require.NoError(t, err)
	ids := []string{"CaseSensitive", "casesensitive", "CASESENSITIVE", "shopify:offline_A.myshopify.com", "shopify:offline_a.myshopify.com",
		strings.Repeat("Long-", 60), strings.Repeat("long-", 60)}
	for _, id := range ids {
		require.NoError(t, st.Save(ctx, storetest.Sample(id)))
		l, err := st.Lock(ctx, id)
		require.NoError(t, err)
		require.NoError(t, l())
	}
	entries, err := os.ReadDir(st.Dir())
	require.NoError(t, err)
	folded := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		require.Equal(t, strings.ToLower(name), name, "file name with upper case: %s", name)
		prev, dup := folded[strings.ToLower(name)]
		require.False(t, dup, "%s and %s collide without case", prev, name)
		folded[strings.ToLower(name)] = name
	}
	for _, id := range ids {
		got, err := st.Load(ctx, id)
		require.NoError(t, err)
		storetest.Equal(t, storetest.Sample(id), got)
	}
}

// TestFileReadsLegacyNames: a session saved by an earlier version under
// its base64url file name is loaded and listed, compare-and-set works on
// it, and the next save renames it.
func TestFileReadsLegacyNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := tokenstore.NewFile(filepath.Join(t.TempDir(), "s"))
	require.NoError(t, err)
	old := storetest.Sample("Legacy:ID")
	data, err := tokenstore.Encode(old)
	require.NoError(t, err)
	legacy := filepath.Join(st.Dir(), "s-"+base64.RawURLEncoding.EncodeToString([]byte(old.ID))+".json")
	require.NoError(t, os.WriteFile(legacy, data, 0o600))

	got, err := st.Load(ctx, old.ID)
	require.NoError(t, err)
	storetest.Equal(t, old, got)
	list, err := st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, old.ID, list[0].ID)

	next := got.Clone()
	next.AccessToken, next.RefreshToken = "at-next", "rt-next"
	require.NoError(t, st.CompareAndSave(ctx, got, next), "compare-and-set sees the legacy file")
	_, err = os.Stat(legacy)
	require.ErrorIs(t, err, os.ErrNotExist, "the save renamed the legacy file")
	got, err = st.Load(ctx, old.ID)
	require.NoError(t, err)
	require.True(t, tokenstore.SameSession(next, got))
	list, err = st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	entries, err := os.ReadDir(st.Dir())
	require.NoError(t, err)
	for _, e := range entries {
		require.Equal(t, strings.ToLower(e.Name()), e.Name())
	}

	// A legacy file left beside the current one (an old version wrote it
	// again): the current file wins, the session is listed once, and a
	// delete removes both.
	require.NoError(t, os.WriteFile(legacy, data, 0o600))
	got, err = st.Load(ctx, old.ID)
	require.NoError(t, err)
	require.True(t, tokenstore.SameSession(next, got))
	list, err = st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.True(t, tokenstore.SameSession(next, list[0]))
	require.NoError(t, st.Delete(ctx, old.ID))
	_, err = st.Load(ctx, old.ID)
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
}

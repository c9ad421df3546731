package tokenstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) tokenstore.Store { return tokenstore.NewMemory() })
}

func TestFileConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) tokenstore.Store {
		st, err := tokenstore.NewFile(filepath.Join(t.TempDir(), "sessions"))
		require.NoError(t, err)
		return st
	})
}

func TestFilePermissions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "s")
	st, err := tokenstore.NewFile(dir)
	require.NoError(t, err)
	require.NoError(t, st.Save(ctx, storetest.Sample("perm")))

	fi, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	fi, err = os.Stat(files[0])
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	for _, tc := range []struct {
		name string
		mode os.FileMode
		ok   bool
	}{
		{"GroupReadable", 0o640, false},
		{"OtherReadable", 0o604, false},
		{"GroupWritable", 0o620, false},
		{"OwnerOnly", 0o600, true},
		{"OwnerReadOnly", 0o400, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.Chmod(files[0], tc.mode))
			_, err := st.Load(ctx, "perm")
			if tc.ok {
				require.NoError(t, err)
				return
			}
			var pe *tokenstore.PermissionError
			require.ErrorAs(t, err, &pe)
			require.ErrorIs(t, err, tokenstore.ErrInsecurePermissions)
			require.Equal(t, files[0], pe.Path)
			require.NotContains(t, err.Error(), "sentinel")
			_, err = st.List(ctx, tokenstore.Filter{})
			require.ErrorIs(t, err, tokenstore.ErrInsecurePermissions)
		})
	}

	open := filepath.Join(t.TempDir(), "open")
	require.NoError(t, os.Mkdir(open, 0o755))
	require.NoError(t, os.Chmod(open, 0o755))
	_, err = tokenstore.NewFile(open)
	require.ErrorIs(t, err, tokenstore.ErrInsecurePermissions)
}

func TestFileCorrupt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := tokenstore.NewFile(filepath.Join(t.TempDir(), "s"))
	require.NoError(t, err)
	require.NoError(t, st.Save(ctx, storetest.Sample("c")))
	files, _ := filepath.Glob(filepath.Join(st.Dir(), "*.json"))
	require.Len(t, files, 1)
	require.NoError(t, os.WriteFile(files[0], []byte(`{"v":1,"session":{"id":"c","access_token":"at-sentinel-x`), 0o600))
	_, err = st.Load(ctx, "c")
	var fe *tokenstore.FormatError
	require.ErrorAs(t, err, &fe)
	require.ErrorIs(t, err, tokenstore.ErrCorrupt)
	require.NotContains(t, err.Error(), "sentinel")
	// A corrupt file is never the session a compare-and-set write was
	// based on.
	require.ErrorIs(t, st.CompareAndSave(ctx, storetest.Sample("c"), storetest.Sample("c")), tokenstore.ErrConflict)
	require.ErrorIs(t, st.CompareAndSave(ctx, nil, storetest.Sample("c")), tokenstore.ErrConflict)
	require.ErrorIs(t, st.CompareAndDelete(ctx, storetest.Sample("c")), tokenstore.ErrConflict)
	// A corrupt session does not stop the others from being deleted or
	// replaced.
	require.NoError(t, st.Save(ctx, storetest.Sample("c")))
	_, err = st.Load(ctx, "c")
	require.NoError(t, err)
	// Stray files are ignored by List.
	require.NoError(t, os.WriteFile(filepath.Join(st.Dir(), "notes.txt"), []byte("x"), 0o600))
	list, err := st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	// A corrupt record: List returns the good sessions and names the bad.
	require.NoError(t, st.Save(ctx, storetest.Sample("bad")))
	require.NoError(t, st.Save(ctx, storetest.Sample("good")))
	bad, _ := filepath.Glob(filepath.Join(st.Dir(), "*.json"))
	for _, p := range bad {
		if s, err := st.Load(ctx, "bad"); err == nil {
			if data, _ := os.ReadFile(p); strings.Contains(string(data), s.AccessToken) {
				require.NoError(t, os.WriteFile(p, []byte(`{"v":1,"session":{"id":"bad","access_token":"at-sentinel-x`), 0o600))
			}
		}
	}
	list, err = st.List(ctx, tokenstore.Filter{})
	requireListError(t, err, "bad")
	require.Len(t, list, 2, "the good sessions are listed")
	require.Equal(t, "c", list[0].ID)
	require.Equal(t, "good", list[1].ID)
	entries, _ := os.ReadDir(st.Dir())
	for _, e := range entries {
		require.False(t, strings.HasPrefix(e.Name(), ".tmp-"), "temporary file left behind: %s", e.Name())
	}
}

func TestNotFoundMatchesClientSentinel(t *testing.T) {
	t.Parallel()
	require.ErrorIs(t, tokenstore.ErrNotFound, client.ErrSessionNotFound)
	_, err := tokenstore.NewMemory().Load(context.Background(), "nobody")
	require.ErrorIs(t, err, client.ErrSessionNotFound)
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
	require.NotErrorIs(t, tokenstore.ErrConflict, client.ErrSessionNotFound)
}

// requireListError checks a List error naming exactly ids, without
// content.
func requireListError(t *testing.T, err error, ids ...string) {
	t.Helper()
	var le *tokenstore.ListError
	require.ErrorAs(t, err, &le)
	require.Equal(t, ids, le.IDs)
	require.Len(t, le.Errs, len(ids))
	require.ErrorIs(t, err, tokenstore.ErrCorrupt)
	require.NotContains(t, fmt.Sprintf("%v %+v", err, err), "sentinel")
	for _, id := range ids {
		require.Contains(t, err.Error(), id)
	}
}

package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

// rotated returns a copy of s with new tokens, as a refresh or a new
// login makes it.
func rotated(s *client.Session, tag string) *client.Session {
	n := s.Clone()
	n.AccessToken, n.RefreshToken = "at-"+tag+"-"+s.ID, "rt-"+tag+"-"+s.ID
	return n
}

func testCompareAndSave(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	base := Sample("cas")
	require.NoError(t, st.CompareAndSave(ctx, nil, base), "nothing stored: a write based on nothing succeeds")
	got, err := st.Load(ctx, "cas")
	require.NoError(t, err)
	Equal(t, base, got)
	require.ErrorIs(t, st.CompareAndSave(ctx, nil, rotated(base, "x")), tokenstore.ErrConflict, "a session is stored: a write based on nothing conflicts")

	next := rotated(base, "r1")
	require.NoError(t, st.CompareAndSave(ctx, got, next), "based on what is stored")
	stale := rotated(base, "r2")
	err = st.CompareAndSave(ctx, base, stale)
	require.ErrorIs(t, err, tokenstore.ErrConflict, "based on a session replaced meanwhile")
	var ce *tokenstore.ConflictError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "cas", ce.ID)
	for _, tok := range []string{base.AccessToken, base.RefreshToken, stale.AccessToken, stale.RefreshToken} {
		require.NotContains(t, fmt.Sprintf("%v %+v %#v", err, err, err), tok)
	}
	got, err = st.Load(ctx, "cas")
	require.NoError(t, err)
	Equal(t, next, got)

	// Only the tokens identify a session: other fields may differ.
	sameTokens := next.Clone()
	sameTokens.Extra, sameTokens.Scopes = nil, []string{"other"}
	third := rotated(base, "r3")
	require.NoError(t, st.CompareAndSave(ctx, sameTokens, third))

	// A refresh token alone changing is another session too.
	rtOnly := third.Clone()
	rtOnly.RefreshToken = "rt-other"
	require.ErrorIs(t, st.CompareAndSave(ctx, rtOnly, rotated(base, "r4")), tokenstore.ErrConflict)

	// Plain Save still overwrites whatever is stored (logins).
	login := rotated(base, "login")
	require.NoError(t, st.Save(ctx, login))
	require.ErrorIs(t, st.CompareAndSave(ctx, third, rotated(base, "r5")), tokenstore.ErrConflict)
	got, err = st.Load(ctx, "cas")
	require.NoError(t, err)
	Equal(t, login, got)

	// Deleted meanwhile: a write based on the old session conflicts.
	require.NoError(t, st.Delete(ctx, "cas"))
	require.ErrorIs(t, st.CompareAndSave(ctx, login, rotated(base, "r6")), tokenstore.ErrConflict)
	_, err = st.Load(ctx, "cas")
	require.ErrorIs(t, err, tokenstore.ErrNotFound)

	list, err := st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Empty(t, list)
	require.NoError(t, st.CompareAndSave(ctx, nil, base))
	list, err = st.List(ctx, tokenstore.Filter{Provider: base.Provider})
	require.NoError(t, err, "a compare-and-set write is listed")
	require.Len(t, list, 1)
}

func testCompareAndDelete(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	base := Sample("cad")
	require.ErrorIs(t, st.CompareAndDelete(ctx, base), tokenstore.ErrConflict, "nothing stored")
	require.NoError(t, st.Save(ctx, base))
	login := rotated(base, "login")
	require.NoError(t, st.Save(ctx, login))
	require.ErrorIs(t, st.CompareAndDelete(ctx, base), tokenstore.ErrConflict, "a login replaced it: kept")
	got, err := st.Load(ctx, "cad")
	require.NoError(t, err)
	Equal(t, login, got)
	require.NoError(t, st.CompareAndDelete(ctx, got))
	_, err = st.Load(ctx, "cad")
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
	list, err := st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Empty(t, list, "a compare-and-delete removes the List entry too")
}

func testCompareInvalid(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"NilSession", st.CompareAndSave(ctx, nil, nil)},
		{"BadID", st.CompareAndSave(ctx, nil, Sample("a\nb"))},
		{"OtherID", st.CompareAndSave(ctx, Sample("one"), Sample("two"))},
		{"NilDelete", st.CompareAndDelete(ctx, nil)},
		{"BadIDDelete", st.CompareAndDelete(ctx, Sample(""))},
	} {
		t.Run(tc.name, func(t *testing.T) { require.ErrorIs(t, tc.err, tokenstore.ErrInvalidSession) })
	}
	_, err := st.Load(ctx, "two")
	require.ErrorIs(t, err, tokenstore.ErrNotFound, "nothing was written")
}

// testConcurrentCompareAndSave races writers that all read the same
// session and write their own refresh of it: exactly one wins each
// round, and the store holds the winner's session.
func testConcurrentCompareAndSave(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	const writers, rounds = 16, 5
	require.NoError(t, st.Save(ctx, Sample("race-cas")))
	for round := range rounds {
		base, err := st.Load(ctx, "race-cas")
		require.NoError(t, err)
		var wins, conflicts atomic.Int32
		var winner atomic.Pointer[client.Session]
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				mine := rotated(base, fmt.Sprintf("w%d-%d", round, w))
				err := st.CompareAndSave(ctx, base, mine)
				switch {
				case err == nil:
					wins.Add(1)
					winner.Store(mine)
				case assert.ErrorIs(t, err, tokenstore.ErrConflict):
					conflicts.Add(1)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), wins.Load(), "round %d: exactly one writer wins", round)
		require.Equal(t, int32(writers-1), conflicts.Load())
		got, err := st.Load(ctx, "race-cas")
		require.NoError(t, err)
		require.True(t, tokenstore.SameSession(winner.Load(), got), "round %d: the winner's session is stored", round)
	}
	// Deleters race the same way.
	base, err := st.Load(ctx, "race-cas")
	require.NoError(t, err)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			if err := st.CompareAndDelete(ctx, base); err == nil {
				wins.Add(1)
			} else {
				assert.ErrorIs(t, err, tokenstore.ErrConflict)
			}
		})
	}
	wg.Wait()
	require.Equal(t, int32(1), wins.Load())
}

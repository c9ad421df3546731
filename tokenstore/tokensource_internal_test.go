package tokenstore

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// TestTokenSourceMonotonicFastPath: with the default clock, the fast
// path reads the monotonic clock only; the wall clock is read again once
// the monotonic deadline (at most recheckEvery) has passed, which is how
// a machine that was suspended (its monotonic clock stopped, the wall
// clock did not) notices an expiry. Monotonic time is simulated by moving
// TokenSource.base back; the wall clock by a counting clock.
func TestTokenSourceMonotonicFastPath(t *testing.T) {
	st := NewMemory()
	wall := time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC)
	var off atomic.Int64
	var wallReads atomic.Int32
	now := func() time.Time {
		wallReads.Add(1)
		return wall.Add(time.Duration(off.Load()))
	}
	s := &client.Session{ID: "m", Provider: "generic", AccessToken: "at-1", TokenType: "Bearer",
		IssuedAt: wall.Add(-time.Hour), Expiry: wall.Add(time.Hour)}
	require.NoError(t, st.Save(context.Background(), s))
	// Never called: the session has no refresh token, so the client
	// refuses to refresh it before sending anything.
	c, err := client.New(client.Config{Provider: providers.Generic("http://127.0.0.1:1"), ClientID: "id"})
	require.NoError(t, err)
	ts := NewTokenSource(st, c, "m")
	ts.cfg.now = now // the default clock's path (cfg.custom stays false), counted

	tok, err := ts.Token()
	require.NoError(t, err)
	require.Equal(t, "at-1", tok.AccessToken)

	wallReads.Store(0)
	for range 100 {
		again, err := ts.Token()
		require.NoError(t, err)
		require.Same(t, tok, again)
	}
	require.Zero(t, wallReads.Load(), "the fast path must not read the wall clock")

	// The monotonic deadline passes (recheckEvery), the wall clock says
	// the session is still fresh: re-armed after one wall-clock check.
	ts.base = ts.base.Add(-2 * recheckEvery)
	again, err := ts.Token()
	require.NoError(t, err)
	require.Same(t, tok, again)
	require.NotZero(t, wallReads.Load(), "past the monotonic deadline the wall clock is checked")
	wallReads.Store(0)
	_, err = ts.Token()
	require.NoError(t, err)
	require.Zero(t, wallReads.Load(), "re-armed: the fast path again")

	// Suspended for two hours: the monotonic clock moved a second, the
	// wall clock two hours. The session is due; the refresh is attempted
	// (and fails: this session has no refresh token).
	off.Store(int64(2 * time.Hour))
	ts.base = ts.base.Add(-2 * recheckEvery)
	_, err = ts.Token()
	require.ErrorIs(t, err, client.ErrReauthorize, "the expiry is noticed after the monotonic recheck")
}

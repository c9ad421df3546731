package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

// TestHolderPausedAfterSending: holder A sends the refresh, then loses
// its lease before it can save (paused past it). B takes the lock and
// sends the same refresh token, which the provider refuses: that
// refusal only means A used it, so B keeps the session
// (ErrRenewalInDoubt) instead of deleting it, and C, coming later, sends
// nothing. When A comes back its compare-and-set save succeeds: no
// session is lost, and the store holds A's live session.
func TestHolderPausedAfterSending(t *testing.T) {
	t.Parallel()
	rdb := setup(t)
	ctx := context.Background()
	st := newStore(t, rdb)
	g := providertest.NewGeneric(providertest.WithTokenLifetime(time.Hour))
	t.Cleanup(g.Close)
	var off time.Duration
	now := func() time.Time { return time.Now().Add(off) }
	c, err := client.New(client.Config{Provider: providers.Generic(g.URL), ClientID: g.ClientID, ClientSecret: g.ClientSecret}, client.WithClock(now))
	require.NoError(t, err)
	first, err := c.ExchangeCode(ctx, g.IssueCode(""), client.WithSessionID("paused"))
	require.NoError(t, err)
	require.NoError(t, st.Save(ctx, first))
	off = 2 * time.Hour // due

	newRefresher := func(renew tokenstore.Renewal) *tokenstore.Refresher {
		r, err := tokenstore.NewRefresher(st, renew, tokenstore.WithRefresherClock(now))
		require.NoError(t, err)
		return r
	}
	b := newRefresher(tokenstore.RefreshWith(c))
	cr := newRefresher(tokenstore.RefreshWith(c))
	var errB, errC error
	a := newRefresher(func(ctx context.Context, s *client.Session) (*client.Session, error) {
		ns, err := c.Refresh(ctx, s) // sent and rotated by the provider
		require.NoError(t, err)
		// A pauses past its lease: the lock expires.
		keys, err := st.Keys(ctx)
		require.NoError(t, err)
		for _, k := range keys {
			if strings.HasSuffix(k, "lock:paused") {
				require.NoError(t, rdb.Del(ctx, k).Err())
			}
		}
		_, errB = b.Renew(ctx, "paused")
		_, errC = cr.Renew(ctx, "paused")
		return ns, nil
	})
	got, err := a.Renew(ctx, "paused")
	require.NoError(t, err, "A's save based on the session it read succeeds")
	require.ErrorIs(t, errB, tokenstore.ErrRenewalInDoubt, "B keeps the session")
	require.NotErrorIs(t, errB, client.ErrReauthorize)
	require.ErrorIs(t, errC, tokenstore.ErrRenewalInDoubt)
	stored, err := st.Load(ctx, "paused")
	require.NoError(t, err, "no session lost")
	require.True(t, tokenstore.SameSession(got, stored))
	require.True(t, g.AccessTokenValid(stored.AccessToken))
	stats := g.Stats()
	require.Equal(t, 1, stats.Refreshes)
	require.Equal(t, 1, stats.ReusedRefreshTokens, "B's resend, which a holder paused after sending makes unavoidable")
	require.Equal(t, 1, stats.Rejected, "C sent nothing")
	again, err := b.Renew(ctx, "paused")
	require.NoError(t, err, "once A saved, B adopts its session")
	require.True(t, tokenstore.SameSession(stored, again))
}

// TestDeadGrantStillDeletes: without an earlier unfinished send, a
// refused grant deletes the session as before.
func TestDeadGrantStillDeletes(t *testing.T) {
	t.Parallel()
	rdb := setup(t)
	ctx := context.Background()
	st := newStore(t, rdb)
	dead := &client.Session{ID: "dead", Provider: "generic", AccessToken: "at-dead", RefreshToken: "rt-sentinel-dead",
		TokenType: "Bearer", Expiry: time.Now().Add(-time.Minute)}
	require.NoError(t, st.Save(ctx, dead))
	r, err := tokenstore.NewRefresher(st, func(context.Context, *client.Session) (*client.Session, error) {
		return nil, &client.Error{Kind: client.ErrReauthorize, Code: "invalid_grant"}
	})
	require.NoError(t, err)
	_, err = r.Renew(ctx, "dead")
	require.ErrorIs(t, err, client.ErrReauthorize)
	_, err = st.Load(ctx, "dead")
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
}

package tokenstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// clock is a controllable clock: real time plus an offset.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

type fixture struct {
	g      *providertest.Generic
	c      *client.Client
	st     tokenstore.Store
	clk    *clock
	first  *client.Session
	ctx    context.Context
	server func() providertest.GenericStats
}

// setup starts a generic fake (one-hour tokens, single-use refresh
// tokens), logs in once and saves the session as "s".
func setup(t testing.TB, st tokenstore.Store) *fixture {
	t.Helper()
	g := providertest.NewGeneric()
	t.Cleanup(g.Close)
	clk := &clock{}
	c, err := client.New(client.Config{Provider: providers.Generic(g.URL), ClientID: g.ClientID, ClientSecret: g.ClientSecret},
		client.WithClock(clk.now))
	require.NoError(t, err)
	ctx := context.Background()
	s, err := c.ExchangeCode(ctx, g.IssueCode(""), client.WithSessionID("s"))
	require.NoError(t, err)
	require.Equal(t, "s", s.ID)
	require.NoError(t, st.Save(ctx, s))
	return &fixture{g: g, c: c, st: st, clk: clk, first: s, ctx: ctx, server: g.Stats}
}

func (f *fixture) source(opts ...tokenstore.TokenSourceOption) *tokenstore.TokenSource {
	return tokenstore.NewTokenSource(f.st, f.c, "s", append([]tokenstore.TokenSourceOption{tokenstore.WithClock(f.clk.now)}, opts...)...)
}

func TestTokenSourceCachesValidToken(t *testing.T) {
	t.Parallel()
	f := setup(t, tokenstore.NewMemory())
	ts := f.source()
	var _ oauth2.TokenSource = ts
	tok, err := ts.Token()
	require.NoError(t, err)
	require.Equal(t, f.first.AccessToken, tok.AccessToken)
	require.Equal(t, "Bearer", tok.TokenType)
	require.True(t, f.first.Expiry.Equal(tok.Expiry))
	again, err := ts.Token()
	require.NoError(t, err)
	require.Same(t, tok, again, "the cached token is handed out as is")
	require.Equal(t, 0, f.server().Refreshes)
	require.True(t, f.g.AccessTokenValid(tok.AccessToken))
}

func TestTokenSourceRefreshesNearExpiry(t *testing.T) {
	t.Parallel()
	f := setup(t, tokenstore.NewMemory())
	var hooked []*client.Session
	ts := f.source(tokenstore.WithEarlyExpiry(time.Minute), tokenstore.WithAfterRefresh(func(_ context.Context, s *client.Session) {
		hooked = append(hooked, s)
	}))
	_, err := ts.Token()
	require.NoError(t, err)

	f.clk.advance(58 * time.Minute) // still two minutes to go
	tok, err := ts.Token()
	require.NoError(t, err)
	require.Equal(t, f.first.AccessToken, tok.AccessToken)
	require.Equal(t, 0, f.server().Refreshes)

	f.clk.advance(90 * time.Second) // 30 s left: inside the margin
	tok, err = ts.Token()
	require.NoError(t, err)
	require.NotEqual(t, f.first.AccessToken, tok.AccessToken)
	require.Equal(t, 1, f.server().Refreshes)
	require.True(t, f.g.AccessTokenValid(tok.AccessToken))

	stored, err := f.st.Load(f.ctx, "s")
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, stored.AccessToken, "saved before being handed out")
	require.NotEqual(t, f.first.RefreshToken, stored.RefreshToken, "the rotated refresh token is stored")
	require.Len(t, hooked, 1)
	require.Equal(t, stored.AccessToken, hooked[0].AccessToken)
	require.Equal(t, "s", hooked[0].ID)

	sess, err := ts.Session(f.ctx)
	require.NoError(t, err)
	require.Equal(t, stored.RefreshToken, sess.RefreshToken)
	sess.AccessToken = "mutated"
	tok2, err := ts.Token()
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, tok2.AccessToken, "Session returns a copy")
}

func TestTokenSourceSingleRefreshUnderConcurrency(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		sources int
	}{
		{"OneSource", 1},
		{"ManySourcesSameStore", 8}, // as if several processes shared the store
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tokenstore.NewMemory())
			var refreshed atomic.Int32
			sources := make([]*tokenstore.TokenSource, tc.sources)
			for i := range sources {
				sources[i] = f.source(tokenstore.WithAfterRefresh(func(context.Context, *client.Session) { refreshed.Add(1) }))
			}
			for round := 1; round <= 3; round++ {
				f.clk.advance(time.Hour)
				var wg sync.WaitGroup
				seen := sync.Map{}
				for i := range 64 {
					wg.Go(func() {
						tok, err := sources[i%len(sources)].Token()
						if assert.NoError(t, err) {
							seen.Store(tok.AccessToken, true)
						}
					})
				}
				wg.Wait()
				n := 0
				seen.Range(func(k, _ any) bool { n++; return true })
				require.Equal(t, 1, n, "round %d: every goroutine gets the same new token", round)
				st := f.server()
				require.Equal(t, round, st.Refreshes, "round %d: exactly one refresh", round)
				require.Zero(t, st.ReusedRefreshTokens)
				require.Zero(t, st.Rejected)
			}
			require.Equal(t, int32(3), refreshed.Load())
		})
	}
}

func TestTokenSourceNeverExpiring(t *testing.T) {
	t.Parallel()
	st := tokenstore.NewMemory()
	f := setup(t, st)
	s := f.first.Clone()
	s.Expiry = time.Time{} // Finch-style
	require.NoError(t, st.Save(f.ctx, s))
	ts := f.source()
	f.clk.advance(100 * 365 * 24 * time.Hour)
	for range 3 {
		tok, err := ts.Token()
		require.NoError(t, err)
		require.Equal(t, s.AccessToken, tok.AccessToken)
		require.True(t, tok.Expiry.IsZero())
	}
	require.Equal(t, 0, f.server().Refreshes)
	require.Equal(t, 1, f.server().Requests, "only the initial code exchange")
}

func TestTokenSourceReauthorizeDeletesSession(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(s *client.Session)
		sent   bool
	}{
		{"RejectedRefreshToken", func(s *client.Session) { s.RefreshToken = "rt-sentinel-unknown" }, true},
		{"NoRefreshToken", func(s *client.Session) { s.RefreshToken = "" }, false},
		{"RefreshTokenExpired", func(s *client.Session) { s.RefreshExpiry = s.IssuedAt.Add(time.Minute) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, tokenstore.NewMemory())
			s := f.first.Clone()
			tc.mutate(s)
			require.NoError(t, f.st.Save(f.ctx, s))
			ts := f.source()
			f.clk.advance(2 * time.Hour)
			tok, err := ts.Token()
			require.Nil(t, tok)
			require.ErrorIs(t, err, client.ErrReauthorize)
			var ce *client.Error
			require.ErrorAs(t, err, &ce)
			for _, verb := range []string{"%v", "%+v", "%#v"} {
				msg := fmt.Sprintf(verb, err)
				require.NotContains(t, msg, "sentinel")
				require.NotContains(t, msg, f.first.RefreshToken)
				require.NotContains(t, msg, f.first.AccessToken)
			}
			_, err = f.st.Load(f.ctx, "s")
			require.ErrorIs(t, err, tokenstore.ErrNotFound, "a dead session is deleted")
			_, err = ts.Token()
			require.ErrorIs(t, err, tokenstore.ErrNotFound)
			if tc.sent {
				require.Equal(t, 1, f.server().Rejected)
			} else {
				require.Equal(t, 1, f.server().Requests, "nothing sent for a session that cannot refresh")
			}
		})
	}
}

func TestTokenSourceTransientFailureKeepsSession(t *testing.T) {
	t.Parallel()
	f := setup(t, tokenstore.NewMemory())
	f.g.Fail(providertest.ServerError(502))
	ts := f.source()
	f.clk.advance(2 * time.Hour)
	_, err := ts.Token()
	require.ErrorIs(t, err, client.ErrTransient)
	stored, err := f.st.Load(f.ctx, "s")
	require.NoError(t, err)
	require.Equal(t, f.first.RefreshToken, stored.RefreshToken, "the session is kept")
	tok, err := ts.Token()
	require.NoError(t, err, "the next call refreshes")
	require.True(t, f.g.AccessTokenValid(tok.AccessToken))
}

// TestTokenSourceSaveFailureKeepsHandingOut: the store refuses the
// refreshed session twice. Token keeps handing out the live token, the
// save is retried a second later (on the TokenSource's clock), the spent
// refresh token is never sent again, and the session ends up saved.
func TestTokenSourceSaveFailureKeepsHandingOut(t *testing.T) {
	t.Parallel()
	st := &storetest.FlakyStore{Store: tokenstore.NewMemory()}
	f := setup(t, st)
	ts := f.source()
	f.clk.advance(2 * time.Hour)
	st.FailWrites.Store(2)
	tok, err := ts.Token()
	require.NoError(t, err, "the live token is handed out although its save failed")
	require.NotEqual(t, f.first.AccessToken, tok.AccessToken)
	require.True(t, f.g.AccessTokenValid(tok.AccessToken))
	var se *tokenstore.SaveError
	require.ErrorAs(t, ts.Unsaved(), &se)
	require.Equal(t, tok.AccessToken, se.Session.AccessToken, "the unsaved session is the one handed out")
	for _, verb := range []string{"%v", "%+v", "%s"} {
		msg := fmt.Sprintf(verb, ts.Unsaved())
		require.NotContains(t, msg, se.Session.RefreshToken)
		require.NotContains(t, msg, se.Session.AccessToken)
	}
	again, err := ts.Token()
	require.NoError(t, err)
	require.Same(t, tok, again, "within the retry interval: the cached token, no store call")
	require.Equal(t, int32(1), st.FailWrites.Load())

	f.clk.advance(1500 * time.Millisecond) // the retry fails too
	again, err = ts.Token()
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, again.AccessToken)
	require.Error(t, ts.Unsaved())
	stored, err := st.Load(f.ctx, "s")
	require.NoError(t, err)
	require.Equal(t, f.first.AccessToken, stored.AccessToken, "not saved yet")

	f.clk.advance(1500 * time.Millisecond) // the store is back
	again, err = ts.Token()
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, again.AccessToken)
	require.NoError(t, ts.Unsaved())
	stored, err = st.Load(f.ctx, "s")
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, stored.AccessToken, "saved later")
	stats := f.server()
	require.Equal(t, 1, stats.Refreshes)
	require.Zero(t, stats.ReusedRefreshTokens, "the spent refresh token was never sent again")
	require.Zero(t, stats.Rejected)
}

func TestTokenSourceSeesOtherRefresher(t *testing.T) {
	t.Parallel()
	f := setup(t, tokenstore.NewMemory())
	a, b := f.source(), f.source()
	ta, err := a.Token()
	require.NoError(t, err)
	tb, err := b.Token()
	require.NoError(t, err)
	require.Equal(t, ta.AccessToken, tb.AccessToken)
	f.clk.advance(time.Hour)
	ta, err = a.Token()
	require.NoError(t, err)
	tb, err = b.Token()
	require.NoError(t, err)
	require.Equal(t, ta.AccessToken, tb.AccessToken, "b reads a's refresh from the store")
	require.Equal(t, 1, f.server().Refreshes)
}

func TestTokenSourceMissingSession(t *testing.T) {
	t.Parallel()
	f := setup(t, tokenstore.NewMemory())
	ts := tokenstore.NewTokenSource(f.st, f.c, "nobody")
	_, err := ts.Token()
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
	_, err = ts.Session(f.ctx)
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
}

func TestTokenSourceShortLivedTokens(t *testing.T) {
	t.Parallel()
	// A 10 s token with the default one-minute margin must not be
	// refreshed on every call: the margin shrinks to half the lifetime.
	f := setup(t, tokenstore.NewMemory())
	s := f.first.Clone()
	s.Expiry = s.IssuedAt.Add(10 * time.Second)
	require.NoError(t, f.st.Save(f.ctx, s))
	f.clk.off.Store(int64(time.Until(s.IssuedAt) + 2*time.Second))
	ts := f.source()
	for range 5 {
		_, err := ts.Token()
		require.NoError(t, err)
	}
	require.Equal(t, 0, f.server().Refreshes)
	f.clk.advance(4 * time.Second) // 6 s in: past half its life
	_, err := ts.Token()
	require.NoError(t, err)
	require.Equal(t, 1, f.server().Refreshes)
}

func TestTokenSourceFastPathAllocs(t *testing.T) {
	f := setup(t, tokenstore.NewMemory())
	ts := tokenstore.NewTokenSource(f.st, f.c, "s")
	_, err := ts.Token()
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := ts.Token(); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}

func TestTokenSourceLockTimeout(t *testing.T) {
	t.Parallel()
	f := setup(t, tokenstore.NewMemory())
	unlock, err := f.st.Lock(f.ctx, "s")
	require.NoError(t, err)
	defer func() { _ = unlock() }()
	ts := f.source()
	f.clk.advance(2 * time.Hour)
	ctx, cancel := context.WithTimeout(f.ctx, 100*time.Millisecond)
	defer cancel()
	_, err = ts.Session(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, 0, f.server().Refreshes)
}

func TestTokenSourceReauthorizeKeepsReplacedSession(t *testing.T) {
	t.Parallel()
	f := setup(t, tokenstore.NewMemory())
	dead := f.first.Clone()
	dead.RefreshToken = "rt-sentinel-revoked"
	require.NoError(t, f.st.Save(f.ctx, dead))
	// The user logs in again while the doomed refresh is in flight.
	f.g.Fail(providertest.Slow(300 * time.Millisecond))
	ts := f.source()
	f.clk.advance(2 * time.Hour)
	type res struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan res, 1)
	go func() {
		tok, err := ts.Token()
		done <- res{tok, err}
	}()
	time.Sleep(100 * time.Millisecond)
	fresh, err := f.c.ExchangeCode(f.ctx, f.g.IssueCode(""), client.WithSessionID("s"))
	require.NoError(t, err)
	require.NoError(t, f.st.Save(f.ctx, fresh))
	r := <-done
	require.NoError(t, r.err)
	require.Equal(t, fresh.AccessToken, r.tok.AccessToken)
	stored, err := f.st.Load(f.ctx, "s")
	require.NoError(t, err, "the new login must not be deleted")
	require.Equal(t, fresh.RefreshToken, stored.RefreshToken)
	require.Equal(t, 1, f.server().Rejected)
}

package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

// FlakyStore wraps a Store and fails its writes on demand, for tests of
// what a refresher does when the store does not accept a session.
type FlakyStore struct {
	tokenstore.Store
	// FailWrites is how many of the next writes (Save, CompareAndSave)
	// fail with ErrFlaky; each failure counts it down.
	FailWrites atomic.Int32
}

// ErrFlaky is the error of a write FlakyStore failed on purpose.
var ErrFlaky = errors.New("storetest: write failed on purpose")

func (f *FlakyStore) fail() bool {
	for {
		n := f.FailWrites.Load()
		if n <= 0 {
			return false
		}
		if f.FailWrites.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// Save implements tokenstore.Store, failing on demand.
func (f *FlakyStore) Save(ctx context.Context, s *client.Session) error {
	if f.fail() {
		return ErrFlaky
	}
	return f.Store.Save(ctx, s)
}

// CompareAndSave implements tokenstore.Store, failing on demand.
func (f *FlakyStore) CompareAndSave(ctx context.Context, old, s *client.Session) error {
	if f.fail() {
		return ErrFlaky
	}
	return f.Store.CompareAndSave(ctx, old, s)
}

// refreshFixture is a generic fake with one-hour tokens and single-use
// refresh tokens, a client on a controllable clock, and the session "r"
// stored in st.
type refreshFixture struct {
	g     *providertest.Generic
	c     *client.Client
	st    tokenstore.Store
	off   atomic.Int64
	first *client.Session
	id    string
}

func (f *refreshFixture) now() time.Time                   { return time.Now().Add(time.Duration(f.off.Load())) }
func (f *refreshFixture) expire()                          { f.off.Add(int64(2 * time.Hour)) }
func (f *refreshFixture) stats() providertest.GenericStats { return f.g.Stats() }

func newRefreshFixture(t *testing.T, st tokenstore.Store) *refreshFixture {
	t.Helper()
	g := providertest.NewGeneric(providertest.WithTokenLifetime(time.Hour))
	t.Cleanup(g.Close)
	f := &refreshFixture{g: g, st: st, id: fmt.Sprintf("refresh:%s", t.Name())}
	c, err := client.New(client.Config{Provider: providers.Generic(g.URL), ClientID: g.ClientID, ClientSecret: g.ClientSecret},
		client.WithClock(f.now))
	require.NoError(t, err)
	f.c = c
	f.first = f.login(t)
	require.NoError(t, st.Save(ctxT(t), f.first))
	return f
}

// login makes a new session of the fixture's ID, as a user logging in
// again does.
func (f *refreshFixture) login(t testing.TB) *client.Session {
	s, err := f.c.ExchangeCode(context.Background(), f.g.IssueCode(""), client.WithSessionID(f.id))
	require.NoError(t, err)
	return s
}

func (f *refreshFixture) refresher(t *testing.T, renew tokenstore.Renewal, opts ...tokenstore.RefresherOption) *tokenstore.Refresher {
	t.Helper()
	if renew == nil {
		renew = tokenstore.RefreshWith(f.c)
	}
	r, err := tokenstore.NewRefresher(f.st, renew, append([]tokenstore.RefresherOption{tokenstore.WithRefresherClock(f.now)}, opts...)...)
	require.NoError(t, err)
	return r
}

// renewWhileLoggingIn expires the session and renews it while the user
// logs in again (another process saves a new session) during the
// refresh; it returns Renew's result and the login.
func (f *refreshFixture) renewWhileLoggingIn(t *testing.T) (*client.Session, *client.Session, error) {
	t.Helper()
	var login *client.Session
	r := f.refresher(t, func(ctx context.Context, s *client.Session) (*client.Session, error) {
		login = f.login(t)
		require.NoError(t, f.st.Save(ctx, login))
		return f.c.Refresh(ctx, s)
	})
	f.expire()
	got, err := r.Renew(ctxT(t), f.id)
	return got, login, err
}

// saveDeadGrant stores the session with a refresh token the fake
// does not know, which it refuses as a dead grant (invalid_token).
func (f *refreshFixture) saveDeadGrant(t *testing.T) {
	t.Helper()
	dead := f.first.Clone()
	dead.RefreshToken = "rt-sentinel-revoked"
	require.NoError(t, f.st.Save(ctxT(t), dead))
}

func (f *refreshFixture) stored(t *testing.T) *client.Session {
	t.Helper()
	s, err := f.st.Load(ctxT(t), f.id)
	require.NoError(t, err)
	return s
}

// RunRefresh runs the refresh-protocol suite (tokenstore.Refresher) on
// stores newStore returns (as for Run): a login saved while a refresh is
// in flight survives, a dead grant deletes only the session it refreshed,
// a failed save loses nothing, and concurrent refreshers of one session
// make one refresh.
func RunRefresh(t *testing.T, newStore func(t *testing.T) tokenstore.Store) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, st tokenstore.Store)
	}{
		{"LoginDuringRefresh", testLoginDuringRefresh},
		{"DeadGrantAfterReplace", testDeadGrantAfterReplace},
		{"DeadGrantDeletes", testDeadGrantDeletes},
		{"SaveFailsOnce", func(t *testing.T, st tokenstore.Store) { testSaveFails(t, st, 1) }},
		{"SaveFailsTwice", func(t *testing.T, st tokenstore.Store) { testSaveFails(t, st, 2) }},
		{"SaveFailsUntilNextExpiry", testSaveFailsUntilNextExpiry},
		{"ConcurrentRefreshers", testConcurrentRefreshers},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

func testLoginDuringRefresh(t *testing.T, st tokenstore.Store) {
	f := newRefreshFixture(t, st)
	got, login, err := f.renewWhileLoggingIn(t)
	require.NoError(t, err)
	require.True(t, tokenstore.SameSession(login, got), "the refresher adopts the login")
	require.True(t, tokenstore.SameSession(login, f.stored(t)), "the login saved during the refresh is not overwritten")
	require.Equal(t, 1, f.stats().Refreshes)
}

func testDeadGrantAfterReplace(t *testing.T, st tokenstore.Store) {
	f := newRefreshFixture(t, st)
	f.saveDeadGrant(t)
	got, login, err := f.renewWhileLoggingIn(t)
	require.NoError(t, err, "the replacement is fresh: handed out")
	require.True(t, tokenstore.SameSession(login, got))
	require.True(t, tokenstore.SameSession(login, f.stored(t)), "a dead grant never deletes a session that replaced it")
	require.Equal(t, 1, f.stats().Rejected)
}

func testDeadGrantDeletes(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	f := newRefreshFixture(t, st)
	f.saveDeadGrant(t)
	r := f.refresher(t, nil)
	f.expire()
	_, err := r.Renew(ctx, f.id)
	require.ErrorIs(t, err, client.ErrReauthorize)
	require.NotContains(t, fmt.Sprintf("%v %+v", err, err), "sentinel")
	_, err = st.Load(ctx, f.id)
	require.ErrorIs(t, err, tokenstore.ErrNotFound, "the dead session is deleted")
}

// testSaveFails: the store refuses the first n saves of a refreshed
// session. Nothing is lost: the live tokens are returned each time, the
// spent refresh token is never sent again, and the session is saved once
// the store accepts it.
func testSaveFails(t *testing.T, inner tokenstore.Store, n int32) {
	ctx := ctxT(t)
	st := &FlakyStore{Store: inner}
	f := newRefreshFixture(t, st)
	r := f.refresher(t, nil)
	f.expire()
	st.FailWrites.Store(n)
	var live *client.Session
	for i := range n {
		got, err := r.Renew(ctx, f.id)
		var se *tokenstore.SaveError
		require.ErrorAs(t, err, &se, "attempt %d", i)
		require.ErrorIs(t, err, ErrFlaky)
		require.NotNil(t, got, "the live session is returned with the error")
		if live == nil {
			live = got
		}
		require.True(t, tokenstore.SameSession(live, got), "attempt %d: the same live session", i)
		require.True(t, f.g.AccessTokenValid(got.AccessToken))
		require.NotContains(t, err.Error(), got.RefreshToken)
		require.NotContains(t, err.Error(), got.AccessToken)
		require.True(t, tokenstore.SameSession(f.first, f.stored(t)), "not saved yet")
		require.Error(t, r.Unsaved(f.id))
	}
	got, err := r.Renew(ctx, f.id)
	require.NoError(t, err)
	require.True(t, tokenstore.SameSession(live, got))
	require.True(t, tokenstore.SameSession(live, f.stored(t)), "saved once the store accepts it")
	require.NoError(t, r.Unsaved(f.id))
	st1 := f.stats()
	require.Equal(t, 1, st1.Refreshes)
	require.Zero(t, st1.ReusedRefreshTokens, "the spent refresh token is never sent again")
	require.Zero(t, st1.Rejected)

	f.expire() // the saved session refreshes normally
	got, err = r.Renew(ctx, f.id)
	require.NoError(t, err)
	require.False(t, tokenstore.SameSession(live, got))
	require.True(t, tokenstore.SameSession(got, f.stored(t)))
	require.Equal(t, 2, f.stats().Refreshes)
	require.Zero(t, f.stats().ReusedRefreshTokens)
}

// testSaveFailsUntilNextExpiry: the store stays down past the refreshed
// session's own expiry. The unsaved session is the one refreshed, never
// the stored one, and the newest is saved when the store comes back.
func testSaveFailsUntilNextExpiry(t *testing.T, inner tokenstore.Store) {
	ctx := ctxT(t)
	st := &FlakyStore{Store: inner}
	f := newRefreshFixture(t, st)
	r := f.refresher(t, nil)
	f.expire()
	st.FailWrites.Store(1 << 20)
	first, err := r.Renew(ctx, f.id)
	require.ErrorIs(t, err, ErrFlaky)
	f.expire()
	second, err := r.Renew(ctx, f.id)
	require.ErrorIs(t, err, ErrFlaky)
	require.False(t, tokenstore.SameSession(first, second), "refreshed again from the unsaved session")
	require.Zero(t, f.stats().ReusedRefreshTokens, "the stored session's spent refresh token was not sent")
	require.Zero(t, f.stats().Rejected)
	require.True(t, tokenstore.SameSession(f.first, f.stored(t)))
	st.FailWrites.Store(0)
	got, err := r.Renew(ctx, f.id)
	require.NoError(t, err)
	require.True(t, tokenstore.SameSession(second, got))
	require.True(t, tokenstore.SameSession(second, f.stored(t)), "the newest live session is stored")
	require.Equal(t, 2, f.stats().Refreshes)
}

func testConcurrentRefreshers(t *testing.T, st tokenstore.Store) {
	ctx := ctxT(t)
	f := newRefreshFixture(t, st)
	var renewed atomic.Int32
	rs := make([]*tokenstore.Refresher, 4) // as if four processes shared the store
	for i := range rs {
		rs[i] = f.refresher(t, nil, tokenstore.WithRenewed(func(context.Context, *client.Session) { renewed.Add(1) }))
	}
	for round := 1; round <= 2; round++ {
		f.expire()
		var wg sync.WaitGroup
		var seen sync.Map
		for i := range 32 {
			wg.Go(func() {
				s, err := rs[i%len(rs)].Renew(ctx, f.id)
				if assert.NoError(t, err) {
					seen.Store(s.AccessToken, true)
				}
			})
		}
		wg.Wait()
		n := 0
		seen.Range(func(any, any) bool { n++; return true })
		require.Equal(t, 1, n, "round %d: everyone gets the one new session", round)
		require.Equal(t, round, f.stats().Refreshes, "round %d: one refresh", round)
	}
	require.Equal(t, int32(2), renewed.Load())
	require.Zero(t, f.stats().ReusedRefreshTokens)
}

package tokenstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// losingStore is a Memory store whose leases report themselves lost, as
// a Redis lease does after its holder was paused past it.
type losingStore struct{ *tokenstore.Memory }

type lostLease struct{ tokenstore.Lease }

func (lostLease) Held(context.Context) error { return tokenstore.ErrLockLost }

func (s losingStore) LockLease(ctx context.Context, id string) (tokenstore.Lease, error) {
	l, err := tokenstore.AcquireLease(ctx, s.Memory, id)
	if err != nil {
		return nil, err
	}
	return lostLease{l}, nil
}

func TestRefresherSendsNothingWithoutTheLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := losingStore{tokenstore.NewMemory()}
	s := storetest.Sample("lost")
	s.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, st.Save(ctx, s))
	var sent atomic.Int32
	r, err := tokenstore.NewRefresher(st, func(context.Context, *client.Session) (*client.Session, error) {
		sent.Add(1)
		return nil, errors.New("must not be called")
	})
	require.NoError(t, err)
	_, err = r.Renew(ctx, "lost")
	require.ErrorIs(t, err, tokenstore.ErrLockLost)
	require.Zero(t, sent.Load(), "a holder that lost its lock sends no refresh")
	got, err := st.Load(ctx, "lost")
	require.NoError(t, err)
	require.True(t, tokenstore.SameSession(s, got))
}

func TestNewRefresherRejectsBadOptions(t *testing.T) {
	t.Parallel()
	renew := func(context.Context, *client.Session) (*client.Session, error) { return nil, nil }
	st := tokenstore.NewMemory()
	for _, tc := range []struct {
		name  string
		st    tokenstore.Store
		renew tokenstore.Renewal
		opt   tokenstore.RefresherOption
	}{
		{"NilStore", nil, renew, nil},
		{"NilRenewal", st, nil, nil},
		{"NilFreshness", st, renew, tokenstore.WithFreshness(nil)},
		{"NilClock", st, renew, tokenstore.WithRefresherClock(nil)},
		{"NilHook", st, renew, tokenstore.WithRenewed(nil)},
		{"ZeroPoll", st, renew, tokenstore.WithPollInterval(0, time.Second)},
		{"PollMaxBelowMin", st, renew, tokenstore.WithPollInterval(time.Second, time.Millisecond)},
		{"NegativeReplays", st, renew, tokenstore.WithReplaySafe(-1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tokenstore.NewRefresher(tc.st, tc.renew, tc.opt)
			require.ErrorIs(t, err, client.ErrInvalidRequest)
		})
	}
	r, err := tokenstore.NewRefresher(st, renew, nil)
	require.NoError(t, err, "a nil option is skipped")
	require.Same(t, st, r.Store())
}

func TestRefresherReplaySafe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := tokenstore.NewMemory()
	s := storetest.Sample("replay")
	s.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, st.Save(ctx, s))
	var calls atomic.Int32
	renew := func(_ context.Context, from *client.Session) (*client.Session, error) {
		if calls.Add(1) == 1 {
			return nil, &client.Error{Kind: client.ErrTransient, StatusCode: 502, MaybeConsumed: true}
		}
		require.Equal(t, s.RefreshToken, from.RefreshToken, "resent with the same grant")
		n := from.Clone()
		n.AccessToken, n.RefreshToken, n.Expiry = "at-new", "rt-new", time.Now().Add(time.Hour)
		return n, nil
	}
	for _, tc := range []struct {
		name    string
		replays int
		calls   int32
		ok      bool
	}{
		{"NotReplaySafe", 0, 1, false},
		{"ReplaySafe", 1, 2, true},
	} {
		calls.Store(0)
		r, err := tokenstore.NewRefresher(st, renew, tokenstore.WithReplaySafe(tc.replays))
		require.NoError(t, err)
		got, err := r.Renew(ctx, "replay")
		require.Equal(t, tc.calls, calls.Load(), tc.name)
		if !tc.ok {
			require.ErrorIs(t, err, client.ErrTransient, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		require.Equal(t, "at-new", got.AccessToken)
	}
}

// refusingStore is a Memory store whose compare-and-set saves fail, as
// a store that is briefly away does.
type refusingStore struct{ *tokenstore.Memory }

func (refusingStore) CompareAndSave(context.Context, *client.Session, *client.Session) error {
	return errors.New("store away")
}

func TestRefresherLeaderGetsItsOwnCopyOfAnUnsavedSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := refusingStore{tokenstore.NewMemory()}
	s := storetest.Sample("unsaved")
	s.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, st.Save(ctx, s))
	r, err := tokenstore.NewRefresher(st, func(_ context.Context, from *client.Session) (*client.Session, error) {
		n := from.Clone()
		n.AccessToken, n.RefreshToken, n.Expiry = "at-new", "rt-new", time.Now().Add(time.Hour)
		return n, nil
	})
	require.NoError(t, err)
	got, err := r.Renew(ctx, "unsaved")
	var se *tokenstore.SaveError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "rt-new", got.RefreshToken)
	got.RefreshToken = "changed by the caller"
	se.Session.RefreshToken = "changed through the error"
	require.ErrorAs(t, r.Unsaved("unsaved"), &se)
	require.Equal(t, "rt-new", se.Session.RefreshToken, "the kept session is not the caller's")
}

// staleWriterStore is a Memory store where, each time a renewal is about
// to be saved, another writer has just stored a session that is not
// fresh either: every compare-and-set conflicts and the adopted session
// is stale.
type staleWriterStore struct {
	*tokenstore.Memory
	writes atomic.Int32
}

func (s *staleWriterStore) CompareAndSave(ctx context.Context, old, n *client.Session) error {
	other := old.Clone()
	i := s.writes.Add(1)
	other.AccessToken, other.RefreshToken = fmt.Sprintf("at-other-%d", i), fmt.Sprintf("rt-other-%d", i)
	other.Expiry = time.Now().Add(-time.Minute)
	if err := s.Memory.Save(ctx, other); err != nil {
		return err
	}
	return s.Memory.CompareAndSave(ctx, old, n)
}

func TestRefresherNeverHandsOutAStaleSessionWithoutAnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := &staleWriterStore{Memory: tokenstore.NewMemory()}
	s := storetest.Sample("contended")
	s.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, st.Save(ctx, s))
	var renewals atomic.Int32
	r, err := tokenstore.NewRefresher(st, func(_ context.Context, from *client.Session) (*client.Session, error) {
		renewals.Add(1)
		n := from.Clone()
		n.AccessToken, n.RefreshToken, n.Expiry = "at-new", "rt-new", time.Now().Add(time.Hour)
		return n, nil
	})
	require.NoError(t, err)
	got, err := r.Renew(ctx, "contended")
	require.ErrorIs(t, err, tokenstore.ErrStillStale)
	require.Nil(t, got, "no stale session is handed out")
	require.Equal(t, int32(3), renewals.Load(), "each round renewed from the session it adopted")
	stored, err := st.Load(ctx, "contended")
	require.NoError(t, err)
	require.Equal(t, "at-other-3", stored.AccessToken, "the other writer's session is kept")
}

// replacedUnreadableStore is a Memory store where a dead session's
// compare-and-delete finds it replaced, and the store cannot be read
// from then on.
type replacedUnreadableStore struct {
	*tokenstore.Memory
	gone atomic.Bool
}

var errStoreAway = errors.New("store away")

func (s *replacedUnreadableStore) CompareAndDelete(_ context.Context, old *client.Session) error {
	s.gone.Store(true)
	return &tokenstore.ConflictError{ID: old.ID}
}

func (s *replacedUnreadableStore) Load(ctx context.Context, id string) (*client.Session, error) {
	if s.gone.Load() {
		return nil, errStoreAway
	}
	return s.Memory.Load(ctx, id)
}

func TestRefresherDeadGrantReportsTheFailedReRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := &replacedUnreadableStore{Memory: tokenstore.NewMemory()}
	s := storetest.Sample("dead")
	s.Expiry = time.Now().Add(-time.Minute)
	require.NoError(t, st.Save(ctx, s))
	r, err := tokenstore.NewRefresher(st, func(context.Context, *client.Session) (*client.Session, error) {
		return nil, &client.Error{Kind: client.ErrReauthorize, Code: "invalid_grant", StatusCode: 400}
	})
	require.NoError(t, err)
	got, err := r.Renew(ctx, "dead")
	require.Nil(t, got)
	require.ErrorIs(t, err, client.ErrReauthorize)
	require.ErrorIs(t, err, errStoreAway, "the failed re-read of the replacing session is reported, not dropped")
}

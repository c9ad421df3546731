package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

const testDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func internalStore(t *testing.T) (*Store, *sql.DB) {
	t.Helper()
	db, err := sql.Open("pgx", testDSN)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		storetest.ServiceMissing(t, "PostgreSQL on 127.0.0.1:5432 (database test)", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	table := "oauthx_test_" + hex.EncodeToString(b)
	st, err := New(context.Background(), db, WithTable(table))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.Exec(`DROP TABLE IF EXISTS ` + table) })
	return st, db
}

// terminateHolder ends the backend holding the advisory lock of id, as
// pg_terminate_backend, idle_session_timeout or a failover do.
func terminateHolder(t *testing.T, st *Store, db *sql.DB, id string) {
	t.Helper()
	key := uint64(lockKey("lock", st.table, id))
	var n int
	err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1`,
		int64(key>>32), int64(key&0xffffffff)).Scan(&n)
	require.NoError(t, err)
	require.Equal(t, 1, n, "one backend held the lock")
}

// TestTerminatedHolderSavesByCompareAndSet: the backend holding the lock
// is terminated while the refresh is in flight. The lock is gone with
// it, the transaction can commit nothing, and the holder saves its
// result by compare-and-set on a new connection — unless someone else
// wrote meanwhile, whose session is then kept and adopted.
func TestTerminatedHolderSavesByCompareAndSet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		login bool
	}{
		{"NobodyElseWrote", false},
		{"LoginSavedMeanwhile", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st, db := internalStore(t)
			s := storetest.Sample("pg")
			s.Expiry = time.Now().Add(-time.Minute)
			require.NoError(t, st.Save(ctx, s))
			login := storetest.Sample("pg")
			login.AccessToken, login.RefreshToken, login.Expiry = "at-login", "rt-login", time.Now().Add(time.Hour)
			renewed := storetest.Sample("pg")
			renewed.AccessToken, renewed.RefreshToken, renewed.Expiry = "at-new", "rt-new", time.Now().Add(time.Hour)
			r, err := tokenstore.NewRefresher(st, func(ctx context.Context, from *client.Session) (*client.Session, error) {
				terminateHolder(t, st, db, "pg")
				if tc.login {
					require.NoError(t, st.Save(ctx, login))
				}
				return renewed.Clone(), nil
			})
			require.NoError(t, err)
			got, err := r.Renew(ctx, "pg")
			require.NoError(t, err)
			want := renewed
			if tc.login {
				want = login
			}
			require.True(t, tokenstore.SameSession(want, got))
			stored, err := st.Load(ctx, "pg")
			require.NoError(t, err)
			require.True(t, tokenstore.SameSession(want, stored))
			// The lock is free again.
			l, err := st.LockLease(ctx, "pg")
			require.NoError(t, err)
			require.NoError(t, l.Release())
		})
	}
}

func TestLeaseHeldAfterTermination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, db := internalStore(t)
	l, err := st.LockLease(ctx, "held")
	require.NoError(t, err)
	require.NoError(t, l.Held(ctx))
	terminateHolder(t, st, db, "held")
	err = l.Held(ctx)
	require.ErrorIs(t, err, ErrLockLost)
	require.ErrorIs(t, err, tokenstore.ErrLockLost)
	tl := l.(tokenstore.TxLease)
	require.ErrorIs(t, tl.CompareAndSave(ctx, nil, storetest.Sample("held")), tokenstore.ErrLockLost, "a dead lease commits nothing")
	_ = l.Release()
	_, err = st.Load(ctx, "held")
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
}

// TestTerminatedAfterSending: holder A's backend is terminated after A
// sent the refresh. B takes the freed lock and sends the same refresh
// token, which the provider refuses: B keeps the session
// (ErrRenewalInDoubt), and A saves its live session by compare-and-set
// on a new connection. No session is lost.
func TestTerminatedAfterSending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, db := internalStore(t)
	g := providertest.NewGeneric(providertest.WithTokenLifetime(time.Hour))
	t.Cleanup(g.Close)
	var off time.Duration
	now := func() time.Time { return time.Now().Add(off) }
	c, err := client.New(client.Config{Provider: providers.Generic(g.URL), ClientID: g.ClientID, ClientSecret: g.ClientSecret}, client.WithClock(now))
	require.NoError(t, err)
	first, err := c.ExchangeCode(ctx, g.IssueCode(""), client.WithSessionID("cut"))
	require.NoError(t, err)
	require.NoError(t, st.Save(ctx, first))
	off = 2 * time.Hour
	b, err := tokenstore.NewRefresher(st, tokenstore.RefreshWith(c), tokenstore.WithRefresherClock(now))
	require.NoError(t, err)
	var errB error
	a, err := tokenstore.NewRefresher(st, func(ctx context.Context, s *client.Session) (*client.Session, error) {
		ns, err := c.Refresh(ctx, s)
		require.NoError(t, err)
		terminateHolder(t, st, db, "cut")
		_, errB = b.Renew(ctx, "cut")
		return ns, nil
	}, tokenstore.WithRefresherClock(now))
	require.NoError(t, err)
	got, err := a.Renew(ctx, "cut")
	require.NoError(t, err)
	require.ErrorIs(t, errB, tokenstore.ErrRenewalInDoubt, "B keeps the session")
	require.NotErrorIs(t, errB, client.ErrReauthorize)
	stored, err := st.Load(ctx, "cut")
	require.NoError(t, err, "no session lost")
	require.True(t, tokenstore.SameSession(got, stored))
	require.True(t, g.AccessTokenValid(stored.AccessToken))
	require.Equal(t, 1, g.Stats().Refreshes)
	again, err := b.Renew(ctx, "cut")
	require.NoError(t, err)
	require.True(t, tokenstore.SameSession(stored, again))
}

// TestMarkSpentIsFenced: a holder whose backend was terminated marks
// nothing spent (storetest.SendRecordFenced).
func TestMarkSpentIsFenced(t *testing.T) {
	t.Parallel()
	st, db := internalStore(t)
	storetest.SendRecordFenced(t, st, "fenced", func() { terminateHolder(t, st, db, "fenced") })
}

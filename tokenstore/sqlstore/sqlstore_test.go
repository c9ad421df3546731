package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/sqlstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

const dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// setup opens the local PostgreSQL, or skips (fails in CI).
func setup(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		storetest.ServiceMissing(t, "PostgreSQL on 127.0.0.1:5432 (database test)", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func uniqueTable() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "oauthx_test_" + hex.EncodeToString(b)
}

// newStore returns a store on a fresh table, dropped when the test ends.
func newStore(t testing.TB, db *sql.DB) *sqlstore.Store {
	t.Helper()
	table := uniqueTable()
	st, err := sqlstore.New(context.Background(), db, sqlstore.WithTable(table))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.Exec(`DROP TABLE IF EXISTS ` + table) })
	return st
}

func TestConformance(t *testing.T) {
	t.Parallel()
	db := setup(t)
	storetest.Run(t, func(t *testing.T) tokenstore.Store { return newStore(t, db) })
}

func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	db := setup(t)
	table := uniqueTable()
	t.Cleanup(func() { _, _ = db.Exec(`DROP TABLE IF EXISTS ` + table) })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := sqlstore.New(context.Background(), db, sqlstore.WithTable(table))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	st, err := sqlstore.New(context.Background(), db, sqlstore.WithTable(table))
	require.NoError(t, err)
	require.NoError(t, st.Save(context.Background(), storetest.Sample("m")))
}

func TestTableName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		table string
		ok    bool
	}{
		{"Plain", "sessions", true},
		{"Schema", "public.oauthx_x", true},
		{"Injection", "x; DROP TABLE y", false},
		{"Quote", `x"y`, false},
		{"Empty", "", false},
		{"LeadingDigit", "1x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := sqlstore.New(context.Background(), nil, sqlstore.WithTable(tc.table))
			require.Error(t, err) // nil db is always refused
			err = sqlstore.WithTable(tc.table)(new(sqlstore.Store))
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestCorruptValue(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	st := newStore(t, db)
	require.NoError(t, st.Save(ctx, storetest.Sample("c")))
	require.NoError(t, st.Save(ctx, storetest.Sample("good")))
	_, err := db.Exec(`UPDATE `+st.Table()+` SET value = $1 WHERE id = 'c'`, `{"v":1,"session":{"id":"c","access_token":"at-sentinel`)
	require.NoError(t, err)
	_, err = st.Load(ctx, "c")
	require.ErrorIs(t, err, tokenstore.ErrCorrupt)
	require.NotContains(t, err.Error(), "sentinel")
	list, err := st.List(ctx, tokenstore.Filter{})
	var le *tokenstore.ListError
	require.ErrorAs(t, err, &le, "List names the unreadable records")
	require.Equal(t, []string{"c"}, le.IDs)
	require.ErrorIs(t, err, tokenstore.ErrCorrupt)
	require.NotContains(t, err.Error(), "sentinel")
	require.Len(t, list, 1, "and returns the good sessions")
	require.Equal(t, "good", list[0].ID)
	// A corrupt value is never the session a compare-and-set write was
	// based on.
	require.ErrorIs(t, st.CompareAndSave(ctx, storetest.Sample("c"), storetest.Sample("c")), tokenstore.ErrConflict)
	require.ErrorIs(t, st.CompareAndSave(ctx, nil, storetest.Sample("c")), tokenstore.ErrConflict)
	require.ErrorIs(t, st.CompareAndDelete(ctx, storetest.Sample("c")), tokenstore.ErrConflict)
	_, err = st.Load(ctx, "c")
	require.ErrorIs(t, err, tokenstore.ErrCorrupt, "nothing was written")
}

func TestLockSurvivesPoolAndReleasesOnUnlock(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := context.Background()
	st := newStore(t, db)
	unlock, err := st.Lock(ctx, "p")
	require.NoError(t, err)
	// Other work goes on while the lock's connection is set aside.
	require.NoError(t, st.Save(ctx, storetest.Sample("p")))
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = st.Lock(short, "p")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, unlock())
	again, err := st.Lock(ctx, "p")
	require.NoError(t, err)
	require.NoError(t, again())
}

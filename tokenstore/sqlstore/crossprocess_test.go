package sqlstore_test

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/sqlstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

func TestMain(m *testing.M) {
	storetest.Main(func(ctx context.Context, table string) (tokenstore.Store, error) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		return sqlstore.New(ctx, db, sqlstore.WithTable(table))
	})
	os.Exit(m.Run())
}

func TestCrossProcessRefreshStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 8 processes")
	}
	st := newStore(t, setup(t))
	storetest.Storm(t, st, st.Table(), storetest.StormConfig{})
}

func TestCrashDuringSave(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns and kills processes")
	}
	st := newStore(t, setup(t))
	storetest.Crash(t, st, st.Table(), 25)
}

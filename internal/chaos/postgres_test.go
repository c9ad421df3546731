package chaos

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// pgDSN is the shared PostgreSQL of the tests (trust auth, database test).
// The suite never stops it: it terminates only backends of its own
// connections, picked by their application_name.
const pgDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// openPostgres opens the shared PostgreSQL for the test, or skips (fails
// with OAUTHX_REQUIRE_SERVICES=1).
func openPostgres(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pgDSN)
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

// pgSpec returns a store spec on a fresh table, dropped when t ends.
// Children get their own application_name (appDSN) so that the test can
// find their backends.
func pgSpec(t *testing.T, db *sql.DB) storeSpec {
	t.Helper()
	table := unique("oauthx_chaos_")
	t.Cleanup(func() { _, _ = db.Exec(`DROP TABLE IF EXISTS ` + table) })
	return storeSpec{Kind: "postgres", DSN: pgDSN, Table: table}
}

// appDSN is pgDSN with application_name set to name.
func appDSN(name string) string { return pgDSN + "&application_name=" + name }

// terminateLockHolder terminates the backends of application app that
// hold an advisory lock or sit in an open transaction (the connection a
// lock holder keeps), with pg_terminate_backend(pid), and returns how
// many it terminated. Only the suite's own connections carry app.
func terminateLockHolder(t *testing.T, db *sql.DB, app string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `
SELECT a.pid FROM pg_stat_activity a
WHERE a.application_name = $1 AND a.datname = current_database() AND a.pid <> pg_backend_pid()
  AND (EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted)
       OR a.state LIKE 'idle in transaction%')`, app)
	require.NoError(t, err)
	var pids []int
	for rows.Next() {
		var pid int
		require.NoError(t, rows.Scan(&pid))
		pids = append(pids, pid)
	}
	require.NoError(t, rows.Err())
	_ = rows.Close()
	for _, pid := range pids {
		var ok bool
		require.NoError(t, db.QueryRowContext(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&ok))
		require.True(t, ok, "pg_terminate_backend(%d)", pid)
	}
	return len(pids)
}

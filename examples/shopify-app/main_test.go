package main

import (
	"bytes"
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore/storetest"
	"github.com/oauthx/oauthx/tokenstore/storeurl"
)

// The example runs end to end against the fake: session token, exchange,
// Admin API call, session saved in the chosen store.
func runOnce(t *testing.T, store string) string {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-fake", "-once", "-addr", "127.0.0.1:0", "-store", store}, &out)
	require.NoError(t, err, out.String())
	assert.Contains(t, out.String(), "GET /api/shop -> 200")
	assert.Contains(t, out.String(), `"myshopify_domain":"demo-shop.myshopify.com"`)
	assert.Contains(t, out.String(), "Session{ID: offline_demo-shop.myshopify.com")
	return out.String()
}

func TestRunFakeOnce(t *testing.T) {
	assert.Contains(t, runOnce(t, "memory"), "stored offline session: Session{")
}

func TestRunFakeOnceRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		storetest.ServiceMissing(t, "Redis on 127.0.0.1:6379", err)
	}
	clean := func() {
		keys, _ := rdb.Keys(context.Background(), redisPrefix+"*").Result()
		if len(keys) > 0 {
			_ = rdb.Del(context.Background(), keys...).Err()
		}
	}
	clean()
	t.Cleanup(clean)
	runOnce(t, "redis://127.0.0.1:6379/0")
	keys, err := rdb.Keys(ctx, redisPrefix+"*").Result()
	require.NoError(t, err)
	assert.NotEmpty(t, keys, "the session is in Redis")
}

func TestRunFakeOncePostgres(t *testing.T) {
	const dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		storetest.ServiceMissing(t, "PostgreSQL on 127.0.0.1:5432 (database test)", err)
	}
	_, _ = db.Exec("DROP TABLE IF EXISTS " + sqlTable)
	t.Cleanup(func() { _, _ = db.Exec("DROP TABLE IF EXISTS " + sqlTable) })
	runOnce(t, dsn)
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM "+sqlTable).Scan(&n))
	assert.Equal(t, 1, n, "the session is in PostgreSQL")
}

func TestBadStore(t *testing.T) {
	err := run(context.Background(), []string{"-fake", "-once", "-store", "mysql://x"}, &bytes.Buffer{})
	var ue *storeurl.URLError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, err.Error(), "-store")
	assert.Contains(t, err.Error(), storeurl.Forms)
}

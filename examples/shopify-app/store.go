package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/redis/go-redis/v9"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
	"github.com/oauthx/oauthx/tokenstore/sqlstore"
)

// Where this example keeps its keys (Redis) and rows (PostgreSQL).
const (
	redisPrefix = "oauthx-example:shopify-app:"
	sqlTable    = "oauthx_example_shopify_sessions"
)

// openStore opens the -store flag's store: "memory", a redis:// URL or a
// postgres:// URL. close releases its connections.
func openStore(ctx context.Context, v string) (tokenstore.Store, func(), error) {
	switch {
	case v == "" || v == "memory":
		return tokenstore.NewMemory(), func() {}, nil
	case strings.HasPrefix(v, "redis://"), strings.HasPrefix(v, "rediss://"):
		opts, err := redis.ParseURL(v)
		if err != nil {
			return nil, nil, fmt.Errorf("-store: bad Redis URL")
		}
		rdb := redis.NewClient(opts)
		if err := rdb.Ping(ctx).Err(); err != nil {
			_ = rdb.Close()
			return nil, nil, fmt.Errorf("redis at %s: %w", opts.Addr, err)
		}
		return redisstore.New(rdb, redisstore.WithPrefix(redisPrefix)), func() { _ = rdb.Close() }, nil
	case strings.HasPrefix(v, "postgres://"), strings.HasPrefix(v, "postgresql://"):
		db, err := sql.Open("pgx", v)
		if err != nil {
			return nil, nil, fmt.Errorf("-store: bad PostgreSQL URL")
		}
		st, err := sqlstore.New(ctx, db, sqlstore.WithTable(sqlTable))
		if err != nil {
			_ = db.Close()
			return nil, nil, fmt.Errorf("postgres at %s: %w", storeName(v), err)
		}
		return st, func() { _ = db.Close() }, nil
	}
	return nil, nil, fmt.Errorf("-store: want memory, redis://… or postgres://…")
}

// storeName is the store URL without its password, for messages.
func storeName(v string) string {
	if u, err := url.Parse(v); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return v
}

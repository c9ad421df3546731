package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// storeRoundTrip runs exchange, token, refresh, list and logout with
// --store given, against a generic fake.
func storeRoundTrip(t *testing.T, e *env, store string) {
	t.Helper()
	g := newGeneric(t)
	e.set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	e.ok("--store", store, "exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""), "--name", "rt")
	v := jsonOf[sessionView](t, e.ok("--store", store, "--json", "show", "rt", "--reveal").stdout)
	require.True(t, g.AccessTokenValid(v.AccessToken))
	assert.Equal(t, v.AccessToken+"\n", e.ok("--store", store, "token", "rt").stdout)
	e.ok("--store", store, "refresh", "rt")
	tok := e.ok("--store", store, "token", "rt").stdout
	assert.NotEqual(t, v.AccessToken+"\n", tok)
	list := jsonOf[[]sessionView](t, e.ok("--store", store, "--json", "list").stdout)
	require.Len(t, list, 1)
	assert.Equal(t, "rt", list[0].Name)
	e.ok("--store", store, "logout", "rt")
	e.exit(exitReauth, "--store", store, "token", "rt")
}

func TestStoreFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	storeRoundTrip(t, e, "file:"+e.dir)
	fi, err := os.Stat(e.dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
}

func TestStoreRedis(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		storetest.ServiceMissing(t, "Redis on 127.0.0.1:6379", err)
	}
	prefix := "oauthx-cli-test-" + randomSuffix() + ":"
	t.Cleanup(func() {
		keys, _ := rdb.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			_ = rdb.Del(context.Background(), keys...).Err()
		}
	})
	e := newEnv(t)
	store := "redis://127.0.0.1:6379/0?prefix=" + prefix
	g := newGeneric(t)
	e.set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	e.ok("--store", store, "exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""), "--name", "in-redis")
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	require.NoError(t, err)
	assert.NotEmpty(t, keys, "the session is in Redis under the prefix")
	e.ok("--store", store, "logout", "in-redis")

	storeRoundTrip(t, e, store)
	keys, err = rdb.Keys(ctx, prefix+"*").Result()
	require.NoError(t, err)
	assert.Empty(t, keys, "logout left keys behind")

	r := newEnv(t).exit(exitTransient, "--store", "redis://:pw-9d8c7b@127.0.0.1:1/0", "list")
	assert.NotContains(t, r.stderr, "pw-9d8c7b")
}

func TestStorePostgres(t *testing.T) {
	t.Parallel()
	const dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		storetest.ServiceMissing(t, "PostgreSQL on 127.0.0.1:5432 (database test)", err)
	}
	table := "oauthx_cli_test_" + randomSuffix()
	t.Cleanup(func() { _, _ = db.Exec("DROP TABLE IF EXISTS " + table) })
	storeRoundTrip(t, newEnv(t), dsn+"&table="+table)

	r := newEnv(t).exit(exitTransient, "--store", "postgres://u:pw-9d8c7b@127.0.0.1:1/db?connect_timeout=2", "list")
	assert.NotContains(t, r.stderr, "pw-9d8c7b")
}

// keyringEnv passes the D-Bus session through to the binary.
func keyringEnv(t *testing.T) *env {
	t.Helper()
	if err := tokenstore.KeyringAvailable(context.Background(), "oauthx-test", 5*time.Second); err != nil {
		storetest.ServiceMissing(t, "Secret Service (OS keyring)", err)
	}
	e := newEnv(t)
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		if v, ok := os.LookupEnv(k); ok {
			e.set(k, v)
		}
	}
	return e
}

func TestStoreKeyring(t *testing.T) {
	t.Parallel()
	e := keyringEnv(t)
	svc := "oauthx-cli-test-" + randomSuffix()
	t.Cleanup(func() {
		if k, err := tokenstore.NewKeyring(svc); err == nil {
			_ = k.Clear(context.Background())
		}
	})
	storeRoundTrip(t, e, "keyring:"+svc)
}

// Without a keyring (no D-Bus session), the default store falls back to
// files under the user's config directory, and says so on stderr.
func TestStoreDefaultFallsBackToFiles(t *testing.T) {
	t.Parallel()
	g := newGeneric(t)
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID).
		set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	r := e.ok("--store", "", "exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""))
	assert.Contains(t, r.stderr, "no OS keyring")
	dir := e.vars["XDG_CONFIG_HOME"] + "/oauthx/sessions"
	assert.Contains(t, r.stderr, dir)
	_, err := os.Stat(dir)
	require.NoError(t, err)
	r = e.ok("--store=", "token", "generic")
	assert.NotEmpty(t, r.stdout)
	// $OAUTHX_STORE names the store when --store is absent.
	e.set(envStore, "file:"+dir)
	r = e.ok("show", "generic")
	assert.Contains(t, r.stdout, g.URL)
	assert.NotContains(t, r.stderr, "no OS keyring")
}

// With a keyring, the default store is the keyring (service "oauthx").
func TestStoreDefaultUsesKeyring(t *testing.T) {
	t.Parallel()
	e := keyringEnv(t)
	g := newGeneric(t)
	e.set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	name := "cli-test-" + randomSuffix()
	r := e.ok("--store", "", "exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""), "--name", name)
	assert.Contains(t, r.stderr, `storing sessions in the OS keyring (service "oauthx")`)
	t.Cleanup(func() { e.run("", "--store", "", "logout", name) })
	k, err := tokenstore.NewKeyring(defaultService)
	require.NoError(t, err)
	s, err := k.Load(context.Background(), name)
	require.NoError(t, err)
	assert.True(t, g.AccessTokenValid(s.AccessToken))
	e.ok("--store", "", "logout", name)
	_, err = k.Load(context.Background(), name)
	assert.ErrorIs(t, err, tokenstore.ErrNotFound)
}

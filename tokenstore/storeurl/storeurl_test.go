package storeurl

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                  string
		kind, svc, dir, url string
		param               string
		err                 string
	}{
		{in: "", kind: kindDefault},
		{in: "default", kind: kindDefault},
		{in: "memory", kind: kindMemory},
		{in: "keyring", kind: kindKeyring},
		{in: "keyring:my-app", kind: kindKeyring, svc: "my-app"},
		{in: "keyring:", err: "service name"},
		{in: "keyring:a\x01b", err: "service name"},
		{in: "file:/tmp/x", kind: kindFile, dir: "/tmp/x"},
		{in: "file:", err: "needs a directory"},
		{in: "redis://127.0.0.1:6379/2", kind: kindRedis, url: "redis://127.0.0.1:6379/2"},
		{in: "rediss://:pw@h:6380?prefix=app:", kind: kindRedis, url: "rediss://:pw@h:6380", param: "app:"},
		{in: "REDIS://h:1", kind: kindRedis, url: "redis://h:1"},
		{in: "redis://h?prefix=a&prefix=b", err: "once"},
		{in: "redis://h?prefix=", err: "once"},
		{in: "redis:///nohost", err: "needs a host"},
		{in: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable&table=cli_sessions", kind: kindPostgres,
			url: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", param: "cli_sessions"},
		{in: "postgresql://u:p@h/db", kind: kindPostgres, url: "postgresql://u:p@h/db"},
		{in: "postgres://h/db#frag", err: "fragment"},
		{in: "postgres://h/db?a=%zz", err: "malformed postgres URL query"},
		{in: "mysql://h/db", err: `unknown scheme "mysql"`},
		{in: "/some/dir", err: "unknown store"},
		{in: "Memory", err: "unknown store"},
		{in: "redis://:pa ss@h%zz", err: "malformed redis URL"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			s, err := parse(tc.in)
			if tc.err != "" {
				var ue *URLError
				require.ErrorAs(t, err, &ue)
				assert.Contains(t, ue.Reason, tc.err)
				assert.ErrorIs(t, err, client.ErrInvalidRequest)
				assert.Contains(t, err.Error(), "(want "+Forms+")")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.kind, s.kind)
			assert.Equal(t, tc.svc, s.service)
			assert.Equal(t, tc.dir, s.dir)
			if tc.url != "" {
				assert.Equal(t, tc.url, s.url.String())
			}
			assert.Equal(t, tc.param, s.param)
		})
	}
}

// The error of a bad value names every form Open takes.
func TestURLErrorListsEveryForm(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), "ftp://x")
	var ue *URLError
	require.ErrorAs(t, err, &ue)
	for _, form := range []string{"default", "memory", "keyring", "keyring:SERVICE", "file:DIR", "redis://", "rediss://", "postgres://", "postgresql://"} {
		assert.Contains(t, err.Error(), form)
	}
	assert.Equal(t, 1, strings.Count(err.Error(), "storeurl:"), err.Error())
}

// Neither a parse error nor the store's description repeats a password.
func TestParseHidesPassword(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"redis://:hunter2-pw@127.0.0.1:6379",
		"postgres://u:hunter2-pw@h/db?table=t",
		"redis://:hunter2-pw@h:6379?prefix=a&prefix=b",
		"redis://:hunter2-pw@h%zz",
		"postgres://u:hunter2-pw@h/db#x",
	} {
		s, err := parse(in)
		if err != nil {
			assert.NotContains(t, err.Error(), "hunter2-pw", in)
			continue
		}
		assert.NotContains(t, s.String(), "hunter2-pw", in)
	}
}

// FuzzParse: parse never panics, never repeats a password in an error or
// description, and what it accepts is well-formed.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "default", "memory", "keyring", "keyring:svc", "file:/tmp/x", "file:",
		"redis://127.0.0.1:6379/0", "rediss://:secret@h:1?prefix=p", "redis://h?prefix=a&prefix=b",
		"postgres://u:secret@h:5432/db?sslmode=disable&table=t", "postgresql://h/db", "postgres://h/db#f",
		"redis://:secret@h%zz", "secret://x", "mysql://u:secret@h/db", "://", "redis://", "keyring:\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := parse(in)
		pw := passwordIn(in)
		// shows reports whether text shows the password: it contains it, and
		// would not if the input held another password of the same length.
		shows := func(text string, again func(string) string) bool {
			if len(pw) < 4 || strings.Count(in, pw) != 1 || !strings.Contains(text, pw) {
				return false
			}
			return !strings.Contains(again(strings.Replace(in, pw, strings.Repeat("Q", len(pw)), 1)), pw)
		}
		if err != nil {
			var ue *URLError
			if !errors.As(err, &ue) {
				t.Fatalf("parse error is not a *URLError: %v", err)
			}
			if shows(err.Error(), func(in string) string { _, err := parse(in); return fmt.Sprint(err) }) {
				t.Fatalf("error %q repeats the password %q", err, pw)
			}
			return
		}
		switch s.kind {
		case kindDefault, kindMemory, kindKeyring:
		case kindFile:
			if s.dir == "" {
				t.Fatal("file store without a directory")
			}
		case kindRedis, kindPostgres:
			if s.url == nil || s.url.Host == "" {
				t.Fatalf("%s store without a host", s.kind)
			}
			if shows(s.String(), func(in string) string { s, _ := parse(in); return s.String() }) {
				t.Fatalf("String %q shows the password", s.String())
			}
		default:
			t.Fatalf("unknown kind %q", s.kind)
		}
	})
}

// passwordIn is the password a URL-looking input carries, if any.
func passwordIn(in string) string {
	_, rest, ok := strings.Cut(in, "://")
	if !ok {
		return ""
	}
	userinfo, _, ok := strings.Cut(rest, "@")
	if !ok {
		return ""
	}
	_, pw, _ := strings.Cut(userinfo, ":")
	if u, err := url.PathUnescape(pw); err == nil {
		return u
	}
	return pw
}

func TestOptionsInvalid(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]Option{
		"WithService":        WithService(""),
		"WithService ctl":    WithService("a\nb"),
		"WithNotice":         WithNotice(nil),
		"WithRedisPrefix":    WithRedisPrefix(""),
		"WithTable":          WithTable(""),
		"WithConnectTimeout": WithConnectTimeout(-time.Second),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st, err := Open(context.Background(), "memory", o)
			assert.Nil(t, st)
			var oe *client.OptionError
			require.ErrorAs(t, err, &oe)
			assert.ErrorIs(t, err, client.ErrInvalidRequest)
		})
	}
	st, err := Open(context.Background(), "memory", nil, WithConnectTimeout(0))
	require.NoError(t, err, "a nil option is skipped; a zero timeout is the default")
	require.NoError(t, st.(io.Closer).Close())
}

// roundTrip saves, loads and deletes one session through st.
func roundTrip(t *testing.T, st tokenstore.Store) {
	t.Helper()
	ctx := context.Background()
	s := storetest.Sample("storeurl-" + randomSuffix())
	require.NoError(t, st.Save(ctx, s))
	got, err := st.Load(ctx, s.ID)
	require.NoError(t, err)
	storetest.Equal(t, s, got)
	require.NoError(t, st.Delete(ctx, s.ID))
	_, err = st.Load(ctx, s.ID)
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func TestOpenMemory(t *testing.T) {
	t.Parallel()
	st, err := Open(context.Background(), "memory")
	require.NoError(t, err)
	roundTrip(t, st)
	require.NoError(t, st.(io.Closer).Close())
}

func TestOpenFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "sessions")
	st, err := Open(context.Background(), "file:"+dir)
	require.NoError(t, err)
	assert.Equal(t, dir, st.(interface{ Dir() string }).Dir(), "File's methods stay reachable")
	roundTrip(t, st)
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	require.NoError(t, st.(io.Closer).Close())

	// A directory others can read is refused, as NewFile refuses it.
	open := t.TempDir()
	require.NoError(t, os.Chmod(open, 0o755))
	_, err = Open(context.Background(), "file:"+open)
	require.ErrorIs(t, err, tokenstore.ErrInsecurePermissions)
}

// The default store without a D-Bus session is the file store under the
// user's config directory, chosen at once.
func TestOpenDefaultWithoutSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv("HOME", t.TempDir())
	var notice bytes.Buffer
	st, err := Open(context.Background(), "", WithNotice(&notice), WithService("oauthx-storeurl-test"))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cfg, "oauthx", "sessions"), st.(interface{ Dir() string }).Dir())
	assert.Contains(t, notice.String(), "no OS keyring")
	roundTrip(t, st)

	// An explicit keyring is an error instead, at once.
	_, err = Open(context.Background(), "keyring:oauthx-storeurl-test")
	require.ErrorIs(t, err, tokenstore.ErrNoSessionBus)
}

func TestOpenKeyring(t *testing.T) {
	t.Parallel()
	svc := "oauthx-storeurl-test-" + randomSuffix()
	if err := tokenstore.KeyringAvailable(context.Background(), svc, 0); err != nil {
		storetest.ServiceMissing(t, "Secret Service (OS keyring)", err)
	}
	st, err := Open(context.Background(), "keyring:"+svc)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.(interface{ Clear(context.Context) error }).Clear(context.Background()) })
	roundTrip(t, st)
	require.NoError(t, st.(io.Closer).Close())
}

const redisAddr = "127.0.0.1:6379"

func TestOpenRedis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { _ = rdb.Close() })
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		storetest.ServiceMissing(t, "Redis on "+redisAddr, err)
	}
	prefix := "oauthx-storeurl-test-" + randomSuffix() + ":"

	st, err := Open(ctx, "redis://"+redisAddr+"/0?prefix="+prefix)
	require.NoError(t, err)
	rs := st.(interface{ Prefix() string })
	assert.Equal(t, prefix, rs.Prefix())
	_, ok := st.(tokenstore.LeaseLocker)
	assert.True(t, ok, "redisstore's LockLease stays reachable")
	require.NoError(t, st.Save(ctx, storetest.Sample("kept")))
	keys, err := st.(interface {
		Keys(context.Context) ([]string, error)
	}).Keys(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, keys)
	require.NoError(t, st.Delete(ctx, "kept"))
	roundTrip(t, st)
	require.NoError(t, st.(io.Closer).Close())
	require.Error(t, st.Save(ctx, storetest.Sample("closed")), "Close closed the client Open made")

	// WithRedisPrefix is the prefix when the URL names none; the URL's wins.
	st, err = Open(ctx, "redis://"+redisAddr, WithRedisPrefix(prefix+"opt:"))
	require.NoError(t, err)
	assert.Equal(t, prefix+"opt:", st.(interface{ Prefix() string }).Prefix())
	require.NoError(t, st.(io.Closer).Close())
	st, err = Open(ctx, "redis://"+redisAddr+"?prefix="+prefix, WithRedisPrefix("other:"))
	require.NoError(t, err)
	assert.Equal(t, prefix, st.(interface{ Prefix() string }).Prefix())
	require.NoError(t, st.(io.Closer).Close())
}

// A server that does not answer is a network error (errors.As net.Error),
// whose text does not hold the URL's password.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now
	for _, u := range []string{
		"redis://:pw-9d8c7b@" + addr + "/0",
		"postgres://u:pw-9d8c7b@" + addr + "/db?connect_timeout=2",
	} {
		st, err := Open(context.Background(), u, WithConnectTimeout(3*time.Second))
		assert.Nil(t, st)
		require.Error(t, err, u)
		assert.NotContains(t, err.Error(), "pw-9d8c7b")
		assert.Contains(t, err.Error(), "xxxxx", "the redacted URL names the store")
		var ne net.Error
		assert.True(t, errors.As(err, &ne), "a network error: %v", err)
		assert.Equal(t, 1, strings.Count(err.Error(), "storeurl:"), err.Error())
	}
}

const pgDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func TestOpenPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("pgx", pgDSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		storetest.ServiceMissing(t, "PostgreSQL on 127.0.0.1:5432 (database test)", err)
	}
	table := "oauthx_storeurl_test_" + randomSuffix()
	optTable := table + "_opt"
	t.Cleanup(func() {
		_, _ = db.Exec("DROP TABLE IF EXISTS " + table)
		_, _ = db.Exec("DROP TABLE IF EXISTS " + optTable)
	})

	st, err := Open(ctx, pgDSN+"&table="+table)
	require.NoError(t, err)
	assert.Equal(t, table, st.(interface{ Table() string }).Table())
	roundTrip(t, st)
	require.NoError(t, st.(io.Closer).Close())
	require.Error(t, st.Save(ctx, storetest.Sample("closed")), "Close closed the pool Open made")

	st, err = Open(ctx, "postgresql"+strings.TrimPrefix(pgDSN, "postgres"), WithTable(optTable))
	require.NoError(t, err)
	assert.Equal(t, optTable, st.(interface{ Table() string }).Table())
	require.NoError(t, st.(io.Closer).Close())

	// A table name sqlstore refuses is a bad URL, not a database error.
	_, err = Open(ctx, pgDSN+"&table=x-drop")
	var ue *URLError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, ue.Reason, "table=")
}

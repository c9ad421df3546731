package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
	"github.com/oauthx/oauthx/tokenstore/storeurl"
)

// watched runs onSave after each successful CompareAndSave (the
// callback's only write) and counts them.
type watched struct {
	tokenstore.Store
	onSave func()
	saves  atomic.Int32
}

func (w *watched) CompareAndSave(ctx context.Context, old, s *client.Session) error {
	err := w.Store.CompareAndSave(ctx, old, s)
	if err == nil {
		w.saves.Add(1)
		w.onSave()
	}
	return err
}

// startApp serves the example with -fake on a loopback port.
func startApp(t *testing.T, st tokenstore.Store) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(nil)
	require.NoError(t, srv.Listener.Close())
	srv.Listener = l
	a, cleanup, err := newApp(config{publicURL: "http://" + l.Addr().String(), products: "company,directory",
		sandbox: "finch", customerID: "cust-example", customerName: "Example Inc", fake: true}, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(cleanup)
	srv.Config.Handler = a.routes()
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, hc *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := hc.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// flow connects, reauthenticates, lists, introspects and disconnects
// through the pages.
func flow(t *testing.T, st *watched) {
	srv := startApp(t, st)
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}

	// /connect → fake Connect → /callback → saved → / lists it.
	status, body := get(t, hc, srv.URL+"/connect")
	require.Equal(t, http.StatusOK, status, body)
	sessions, err := st.List(context.Background(), tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, sessions, 1)
	s := sessions[0]
	ids := []string{s.ID}
	assert.Equal(t, "finch", s.Provider)
	assert.True(t, s.NeverExpires())
	assert.Contains(t, body, ids[0])
	assert.Contains(t, body, "[company directory]")
	assert.NotContains(t, body, s.AccessToken)
	assert.Equal(t, "finch:"+s.Subject, s.ID, "keyed by the connection id")
	assert.Equal(t, "cust-example", finch.CustomerID(s), "the Connect Session's customer")
	assert.Contains(t, body, `href="/connect?reauth=`+s.Subject+`"`)

	// Reauthenticate: the same stored session gets a new token.
	status, body = get(t, hc, srv.URL+"/connect?reauth="+s.Subject)
	require.Equal(t, http.StatusOK, status, body)
	sessions, err = st.List(context.Background(), tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, sessions, 1, "no second session for the connection")
	assert.Equal(t, s.ID, sessions[0].ID)
	assert.NotEqual(t, s.AccessToken, sessions[0].AccessToken)
	assert.Equal(t, int32(2), st.saves.Load())

	status, body = get(t, hc, srv.URL+"/introspect?id="+ids[0])
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, "status connected")

	// A forged callback is refused.
	status, body = get(t, hc, srv.URL+"/callback?code=x&state=forged")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "state")

	resp, err := hc.Post(srv.URL+"/disconnect?id="+ids[0], "text/plain", strings.NewReader(""))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	sessions, err = st.List(context.Background(), tokenstore.Filter{})
	require.NoError(t, err)
	assert.Empty(t, sessions)
}

func TestFlowInMemory(t *testing.T) {
	flow(t, &watched{Store: tokenstore.NewMemory(), onSave: func() {}})
}

func TestFlowRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		storetest.ServiceMissing(t, "Redis on 127.0.0.1:6379", err)
	}
	prefix := "oauthx-test:finch-example:" + time.Now().Format("150405.000000") + ":"
	keys := func() []string {
		keys, err := rdb.Keys(context.Background(), prefix+"*").Result()
		require.NoError(t, err)
		return keys
	}
	t.Cleanup(func() {
		if k := keys(); len(k) > 0 {
			_ = rdb.Del(context.Background(), k...).Err()
		}
	})
	st := redisstore.New(rdb, redisstore.WithPrefix(prefix))
	flow(t, &watched{Store: st, onSave: func() { assert.NotEmpty(t, keys(), "the token is in Redis") }})
}

func TestNeedsCredentialsWithoutFake(t *testing.T) {
	_, _, err := newApp(config{publicURL: "http://127.0.0.1:1"}, tokenstore.NewMemory(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-fake")
}

// A -store value storeurl cannot parse ends run before it listens, with
// an error naming every store form.
func TestBadStore(t *testing.T) {
	err := run(context.Background(), config{addr: "127.0.0.1:0", fake: true, store: "mysql://x"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var ue *storeurl.URLError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, err.Error(), "-store")
	assert.Contains(t, err.Error(), storeurl.Forms)
}

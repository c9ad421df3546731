package shopify_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

// countingStore is a tokenstore store that counts its loads and fails
// them on demand.
type countingStore struct {
	tokenstore.Store
	loads   atomic.Int32
	loadErr atomic.Pointer[error]
}

func (s *countingStore) Load(ctx context.Context, id string) (*client.Session, error) {
	s.loads.Add(1)
	if e := s.loadErr.Load(); e != nil {
		return nil, *e
	}
	return s.Store.Load(ctx, id)
}

func (s *countingStore) stored(t *testing.T, id string) *client.Session {
	t.Helper()
	v, err := s.Store.Load(context.Background(), id)
	if errors.Is(err, tokenstore.ErrNotFound) {
		return nil
	}
	require.NoError(t, err)
	return v
}

// testClock is a clock tests move forward.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock               { c := &testClock{}; c.ns.Store(fixedNow.UnixNano()); return c }
func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

type appSetup struct {
	fake    *providertest.Shopify
	c       *shopify.Client
	store   *countingStore
	srv     *httptest.Server
	clock   *testClock
	handled atomic.Int32
	// revokedHandedOut counts handlers that got a token the fake had
	// revoked; adminCalls makes each handler call the Admin API with it.
	revokedHandedOut atomic.Int32
	adminCalls       bool
}

type appOption struct {
	fakeOpts []providertest.ShopifyOption
	edit     func(*shopify.Config)
	store    tokenstore.Store
	fake     *providertest.Shopify
	clock    *testClock
	admin    bool
	// refresher, when set, replaces the middleware's Refresher (built
	// from ref) with a misconfigured one.
	refresher func(a *appSetup, ref *tokenstore.Refresher) shopify.Refresher
}

func newApp(t *testing.T, mc shopify.MiddlewareConfig, o appOption, opts ...client.Option) *appSetup {
	t.Helper()
	a := &appSetup{clock: o.clock, fake: o.fake, adminCalls: o.admin}
	if a.clock == nil {
		a.clock = newTestClock()
	}
	if a.fake == nil {
		a.fake = providertest.NewShopify(append([]providertest.ShopifyOption{providertest.WithShopifyCredentials(testAPIKey, testAPISecret),
			providertest.WithClock(a.clock.Now)}, o.fakeOpts...)...)
		t.Cleanup(a.fake.Close)
	}
	st := o.store
	if st == nil {
		st = tokenstore.NewMemory()
	}
	a.store = &countingStore{Store: st}
	opts = append([]client.Option{client.WithRetryWait(time.Millisecond, 20*time.Millisecond)}, opts...)
	cfg := shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: a.clock.Now, InsecureShopBaseURL: a.fake.URL}
	if o.edit != nil {
		o.edit(&cfg)
	}
	var err error
	a.c, err = shopify.New(cfg, opts...)
	require.NoError(t, err)
	ref, err := tokenstore.NewRefresher(a.store, a.c.Renew, tokenstore.WithFreshness(a.c.Fresh),
		tokenstore.WithRefresherClock(a.clock.Now), tokenstore.WithPollInterval(time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	mc.Storage, mc.Refresher = a.store, ref
	if o.refresher != nil {
		mc.Refresher = o.refresher(a, ref)
	}
	mw, err := a.c.Middleware(mc)
	require.NoError(t, err)
	a.srv = httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.handled.Add(1)
		s, ok := shopify.SessionFromContext(r.Context())
		require.True(t, ok)
		claims, ok := shopify.ClaimsFromContext(r.Context())
		require.True(t, ok)
		if a.fake.Revoked(s.AccessToken) {
			a.revokedHandedOut.Add(1)
		}
		if a.adminCalls {
			hc, ok := shopify.AdminClientFromContext(r.Context())
			require.True(t, ok)
			u, err := a.c.AdminURL(claims.Shop, "api/2025-01/shop.json")
			require.NoError(t, err)
			resp, err := hc.Get(u)
			require.NoError(t, err)
			resp.Body.Close()
			w.Header().Set("X-Admin-Status", resp.Status)
		}
		_, _ = io.WriteString(w, s.ID+" "+claims.Shop+" "+s.AccessToken)
	})))
	t.Cleanup(a.srv.Close)
	return a
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// get is a fetch request (Authorization: Bearer) with token, or a
// document request when token is "".
func (a *appSetup) get(t *testing.T, token, query string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+"/api/products"+query, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := noRedirects.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestMiddlewareExchangesOnceThenCaches(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{}, appOption{})
	resp, body := a.get(t, a.fake.SessionToken(testShop, 42), "?shop="+testShop)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	stored := a.store.stored(t, "offline_"+testShop)
	require.NotNil(t, stored)
	assert.Equal(t, "offline_"+testShop+" "+testShop+" "+stored.AccessToken, body)
	assert.NotEmpty(t, stored.RefreshToken, "expiring by default")
	assert.Equal(t, 1, a.fake.Stats().TokenExchanges)

	// The next requests, with other session tokens, are served from the
	// cache: no store read, nothing sent.
	loads := a.store.loads.Load()
	for i := range 5 {
		resp, _ = a.get(t, a.fake.SessionToken(testShop, int64(43+i)), "")
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	assert.Equal(t, 1, a.fake.Stats().Requests)
	assert.Equal(t, loads, a.store.loads.Load())
}

func TestMiddlewareRejectsBadSessionTokens(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{}, appOption{})
	expiredForServer := func() string {
		f := validFields()
		f.Exp = fixedNow.Add(-5 * time.Second) // within our tolerance, not the server's
		return providertest.MintSessionToken(testAPISecret, f)
	}()
	cases := []struct{ name, token, query string }{
		{"bad signature", a.fake.BrokenSessionToken(testShop, 1, providertest.BreakSignature), ""},
		{"alg none", a.fake.BrokenSessionToken(testShop, 1, providertest.BreakAlgNone), ""},
		{"expired", a.fake.BrokenSessionToken(testShop, 1, providertest.BreakExpired), ""},
		{"wrong audience", a.fake.BrokenSessionToken(testShop, 1, providertest.BreakAudience), ""},
		{"malformed", a.fake.BrokenSessionToken(testShop, 1, providertest.BreakMalformed), ""},
		{"shop mismatch", a.fake.SessionToken(testShop, 1), "?shop=other.myshopify.com"},
		{"hostile shop param", a.fake.SessionToken(testShop, 1), "?shop=evil.com"},
		{"refused by Shopify", expiredForServer, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A fetch request: 401 and the retry header.
			resp, body := a.get(t, tc.token, tc.query)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.Equal(t, "1", resp.Header.Get("X-Shopify-Retry-Invalid-Session-Request"))
			assert.NotContains(t, body, tc.token)

			// A document request (the token in id_token): the bounce page.
			q := "?id_token=" + url.QueryEscape(tc.token) + "&host=abc"
			if tc.query != "" {
				q += "&" + tc.query[1:]
			}
			resp, body = a.get(t, "", q)
			require.Equal(t, http.StatusFound, resp.StatusCode)
			loc, err := url.Parse(resp.Header.Get("Location"))
			require.NoError(t, err)
			assert.Equal(t, shopify.DefaultBouncePath, loc.Path)
			assert.False(t, loc.Query().Has("id_token"))
			assert.Equal(t, "abc", loc.Query().Get("host"))
			reload := loc.Query().Get(shopify.ReloadParam)
			assert.True(t, strings.HasPrefix(reload, "/api/products?"), reload)
			assert.NotContains(t, reload, "id_token")
			assert.NotContains(t, body+resp.Header.Get("Location"), tc.token)
		})
	}
	resp, _ := a.get(t, "", "")
	assert.Equal(t, http.StatusFound, resp.StatusCode, "a document request without a token bounces")
	assert.Zero(t, a.handled.Load(), "the handler never ran")
	assert.Equal(t, 2, a.fake.Stats().Requests, "only the locally valid token was sent (fetch and document)")
	assert.Equal(t, 2, a.fake.Stats().InvalidSubject)
	assert.Nil(t, a.store.stored(t, "offline_"+testShop), "no placeholder left behind")
}

func TestMiddlewareRefreshes(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{}, appOption{})
	resp, _ := a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	first := a.store.stored(t, "offline_"+testShop)
	require.NotEmpty(t, first.RefreshToken)

	a.clock.Advance(time.Hour) // the access token has expired
	resp, body := a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	second := a.store.stored(t, "offline_"+testShop)
	assert.NotEqual(t, first.AccessToken, second.AccessToken)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken)
	assert.Contains(t, body, second.AccessToken)
	st := a.fake.Stats()
	assert.Equal(t, 1, st.TokenExchanges)
	assert.Equal(t, 1, st.Refreshes)
	assert.True(t, a.fake.AccessTokenValid(testShop, second.AccessToken))

	// Past RefreshExpiry the session is renewed by token exchange from the
	// request's session token.
	a.clock.Advance(91 * 24 * time.Hour)
	resp, body = a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, 2, a.fake.Stats().TokenExchanges)
	assert.Equal(t, 1, a.fake.Stats().Refreshes, "no refresh with an expired refresh token")

	// A dead refresh token also falls back to a token exchange.
	third := a.store.stored(t, "offline_"+testShop)
	dead := third.Clone()
	dead.RefreshToken = "shprt_revoked"
	dead.Expiry = a.clock.Now()
	require.NoError(t, a.store.Save(context.Background(), dead))
	a.clock.Advance(time.Second) // past the cached copy's renewal time too
	a.clock.Advance(time.Hour)
	resp, _ = a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 3, a.fake.Stats().TokenExchanges)
}

// Concurrent first requests for one shop exchange once: with expiring
// tokens, a second exchange would revoke the first one's token.
func TestMiddlewareConcurrentRequestsExchangeOnce(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{}, appOption{})
	a.fake.Fail(providertest.Slow(200 * time.Millisecond))
	const n = 24
	var wg sync.WaitGroup
	start := make(chan struct{})
	bodies := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, body := a.get(t, a.fake.SessionToken(testShop, int64(i+1)), "") // distinct session tokens
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			bodies[i] = body
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, 1, a.fake.Stats().Requests)
	assert.Zero(t, a.fake.Stats().Revoked)
	for _, b := range bodies {
		assert.Equal(t, bodies[0], b)
	}
}

// A stored non-expiring offline session is migrated on its first use,
// once; with Shopify's 2027 rule on, no Admin call ever carries a
// non-expiring token.
func TestMiddlewareMigratesNonExpiringSession(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{}, appOption{admin: true,
		fakeOpts: []providertest.ShopifyOption{providertest.WithShopifyNonExpiringRejected()}})
	old := nonExpiringSession(a.fake, testShop)
	require.NoError(t, a.store.Save(context.Background(), old))
	for i := range 3 {
		resp, body := a.get(t, a.fake.SessionToken(testShop, int64(i+1)), "")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, "200 OK", resp.Header.Get("X-Admin-Status"))
	}
	st := a.fake.Stats()
	assert.Equal(t, 1, st.Migrations)
	assert.Zero(t, st.TokenExchanges)
	assert.Zero(t, st.NonExpiringAdmin, "an Admin call carried a non-expiring token")
	assert.Equal(t, 3, st.AdminCalls)
	s := a.store.stored(t, old.ID)
	assert.NotEmpty(t, s.RefreshToken)
	assert.False(t, s.NeverExpires())
	assert.True(t, a.fake.Revoked(old.AccessToken))
}

// A custom app that keeps non-expiring tokens is not migrated.
func TestMiddlewareInsecureNonExpiring(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{}, appOption{edit: nonExpiring})
	resp, _ := a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	a.clock.Advance(400 * 24 * time.Hour)
	resp, _ = a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	st := a.fake.Stats()
	assert.Equal(t, 1, st.TokenExchanges)
	assert.Zero(t, st.Migrations)
	assert.True(t, a.store.stored(t, "offline_"+testShop).NeverExpires())
}

// An Admin API 401 seen through AdminClientFromContext drops the stored
// session by compare-and-delete; the next request exchanges anew.
func TestMiddlewareAdmin401DropsSession(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{}, appOption{admin: true})
	resp, _ := a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, "200 OK", resp.Header.Get("X-Admin-Status"))
	a.fake.Uninstall(testShop) // every token revoked
	resp, _ = a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, "401 Unauthorized", resp.Header.Get("X-Admin-Status"))
	assert.Nil(t, a.store.stored(t, "offline_"+testShop), "the refused session was deleted")
	resp, _ = a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, "200 OK", resp.Header.Get("X-Admin-Status"))
	assert.Equal(t, 2, a.fake.Stats().TokenExchanges)
}

func TestMiddlewareOnline(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{Online: true}, appOption{})
	resp, body := a.get(t, a.fake.SessionToken(testShop, 42), "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	s := a.store.stored(t, testShop+"_42")
	require.NotNil(t, s)
	u, ok := shopify.UserOf(s)
	require.True(t, ok)
	assert.Equal(t, int64(42), u.ID)
	resp, _ = a.get(t, a.fake.SessionToken(testShop, 43), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 2, a.fake.Stats().TokenExchanges, "each user has an online session")
	// An expired online session is exchanged anew.
	a.clock.Advance(25 * time.Hour)
	resp, _ = a.get(t, a.fake.SessionToken(testShop, 43), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 3, a.fake.Stats().TokenExchanges)
}

func TestMiddlewareConfig(t *testing.T) {
	t.Parallel()
	c, err := shopify.New(shopify.Config{APIKey: "k", APISecret: "s"})
	require.NoError(t, err)
	st := tokenstore.NewMemory()
	ref, err := tokenstore.NewRefresher(st, c.Renew, tokenstore.WithFreshness(c.Fresh))
	require.NoError(t, err)
	for name, mc := range map[string]shopify.MiddlewareConfig{
		"no storage":        {Refresher: ref},
		"no refresher":      {Storage: st},
		"negative timeout":  {Storage: st, Refresher: ref, RenewTimeout: -1},
		"relative bounce":   {Storage: st, Refresher: ref, BouncePath: "auth"},
		"bounce with query": {Storage: st, Refresher: ref, BouncePath: "/auth?x"},
		"bounce //":         {Storage: st, Refresher: ref, BouncePath: "//evil.com"},
	} {
		_, err := c.Middleware(mc)
		assert.ErrorIs(t, err, client.ErrInvalidRequest, name)
	}
}

func TestMiddlewareFailures(t *testing.T) {
	t.Parallel()
	t.Run("rate limited", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, shopify.MiddlewareConfig{}, appOption{}, client.WithRetryMax(0))
		a.fake.Fail(providertest.RateLimited("3"))
		resp, _ := a.get(t, a.fake.SessionToken(testShop, 1), "")
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Equal(t, "3", resp.Header.Get("Retry-After"))
	})
	t.Run("Shopify down", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, shopify.MiddlewareConfig{}, appOption{}, client.WithRetryMax(0))
		a.fake.Fail(providertest.HTMLPage(502))
		resp, body := a.get(t, a.fake.SessionToken(testShop, 1), "")
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
		assert.NotContains(t, body, testAPISecret)
	})
	t.Run("storage down", func(t *testing.T) {
		t.Parallel()
		var logs syncBuffer
		a := newApp(t, shopify.MiddlewareConfig{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, appOption{})
		t.Cleanup(func() {
			assert.Contains(t, logs.String(), "level=ERROR", "a storage failure is logged as an error")
			assert.Contains(t, logs.String(), "status=500")
			assert.NotContains(t, logs.String(), testAPISecret)
		})
		down := error(errors.New("connection refused"))
		a.store.loadErr.Store(&down)
		resp, body := a.get(t, a.fake.SessionToken(testShop, 1), "")
		assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
		assert.NotContains(t, body, "connection refused")
		assert.Zero(t, a.fake.Stats().Requests)
	})
}

// otherIDRefresher hands out the session of another ID than asked for.
type otherIDRefresher struct{ *tokenstore.Refresher }

func (r otherIDRefresher) Renew(ctx context.Context, id string) (*client.Session, error) {
	s, err := r.Refresher.Renew(ctx, id)
	if s != nil {
		s.ID = shopify.OfflineSessionID("other-shop.myshopify.com")
	}
	return s, err
}

// TestMiddlewareMisconfiguredRefresher: a Refresher that hands out a
// session the app does not accept (built without
// WithFreshness(app.Fresh), it keeps a non-expiring offline token the
// app migrates) or one of another ID is a server misconfiguration: 500,
// logged, the handler not reached, no token in the answer or the log.
func TestMiddlewareMisconfiguredRefresher(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		wrap func(a *appSetup, ref *tokenstore.Refresher) shopify.Refresher
	}{
		{"freshness not the app's", func(a *appSetup, _ *tokenstore.Refresher) shopify.Refresher {
			r, err := tokenstore.NewRefresher(a.store, a.c.Renew) // no WithFreshness(a.c.Fresh)
			require.NoError(t, err)
			return r
		}},
		{"another session ID", func(_ *appSetup, ref *tokenstore.Refresher) shopify.Refresher {
			return otherIDRefresher{ref}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			a := newApp(t, shopify.MiddlewareConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, appOption{refresher: tc.wrap})
			s := nonExpiringSession(a.fake, testShop)
			if tc.name == "another session ID" {
				s.Expiry = fixedNow.Add(time.Hour) // fresh, but handed out under another ID
				s.RefreshToken = "shprt_unused"
			}
			require.NoError(t, a.store.Save(context.Background(), s))
			resp, body := a.get(t, a.fake.SessionToken(testShop, 1), "")
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
			assert.Zero(t, a.handled.Load(), "the handler is not reached")
			assert.NotContains(t, body, s.AccessToken)
			assert.Contains(t, logs.String(), "that is not fresh for", "the misconfiguration is logged")
			assert.Contains(t, logs.String(), "status=500")
			assert.NotContains(t, logs.String(), s.AccessToken)
		})
	}
}

// nonExpiringSession is the stored session of an app installed before
// expiring tokens: the fake's non-expiring offline token for shop.
func nonExpiringSession(f *providertest.Shopify, shop string) *client.Session {
	return &client.Session{ID: shopify.OfflineSessionID(shop), Provider: "shopify", Subject: shop,
		AccessToken: f.IssueOfflineToken(shop), TokenType: "Bearer", IssuedAt: fixedNow.Add(-365 * 24 * time.Hour)}
}

func TestMiddlewareBouncePage(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{AppBridgeURL: "https://cdn.example/app-bridge.js?x=<1>"}, appOption{})
	page := func(reload string) (*http.Response, string) {
		resp, err := noRedirects.Get(a.srv.URL + shopify.DefaultBouncePath + "?shop=" + testShop + "&" + shopify.ReloadParam + "=" + url.QueryEscape(reload))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := page("/app?shop=" + testShop)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	assert.Contains(t, body, `<meta name="shopify-api-key" content="`+testAPIKey+`">`)
	assert.Contains(t, body, `src="https://cdn.example/app-bridge.js?x=&lt;1&gt;"`, "attributes are escaped")
	assert.Contains(t, body, "target.origin !== location.origin", "the page checks the origin too")
	resp, _ = page(a.srv.URL + "/app")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "an absolute URL of this host")
	for _, foreign := range []string{"", "https://evil.com/app", "//evil.com/app", "/\\evil.com", "javascript:alert(1)",
		"https://user@" + strings.TrimPrefix(a.srv.URL, "http://") + "/app", "/app\n", "app"} {
		resp, _ := page(foreign)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, foreign)
	}
	resp, err := http.Post(a.srv.URL+shopify.DefaultBouncePath, "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Zero(t, a.handled.Load())
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

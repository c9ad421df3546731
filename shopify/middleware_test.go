package shopify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

var errNotFound = errors.New("not found")

// memStorage is a Storage for tests that counts its calls.
type memStorage struct {
	mu      sync.Mutex
	m       map[string]*client.Session
	saves   atomic.Int32
	loadErr error
}

func (s *memStorage) Load(_ context.Context, id string) (*client.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loadErr != nil {
		return nil, s.loadErr
	}
	if v, ok := s.m[id]; ok {
		return v.Clone(), nil
	}
	return nil, errNotFound
}

func (s *memStorage) Save(_ context.Context, v *client.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*client.Session{}
	}
	s.m[v.ID] = v.Clone()
	s.saves.Add(1)
	return nil
}

// testClock is a clock tests move forward.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock               { c := &testClock{}; c.ns.Store(fixedNow.UnixNano()); return c }
func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

type appSetup struct {
	fake    *providertest.Shopify
	c       *shopify.Client
	store   *memStorage
	srv     *httptest.Server
	clock   *testClock
	handled atomic.Int32
}

func newApp(t *testing.T, mc shopify.MiddlewareConfig, opts ...client.Option) *appSetup {
	t.Helper()
	a := &appSetup{clock: newTestClock(), store: &memStorage{}}
	a.fake = providertest.NewShopify(providertest.WithShopifyCredentials(testAPIKey, testAPISecret),
		providertest.WithClock(a.clock.Now))
	t.Cleanup(a.fake.Close)
	var err error
	opts = append([]client.Option{client.WithRetryWait(time.Millisecond, 50*time.Millisecond)}, opts...)
	a.c, err = shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: a.clock.Now,
		InsecureShopBaseURL: a.fake.URL}, opts...)
	require.NoError(t, err)
	mc.Storage = a.store
	mc.IsNotFound = func(err error) bool { return errors.Is(err, errNotFound) }
	mw, err := a.c.Middleware(mc)
	require.NoError(t, err)
	a.srv = httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.handled.Add(1)
		s, ok := shopify.SessionFromContext(r.Context())
		require.True(t, ok)
		claims, ok := shopify.ClaimsFromContext(r.Context())
		require.True(t, ok)
		_, _ = io.WriteString(w, s.ID+" "+claims.Shop+" "+s.AccessToken)
	})))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *appSetup) get(t *testing.T, token, query string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+"/api/products"+query, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestMiddlewareExchangesOnceThenLoads(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{})
	resp, body := a.get(t, a.fake.SessionToken(testShop, 42), "?shop="+testShop)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	stored := a.store.m["offline_"+testShop]
	require.NotNil(t, stored)
	assert.Equal(t, "offline_"+testShop+" "+testShop+" "+stored.AccessToken, body)
	assert.Equal(t, 1, a.fake.Stats().TokenExchanges)

	// The next request, with another session token, uses the stored session.
	resp, _ = a.get(t, a.fake.SessionToken(testShop, 43), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 1, a.fake.Stats().Requests)
	assert.EqualValues(t, 1, a.store.saves.Load())
}

func TestMiddlewareRejectsBadSessionTokens(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{})
	expiredForServer := func() string {
		f := validFields()
		f.Exp = fixedNow.Add(-5 * time.Second) // within our tolerance, not the server's
		return providertest.MintSessionToken(testAPISecret, f)
	}()
	cases := []struct{ name, token, query string }{
		{"no token", "", ""},
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
			resp, body := a.get(t, tc.token, tc.query)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.Equal(t, "1", resp.Header.Get("X-Shopify-Retry-Invalid-Session-Request"))
			if tc.token != "" {
				assert.NotContains(t, body, tc.token)
			}
		})
	}
	assert.Zero(t, a.handled.Load(), "the handler never ran")
	assert.Equal(t, 1, a.fake.Stats().Requests, "only the locally valid token was sent")
	assert.Equal(t, 1, a.fake.Stats().InvalidSubject)
	assert.Empty(t, a.store.m)
}

func TestMiddlewareRefreshesExpiringToken(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{Expiring: true})
	resp, _ := a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	first := a.store.m["offline_"+testShop].Clone()
	require.NotEmpty(t, first.RefreshToken)

	a.clock.Advance(time.Hour) // the access token has expired
	resp, body := a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	second := a.store.m["offline_"+testShop]
	assert.NotEqual(t, first.AccessToken, second.AccessToken)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken)
	st := a.fake.Stats()
	assert.Equal(t, 1, st.TokenExchanges)
	assert.Equal(t, 1, st.Refreshes)
	assert.True(t, a.fake.AccessTokenValid(testShop, second.AccessToken))

	// A dead refresh token falls back to a token exchange.
	dead := second.Clone()
	dead.RefreshToken = "shprt_revoked"
	dead.Expiry = a.clock.Now()
	require.NoError(t, a.store.Save(context.Background(), dead))
	resp, _ = a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 2, a.fake.Stats().TokenExchanges)
}

// Concurrent first requests for one shop exchange once: with expiring
// tokens, a second exchange would revoke the first one's token.
func TestMiddlewareConcurrentRequestsExchangeOnce(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{Expiring: true})
	a.fake.Fail(providertest.Slow(time.Second))
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

func TestMiddlewareOnline(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopify.MiddlewareConfig{Online: true})
	resp, body := a.get(t, a.fake.SessionToken(testShop, 42), "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	s := a.store.m[testShop+"_42"]
	require.NotNil(t, s)
	u, ok := shopify.UserOf(s)
	require.True(t, ok)
	assert.Equal(t, int64(42), u.ID)
	resp, _ = a.get(t, a.fake.SessionToken(testShop, 43), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 2, a.fake.Stats().TokenExchanges, "each user has an online session")

	_, err := a.c.Middleware(shopify.MiddlewareConfig{Storage: a.store, Online: true, Expiring: true})
	assert.Error(t, err)
	_, err = a.c.Middleware(shopify.MiddlewareConfig{})
	assert.Error(t, err)
}

func TestMiddlewareFailures(t *testing.T) {
	t.Parallel()
	t.Run("rate limited", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, shopify.MiddlewareConfig{}, client.WithRetryMax(0))
		a.fake.Fail(providertest.RateLimited("3"))
		resp, _ := a.get(t, a.fake.SessionToken(testShop, 1), "")
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Equal(t, "3", resp.Header.Get("Retry-After"))
	})
	t.Run("Shopify down", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, shopify.MiddlewareConfig{})
		a.fake.Fail(providertest.HTMLPage(502))
		resp, body := a.get(t, a.fake.SessionToken(testShop, 1), "")
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
		assert.NotContains(t, body, testAPISecret)
	})
	t.Run("storage down", func(t *testing.T) {
		t.Parallel()
		a := newApp(t, shopify.MiddlewareConfig{})
		a.store.loadErr = errors.New("connection refused")
		resp, body := a.get(t, a.fake.SessionToken(testShop, 1), "")
		assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
		assert.NotContains(t, body, "connection refused")
		assert.Zero(t, a.fake.Stats().Requests)
	})
}

func TestAdminClient(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: fake.SessionToken(testShop, 1)})
	require.NoError(t, err)
	hc, err := c.AdminClient(s, nil)
	require.NoError(t, err)

	u, err := c.AdminURL(testShop, "api/2025-01/shop.json")
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer leaked") // removed by the transport
	resp, err := hc.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	assert.Contains(t, string(b), `"myshopify_domain":"`+testShop+`"`)
	assert.Equal(t, "Bearer leaked", req.Header.Get("Authorization"), "the caller's request is not modified")
	assert.Equal(t, 1, fake.Stats().AdminCalls)

	for _, foreign := range []string{
		"https://evil.com/admin/api/2025-01/shop.json",
		"http://" + testShop + "/admin/api/2025-01/shop.json",
		"https://" + testShop + ":8443/admin/api/2025-01/shop.json",
		fake.URL + "/other-shop.myshopify.com/admin/api/2025-01/shop.json",
	} {
		_, err := hc.Get(foreign)
		require.ErrorIs(t, err, shopify.ErrForeignHost, foreign)
		assert.NotContains(t, err.Error(), s.AccessToken)
	}
	_, err = c.AdminURL("evil.com", "api/2025-01/shop.json")
	assert.ErrorIs(t, err, shopify.ErrInvalidShop)
	_, err = c.AdminURL(testShop, "../../evil")
	assert.Error(t, err)

	// Without the test base URL, only https://{shop} gets the token.
	tr := &shopify.AdminTransport{Shop: testShop, AccessToken: "tok", Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, "tok", r.Header.Get("X-Shopify-Access-Token"))
		return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
	})}
	resp, err = (&http.Client{Transport: tr}).Get("https://" + testShop + "/admin/api/2025-01/shop.json")
	require.NoError(t, err)
	assert.Equal(t, 204, resp.StatusCode)
	_, err = (&http.Client{Transport: tr}).Get(fake.URL + "/" + testShop + "/admin/api/2025-01/shop.json")
	assert.ErrorIs(t, err, shopify.ErrForeignHost)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

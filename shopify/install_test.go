package shopify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

type installApp struct {
	fake  *providertest.Shopify
	srv   *httptest.Server
	store *tokenstore.Memory
	mu    sync.Mutex
	errs  []error
}

// newInstallApp serves an app with /auth (begin), /auth/callback and a
// landing page, installing against the fake; save, when set, replaces the
// store's Save.
func newInstallApp(t *testing.T, save func(context.Context, *client.Session) error) *installApp {
	return newInstallAppOnline(t, save, false)
}

func newInstallAppOnline(t *testing.T, save func(context.Context, *client.Session) error, online bool) *installApp {
	t.Helper()
	fake, c := setup(t)
	app := &installApp{fake: fake, store: tokenstore.NewMemory()}
	if save == nil {
		save = app.store.Save
	}
	state, err := client.NewBrowserState(client.BrowserStateConfig{Key: []byte("0123456789abcdef0123456789abcdef"), Now: fixedClock})
	require.NoError(t, err)
	mux := http.NewServeMux()
	app.srv = httptest.NewServer(mux)
	t.Cleanup(app.srv.Close)
	begin, callback, err := c.InstallHandlers(shopify.InstallConfig{
		State: state, RedirectURI: app.srv.URL + "/auth/callback", Save: save, SuccessURL: "/installed", Online: online,
		OnError: func(w http.ResponseWriter, _ *http.Request, status int, err error) {
			app.mu.Lock()
			app.errs = append(app.errs, err)
			app.mu.Unlock()
			http.Error(w, "refused", status)
		},
	})
	require.NoError(t, err)
	mux.Handle("GET /auth", begin)
	mux.Handle("GET /auth/callback", callback)
	mux.HandleFunc("GET /installed", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "installed") })
	return app
}

func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar}
}

func get(t *testing.T, hc *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := hc.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestInstallThroughCodeGrant: begin → the fake's authorize page →
// callback → an expiring offline session saved, over real HTTP.
func TestInstallThroughCodeGrant(t *testing.T) {
	t.Parallel()
	app := newInstallApp(t, nil)
	resp, body := get(t, browser(t), app.srv.URL+"/auth?shop=Test-Shop.myshopify.com")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "installed", body)
	assert.Equal(t, "/installed", resp.Request.URL.Path)

	s, err := app.store.Load(context.Background(), shopify.OfflineSessionID(testShop))
	require.NoError(t, err)
	assert.Equal(t, testShop, s.Subject)
	assert.NotEmpty(t, s.RefreshToken, "an expiring offline token")
	assert.False(t, s.Expiry.IsZero())
	assert.True(t, app.fake.AccessTokenValid(testShop, s.AccessToken))
	assert.Equal(t, 1, app.fake.Stats().CodeExchanges)
	reqs := app.fake.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "1", reqs[0].Body["expiring"])
}

// TestInstallOnline: a per-user install saves the approving staff
// member's online session.
func TestInstallOnline(t *testing.T) {
	t.Parallel()
	app := newInstallAppOnline(t, nil, true)
	app.fake.SetOnlineApprover(42)
	resp, body := get(t, browser(t), app.srv.URL+"/auth?shop="+testShop)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	s, err := app.store.Load(context.Background(), shopify.OnlineSessionID(testShop, 42))
	require.NoError(t, err)
	u, ok := shopify.UserOf(s)
	require.True(t, ok)
	assert.Equal(t, int64(42), u.ID)
	assert.False(t, s.Expiry.IsZero())
}

// TestInstallCookie: the begin answer sets an HttpOnly login cookie and
// redirects to the authorize URL with that login's state.
func TestInstallCookie(t *testing.T) {
	t.Parallel()
	app := newInstallApp(t, nil)
	noFollow := browser(t)
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ := get(t, noFollow, app.srv.URL+"/auth?shop="+testShop)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	cookies := resp.Cookies()
	require.Len(t, cookies, 1)
	assert.True(t, cookies[0].HttpOnly, "the official library's state cookie lacks HttpOnly; this one has it")
	assert.Equal(t, http.SameSiteLaxMode, cookies[0].SameSite)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/"+testShop+"/admin/oauth/authorize", loc.Path)
	assert.NotEmpty(t, loc.Query().Get("state"))
	assert.Equal(t, app.srv.URL+"/auth/callback", loc.Query().Get("redirect_uri"))

	for _, bad := range []string{"evil.com", "", "test-shop.myshopify.com.evil.com"} {
		resp, _ := get(t, noFollow, app.srv.URL+"/auth?shop="+url.QueryEscape(bad))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, bad)
	}
}

// TestInstallRefusals: a callback link opened in another browser, opened
// twice, tampered with, or for another shop than the install began for is
// refused and saves nothing.
func TestInstallRefusals(t *testing.T) {
	t.Parallel()
	app := newInstallApp(t, nil)
	// callbackURL begins an install in b and returns the URL the fake
	// sends b back to, without following it.
	callbackURL := func(b *http.Client) string {
		stop := *b
		stop.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.Path, "/auth/callback") {
				return http.ErrUseLastResponse
			}
			return nil
		}
		resp, _ := get(t, &stop, app.srv.URL+"/auth?shop="+testShop)
		require.Equal(t, http.StatusFound, resp.StatusCode)
		return resp.Header.Get("Location")
	}

	victim, attacker := browser(t), browser(t)
	link := callbackURL(attacker)
	resp, _ := get(t, victim, link)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "opened in another browser")

	b := browser(t)
	link = callbackURL(b)
	tampered, _ := url.Parse(link)
	q := tampered.Query()
	q.Set("code", "other")
	tampered.RawQuery = q.Encode()
	resp, _ = get(t, b, tampered.String())
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "tampered hmac")
	resp, _ = get(t, b, link)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the login cookie was spent by the refused attempt")

	b = browser(t)
	link = callbackURL(b)
	other, _ := url.Parse(link)
	oq := other.Query()
	oq.Set("shop", "other-shop.myshopify.com")
	oq.Set("code", app.fake.IssueCode("other-shop.myshopify.com"))
	other.RawQuery = providertest.SignShopifyQuery(app.fake.APISecret, oq).Encode()
	resp, _ = get(t, b, other.String())
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "for another shop")

	b = browser(t)
	link = callbackURL(b)
	resp, _ = get(t, b, link)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = get(t, b, link)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "replayed")

	assert.Equal(t, 1, app.fake.Stats().CodeExchanges, "only the good install exchanged a code")
	app.mu.Lock()
	defer app.mu.Unlock()
	require.Len(t, app.errs, 5)
	assert.ErrorIs(t, app.errs[0], client.ErrInvalidState)
	assert.ErrorIs(t, app.errs[1], shopify.ErrCallbackHMAC)
	assert.ErrorIs(t, app.errs[2], client.ErrInvalidState)
	assert.ErrorIs(t, app.errs[3], shopify.ErrInstallShopMismatch)
	assert.ErrorIs(t, app.errs[4], client.ErrInvalidState)
}

func TestInstallSaveFails(t *testing.T) {
	t.Parallel()
	app := newInstallApp(t, func(context.Context, *client.Session) error { return errors.New("disk full") })
	resp, _ := get(t, browser(t), app.srv.URL+"/auth?shop="+testShop)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	app.mu.Lock()
	defer app.mu.Unlock()
	require.Len(t, app.errs, 1)
	assert.ErrorIs(t, app.errs[0], shopify.ErrInstallSave)
}

func TestInstallConfig(t *testing.T) {
	t.Parallel()
	c := webhookClient(t)
	state, err := client.NewBrowserState(client.BrowserStateConfig{Key: make([]byte, 32)})
	require.NoError(t, err)
	save := func(context.Context, *client.Session) error { return nil }
	for name, cfg := range map[string]shopify.InstallConfig{
		"no state":         {RedirectURI: "https://app.example.com/cb", Save: save},
		"no save":          {State: state, RedirectURI: "https://app.example.com/cb"},
		"no redirect":      {State: state, Save: save},
		"http redirect":    {State: state, Save: save, RedirectURI: "http://app.example.com/cb"},
		"negative timeout": {State: state, Save: save, RedirectURI: "https://app.example.com/cb", Timeout: -1},
	} {
		_, _, err := c.InstallHandlers(cfg)
		assert.ErrorIs(t, err, client.ErrInvalidRequest, name)
	}
}

// TestInstallExchangeFails: a callback that verifies (hmac, state, shop)
// but whose code Shopify refuses is answered 502 with ErrInstallExchange,
// and nothing is saved.
func TestInstallExchangeFails(t *testing.T) {
	t.Parallel()
	app := newInstallApp(t, nil)
	b := browser(t)
	stop := *b
	stop.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.Path, "/auth/callback") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, _ := get(t, &stop, app.srv.URL+"/auth?shop="+testShop)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	link, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	q := link.Query()
	q.Set("code", "never-issued")
	link.RawQuery = providertest.SignShopifyQuery(app.fake.APISecret, q).Encode()

	resp, _ = get(t, b, link.String())
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	_, err = app.store.Load(context.Background(), shopify.OfflineSessionID(testShop))
	require.ErrorIs(t, err, client.ErrSessionNotFound)
	app.mu.Lock()
	defer app.mu.Unlock()
	require.Len(t, app.errs, 1)
	assert.ErrorIs(t, app.errs[0], shopify.ErrInstallExchange)
	assert.NotContains(t, app.errs[0].Error(), "never-issued", "the code is not in the error")
}

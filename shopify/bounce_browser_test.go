package shopify_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// appBridgeStandIn plays App Bridge on the bounce page: shopify.idToken()
// resolves to a fresh session token, which the test's server mints with
// the fake (as Shopify's admin would hand App Bridge one).
const appBridgeStandIn = `window.shopify = { idToken: function () {
  return fetch("/test/session-token").then(function (r) { return r.text(); });
} };`

// A document request with a bad session token, opened in headless
// Chromium: it is redirected to the bounce page, which loads (a stand-in
// for) App Bridge, gets a fresh session token and reloads the original
// URL with it; the middleware accepts it and the handler runs.
func TestBouncePageInChromium(t *testing.T) {
	t.Parallel()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		storetest.ServiceMissing(t, "headless Chromium (Debian's chromium package)", err)
	}
	clock := newTestClock()
	fake := providertest.NewShopify(providertest.WithShopifyCredentials(testAPIKey, testAPISecret), providertest.WithClock(clock.Now))
	t.Cleanup(fake.Close)
	app, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: clock.Now, InsecureShopBaseURL: fake.URL})
	require.NoError(t, err)
	store := tokenstore.NewMemory()
	ref, err := tokenstore.NewRefresher(store, app.Renew, tokenstore.WithFreshness(app.Fresh), tokenstore.WithRefresherClock(clock.Now))
	require.NoError(t, err)
	mw, err := app.Middleware(shopify.MiddlewareConfig{Storage: store, Refresher: ref, AppBridgeURL: "/app-bridge.js"})
	require.NoError(t, err)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /app-bridge.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = io.WriteString(w, appBridgeStandIn)
	})
	mux.HandleFunc("GET /test/session-token", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, fake.SessionToken(testShop, 7))
	})
	mux.Handle("/", mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := shopify.SessionFromContext(r.Context())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!DOCTYPE html><html><body><p id="result">`+html.EscapeString(s.Subject)+`|`+
			html.EscapeString(r.URL.RequestURI())+`</p></body></html>`)
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	start := srv.URL + "/app/orders?shop=" + testShop + "&host=YWRtaW4&id_token=" + url.QueryEscape(fake.BrokenSessionToken(testShop, 7, providertest.BreakExpired))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=20000", "--dump-dom", start)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", out)

	m := regexp.MustCompile(`<p id="result">([^<|]*)\|([^<]*)</p>`).FindStringSubmatch(string(out))
	require.NotNil(t, m, "the page Chromium ended on is not the app's: %s", out)
	assert.Equal(t, testShop, m[1])
	final, err := url.Parse(html.UnescapeString(m[2]))
	require.NoError(t, err)
	assert.Equal(t, "/app/orders", final.Path, "the original URL reloaded")
	q := final.Query()
	assert.Equal(t, testShop, q.Get("shop"))
	assert.Equal(t, "YWRtaW4", q.Get("host"))
	_, err = app.DecodeSessionToken(q.Get("id_token"))
	assert.NoError(t, err, "it carries a valid session token")
	assert.Equal(t, 1, fake.Stats().TokenExchanges)
}

package shopify_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

func proxyQuery(shop string, ts time.Time) url.Values {
	return url.Values{"shop": {shop}, "path_prefix": {"/apps/awesome_reviews"},
		"timestamp": {strconv.FormatInt(ts.Unix(), 10)}, "logged_in_customer_id": {"1234"}, "extra": {"1", "2"}}
}

// proxyRequest is a GET whose raw query is exactly raw.
func proxyRequest(raw string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/proxy/reviews", nil)
	r.URL.RawQuery = raw
	return r
}

// The example of Shopify's app-proxy documentation, signed string written
// out by hand.
func TestVerifyAppProxyKnownMessage(t *testing.T) {
	t.Parallel()
	c := webhookClient(t)
	msg := "extra=1,2logged_in_customer_id=path_prefix=/apps/awesome_reviewsshop=shop-name.myshopify.comtimestamp=1800000000"
	raw := "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1800000000&signature=" +
		hex.EncodeToString(macOf(testAPISecret, msg))
	p, err := c.VerifyAppProxy(proxyRequest(raw))
	require.NoError(t, err)
	assert.Equal(t, "shop-name.myshopify.com", p.Shop)
	assert.Equal(t, "", p.LoggedInCustomerID)
	assert.Equal(t, "/apps/awesome_reviews", p.PathPrefix)
	assert.True(t, fixedNow.Equal(p.Timestamp))
	assert.Equal(t, []string{"1", "2"}, p.Params["extra"])
	assert.NotContains(t, p.Params, "signature")
}

func TestVerifyAppProxy(t *testing.T) {
	t.Parallel()
	c := webhookClient(t)
	lenient, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock, TimestampTolerance: 10 * time.Minute})
	require.NoError(t, err)
	signed := func(q url.Values) string { return providertest.SignShopifyAppProxy(testAPISecret, q).Encode() }
	valid := func() url.Values { return proxyQuery(testShop, fixedNow.Add(-10*time.Second)) }
	edit := func(q url.Values, f func(url.Values)) url.Values { f(q); return q }
	at := func(d time.Duration) string { return signed(proxyQuery(testShop, fixedNow.Add(d))) }
	withTS := func(ts string) string { return signed(edit(valid(), func(q url.Values) { q.Set("timestamp", ts) })) }
	sigOf := func(raw string) string { q, _ := url.ParseQuery(raw); return q.Get("signature") }
	good := signed(valid())
	cases := []struct {
		name   string
		c      *shopify.Client
		raw    string
		shop   string
		reason error
	}{
		{name: "valid", raw: good, shop: testShop},
		{name: "visitor without customer id", raw: signed(edit(valid(), func(q url.Values) { q.Set("logged_in_customer_id", "") })), shop: testShop},
		{name: "multi-valued parameter joined with commas", raw: signed(edit(valid(), func(q url.Values) { q["color"] = []string{"red", "blue", "green"} })), shop: testShop},
		{name: "admin URL shop form", raw: signed(proxyQuery("admin.shopify.com/store/test-shop", fixedNow)), shop: testShop},
		{name: "parameters in another order", raw: reversed(signed(edit(valid(), func(q url.Values) { q.Del("extra") }))), shop: testShop},
		{name: "values of a repeated parameter swapped", raw: strings.Replace(good, "extra=1&extra=2", "extra=2&extra=1", 1), reason: shopify.ErrAppProxySignature},
		{name: "timestamp at the edge", raw: at(-shopify.DefaultTimestampTolerance), shop: testShop},
		{name: "configurable tolerance", c: lenient, raw: at(-9 * time.Minute), shop: testShop},
		{name: "wrong secret", raw: providertest.SignShopifyAppProxy("other-secret", valid()).Encode(), reason: shopify.ErrAppProxySignature},
		{name: "tampered customer id", raw: strings.Replace(good, "logged_in_customer_id=1234", "logged_in_customer_id=1", 1), reason: shopify.ErrAppProxySignature},
		{name: "added parameter", raw: good + "&admin=1", reason: shopify.ErrAppProxySignature},
		// Shopify's recipe cannot tell extra=1&extra=2 from extra=1%2C2.
		{name: "multi-value sent as one comma value", raw: strings.Replace(good, "extra=1&extra=2", "extra=1%2C2", 1), shop: testShop},
		{name: "missing signature", raw: valid().Encode(), reason: shopify.ErrAppProxySignature},
		{name: "uppercase hex", raw: strings.Replace(good, sigOf(good), strings.ToUpper(sigOf(good)), 1), reason: shopify.ErrAppProxySignature},
		{name: "base64 instead of hex", raw: strings.Replace(good, sigOf(good), url.QueryEscape(base64.StdEncoding.EncodeToString(func() []byte { b, _ := hex.DecodeString(sigOf(good)); return b }())), 1), reason: shopify.ErrAppProxySignature},
		{name: "admin recipe instead of the proxy's", raw: providertest.SignShopifyQuery(testAPISecret, valid()).Encode(), reason: shopify.ErrAppProxySignature},
		{name: "stale timestamp", raw: at(-shopify.DefaultTimestampTolerance - time.Second), reason: shopify.ErrAppProxyExpired},
		{name: "future timestamp", raw: at(shopify.DefaultTimestampTolerance + time.Second), reason: shopify.ErrAppProxyExpired},
		{name: "non-numeric timestamp", raw: withTS("now"), reason: shopify.ErrAppProxyTimestamp},
		{name: "exponent timestamp", raw: withTS("1.8e9"), reason: shopify.ErrAppProxyTimestamp},
		{name: "signed timestamp", raw: withTS("+1800000000"), reason: shopify.ErrAppProxyTimestamp},
		{name: "huge timestamp", raw: withTS(strings.Repeat("9", 30)), reason: shopify.ErrAppProxyTimestamp},
		{name: "missing timestamp", raw: signed(edit(valid(), func(q url.Values) { q.Del("timestamp") })), reason: shopify.ErrAppProxyTimestamp},
		{name: "hostile shop", raw: signed(proxyQuery("evil.com", fixedNow)), reason: shopify.ErrInvalidShop},
		{name: "shop with path", raw: signed(proxyQuery(testShop+"/admin", fixedNow)), reason: shopify.ErrInvalidShop},
		{name: "missing shop", raw: signed(edit(valid(), func(q url.Values) { q.Del("shop") })), reason: shopify.ErrInvalidShop},
		{name: "repeated signature", raw: good + "&signature=" + sigOf(good), reason: shopify.ErrAppProxyRepeated},
		{name: "repeated shop", raw: signed(edit(valid(), func(q url.Values) { q.Add("shop", "evil.myshopify.com") })), reason: shopify.ErrAppProxyRepeated},
		{name: "repeated timestamp", raw: signed(edit(valid(), func(q url.Values) { q.Add("timestamp", "1") })), reason: shopify.ErrAppProxyRepeated},
		{name: "repeated hmac", raw: signed(edit(valid(), func(q url.Values) { q["hmac"] = []string{"a", "b"} })), reason: shopify.ErrAppProxyRepeated},
		{name: "bad percent-encoding", raw: good + "&x=%zz", reason: shopify.ErrAppProxyMalformed},
		{name: "semicolon separator", raw: strings.Replace(good, "&", ";", 1), reason: shopify.ErrAppProxyMalformed},
	}
	require.GreaterOrEqual(t, len(cases), 25)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vc := tc.c
			if vc == nil {
				vc = c
			}
			p, err := vc.VerifyAppProxy(proxyRequest(tc.raw))
			if tc.reason == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.shop, p.Shop)
				assert.Equal(t, "/apps/awesome_reviews", p.PathPrefix)
				return
			}
			requireOneReason(t, err, shopify.ErrInvalidAppProxy, tc.reason)
			requireNoSecrets(t, err.Error(), sigOf(tc.raw))
			assert.Nil(t, p)
		})
	}
	_, err = c.VerifyAppProxy(nil)
	requireOneReason(t, err, shopify.ErrInvalidAppProxy, shopify.ErrAppProxyMalformed)
}

// reversed puts the parameters of a raw query in the opposite order.
func reversed(raw string) string {
	parts := strings.Split(raw, "&")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "&")
}

// TestAppProxyOverHTTP sends the fake's proxied request to a real server.
func TestAppProxyOverHTTP(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := c.VerifyAppProxy(r)
		if err != nil {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		_, _ = io.WriteString(w, p.Shop+" "+p.LoggedInCustomerID+" "+p.PathPrefix+" "+p.Params.Get("q"))
	}))
	t.Cleanup(srv.Close)
	req, err := fake.AppProxyRequest(context.Background(), srv.URL+"/proxy", testShop, "/apps/reviews", "77", url.Values{"q": {"a b"}})
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	assert.Equal(t, testShop+" 77 /apps/reviews a b", string(b))

	req.URL.RawQuery += "&q=more"
	resp, err = srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
}

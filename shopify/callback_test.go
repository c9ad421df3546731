package shopify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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

// callbackQuery is a callback query for shop at ts, unsigned.
func callbackQuery(shop string, ts time.Time) url.Values {
	return url.Values{"code": {"0907a61c0c8d55e99db179b68161bc00"}, "host": {"YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdGVzdC1zaG9w"},
		"shop": {shop}, "state": {"st-0123456789abcdef"}, "timestamp": {strconv.FormatInt(ts.Unix(), 10)}}
}

func macOf(secret, msg string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// A worked example: the signed string of this query is written out by
// hand, so the recipe cannot drift together with the fake's signer.
func TestVerifyCallbackKnownMessage(t *testing.T) {
	t.Parallel()
	c := webhookClient(t)
	q := callbackQuery(testShop, fixedNow)
	q.Set("host", "YWRtaW4=")
	q.Set("extra", "a b*~")
	msg := "code=0907a61c0c8d55e99db179b68161bc00&extra=a%20b*%7E&host=YWRtaW4%3D&shop=test-shop.myshopify.com&state=st-0123456789abcdef&timestamp=1800000000"
	q.Set("hmac", hex.EncodeToString(macOf(testAPISecret, msg)))
	shop, err := c.VerifyCallback(q)
	require.NoError(t, err)
	assert.Equal(t, testShop, shop)
}

func TestVerifyCallback(t *testing.T) {
	t.Parallel()
	c := webhookClient(t)
	lenient, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock, TimestampTolerance: 5 * time.Minute})
	require.NoError(t, err)
	sign := func(q url.Values) url.Values { return providertest.SignShopifyQuery(testAPISecret, q) }
	valid := func() url.Values { return callbackQuery(testShop, fixedNow.Add(-30*time.Second)) }
	edit := func(q url.Values, f func(url.Values)) url.Values { f(q); return q }
	at := func(d time.Duration) url.Values { return callbackQuery(testShop, fixedNow.Add(d)) }
	withTS := func(ts string) url.Values { return edit(valid(), func(q url.Values) { q.Set("timestamp", ts) }) }
	goodMAC := func(q url.Values) []byte { b, _ := hex.DecodeString(sign(q).Get("hmac")); return b }
	cases := []struct {
		name   string
		c      *shopify.Client
		query  url.Values // signed unless raw
		raw    bool
		after  func(url.Values) // applied after signing
		shop   string
		reason error
	}{
		{name: "valid", query: valid(), shop: testShop},
		{name: "admin URL shop form", query: callbackQuery("admin.shopify.com/store/test-shop", fixedNow), shop: testShop},
		{name: "uppercase shop", query: callbackQuery("Test-Shop.myshopify.com", fixedNow), shop: testShop},
		{name: "padded host and odd characters", query: edit(valid(), func(q url.Values) { q.Set("host", "YWRtaW4="); q.Set("x", "a b&c=d*~+") }), shop: testShop},
		{name: "multi-valued other parameter", query: edit(valid(), func(q url.Values) { q["ids"] = []string{"1", "2"} }), shop: testShop},
		{name: "signature parameter not signed", query: valid(), after: func(q url.Values) { q.Set("signature", "anything") }, shop: testShop},
		{name: "timestamp at the edge of the tolerance", query: at(shopify.DefaultTimestampTolerance), shop: testShop},
		{name: "future timestamp at the edge", query: at(-shopify.DefaultTimestampTolerance), shop: testShop},
		{name: "configurable tolerance", c: lenient, query: at(-4 * time.Minute), shop: testShop},
		{name: "wrong secret", raw: true, query: providertest.SignShopifyQuery("other-secret", valid()), reason: shopify.ErrCallbackHMAC},
		{name: "tampered code", query: valid(), after: func(q url.Values) { q.Set("code", "other") }, reason: shopify.ErrCallbackHMAC},
		{name: "tampered state", query: valid(), after: func(q url.Values) { q.Set("state", "forged") }, reason: shopify.ErrCallbackHMAC},
		{name: "added parameter", query: valid(), after: func(q url.Values) { q.Set("redirect", "https://evil.com") }, reason: shopify.ErrCallbackHMAC},
		{name: "missing hmac", raw: true, query: valid(), reason: shopify.ErrCallbackHMAC},
		{name: "uppercase hex hmac", query: valid(), after: func(q url.Values) { q.Set("hmac", strings.ToUpper(q.Get("hmac"))) }, reason: shopify.ErrCallbackHMAC},
		{name: "base64 instead of hex", query: valid(), after: func(q url.Values) { q.Set("hmac", base64.StdEncoding.EncodeToString(goodMAC(valid()))) }, reason: shopify.ErrCallbackHMAC},
		{name: "unencoded message", raw: true, query: edit(valid(), func(q url.Values) {
			q.Set("x", "a b")
			q.Set("hmac", hex.EncodeToString(macOf(testAPISecret, "code="+q.Get("code")+"&host="+q.Get("host")+"&shop="+testShop+"&state="+q.Get("state")+"&timestamp="+q.Get("timestamp")+"&x=a b")))
		}), reason: shopify.ErrCallbackHMAC},
		{name: "stale timestamp", query: at(-shopify.DefaultTimestampTolerance - time.Second), reason: shopify.ErrCallbackExpired},
		{name: "future timestamp", query: at(shopify.DefaultTimestampTolerance + time.Second), reason: shopify.ErrCallbackExpired},
		{name: "non-integer timestamp", query: withTS("1.8e9"), reason: shopify.ErrCallbackTimestamp},
		{name: "signed timestamp", query: withTS("+1800000000"), reason: shopify.ErrCallbackTimestamp},
		{name: "fractional timestamp", query: withTS("1800000000.0"), reason: shopify.ErrCallbackTimestamp},
		{name: "spaced timestamp", query: withTS(" 1800000000"), reason: shopify.ErrCallbackTimestamp},
		{name: "missing timestamp", query: edit(valid(), func(q url.Values) { q.Del("timestamp") }), reason: shopify.ErrCallbackTimestamp},
		{name: "hostile shop", query: callbackQuery("evil.com", fixedNow), reason: shopify.ErrInvalidShop},
		{name: "shop under a hostile domain", query: callbackQuery("test-shop.myshopify.com.evil.com", fixedNow), reason: shopify.ErrInvalidShop},
		{name: "shop with a port", query: callbackQuery(testShop+":8443", fixedNow), reason: shopify.ErrInvalidShop},
		{name: "missing shop", query: edit(valid(), func(q url.Values) { q.Del("shop") }), reason: shopify.ErrInvalidShop},
		{name: "repeated shop", query: edit(valid(), func(q url.Values) { q.Add("shop", "evil.myshopify.com") }), reason: shopify.ErrCallbackRepeated},
		{name: "repeated state", query: edit(valid(), func(q url.Values) { q.Add("state", "other") }), reason: shopify.ErrCallbackRepeated},
		{name: "repeated code", query: edit(valid(), func(q url.Values) { q.Add("code", "other") }), reason: shopify.ErrCallbackRepeated},
		{name: "repeated timestamp", query: edit(valid(), func(q url.Values) { q.Add("timestamp", "1") }), reason: shopify.ErrCallbackRepeated},
		{name: "repeated hmac", query: valid(), after: func(q url.Values) { q.Add("hmac", q.Get("hmac")) }, reason: shopify.ErrCallbackRepeated},
	}
	require.GreaterOrEqual(t, len(cases), 25)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vc := tc.c
			if vc == nil {
				vc = c
			}
			q := tc.query
			if !tc.raw {
				q = sign(q)
			}
			if tc.after != nil {
				tc.after(q)
			}
			shop, err := vc.VerifyCallback(q)
			if tc.reason == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.shop, shop)
				return
			}
			requireOneReason(t, err, shopify.ErrInvalidCallback, tc.reason)
			requireNoSecrets(t, err.Error(), q.Get("hmac"), q.Get("code"))
			assert.Empty(t, shop)
		})
	}
}

// requireOneReason checks that err is a *RequestError of kind whose one
// reason is reason.
func requireOneReason(t *testing.T, err error, kind, reason error) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, kind)
	assert.ErrorIs(t, err, reason)
	var re *shopify.RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, reason, re.Reason)
}

func TestTimestampToleranceNegative(t *testing.T) {
	t.Parallel()
	_, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, TimestampTolerance: -time.Second})
	require.Error(t, err)
}

package shopify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

const webhookBody = `{"id":820982911946154508,"email":"jon@example.com"}`

func webhookClient(t testing.TB) *shopify.Client {
	t.Helper()
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock})
	require.NoError(t, err)
	return c
}

func testWebhook(events bool) providertest.ShopifyWebhook {
	return providertest.ShopifyWebhook{
		Events: events, Topic: "orders/create", Shop: testShop, WebhookID: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
		EventID: "98880550-7158-44d4-b7cd-2c97c8a091b5", APIVersion: "2026-01",
		TriggeredAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), Body: []byte(webhookBody),
	}
}

// webhookRequest builds a delivery of wh signed with secret, then applies
// edit to its headers.
func webhookRequest(secret string, wh providertest.ShopifyWebhook, edit func(h http.Header)) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks", strings.NewReader(string(wh.Body)))
	for n, vs := range providertest.ShopifyWebhookHeaders(secret, wh) {
		r.Header[n] = vs
	}
	if edit != nil {
		edit(r.Header)
	}
	return r
}

func rawMAC(body string) []byte {
	m := hmac.New(sha256.New, []byte(testAPISecret))
	m.Write([]byte(body))
	return m.Sum(nil)
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	c := webhookClient(t)
	classic, events := testWebhook(false), testWebhook(true)
	mac := rawMAC(webhookBody)
	// urlBody is a body whose HMAC's standard base64 has a + or a /, so
	// that its base64url form differs.
	urlBody := webhookBody
	for i := 0; i < 100 && !strings.ContainsAny(base64.StdEncoding.EncodeToString(rawMAC(urlBody)), "+/"); i++ {
		urlBody = webhookBody + strings.Repeat(" ", i)
	}
	with := func(wh providertest.ShopifyWebhook, f func(*providertest.ShopifyWebhook)) providertest.ShopifyWebhook {
		f(&wh)
		return wh
	}
	cases := []struct {
		name   string
		secret string
		wh     providertest.ShopifyWebhook
		edit   func(h http.Header)
		body   *string // replaces the body after signing
		reason error   // nil: valid
	}{
		{name: "classic valid", wh: classic},
		{name: "events valid", wh: events},
		{name: "classic with optional headers", wh: with(classic, func(w *providertest.ShopifyWebhook) { w.SubTopic, w.Name = "sub", "my-hook" })},
		{name: "events with optional headers", wh: with(events, func(w *providertest.ShopifyWebhook) {
			w.Handle, w.Action, w.ResourceID = "h", "create", "gid://shopify/Order/1"
		})},
		{name: "classic without optional event id or triggered-at", wh: with(classic, func(w *providertest.ShopifyWebhook) { w.EventID, w.TriggeredAt = "", time.Time{} })},
		{name: "events with classic copies", wh: events, edit: func(h http.Header) {
			for n, vs := range providertest.ShopifyWebhookHeaders(testAPISecret, classic) {
				h[n] = vs
			}
		}},
		{name: "admin URL shop form", wh: with(classic, func(w *providertest.ShopifyWebhook) { w.Shop = "admin.shopify.com/store/test-shop" })},
		{name: "tampered body", wh: classic, body: ptr(webhookBody + " "), reason: shopify.ErrWebhookSignature},
		{name: "events tampered body", wh: events, body: ptr(strings.Replace(webhookBody, "jon", "eve", 1)), reason: shopify.ErrWebhookSignature},
		{name: "wrong secret", secret: "other-secret", wh: classic, reason: shopify.ErrWebhookSignature},
		{name: "events wrong secret", secret: "other-secret", wh: events, reason: shopify.ErrWebhookSignature},
		{name: "empty body with HMAC of empty", wh: with(classic, func(w *providertest.ShopifyWebhook) { w.Body = nil }), reason: shopify.ErrWebhookEmptyBody},
		{name: "hex instead of base64", wh: classic, edit: func(h http.Header) { h.Set("X-Shopify-Hmac-Sha256", hex.EncodeToString(mac)) }, reason: shopify.ErrWebhookSignature},
		{name: "unpadded base64", wh: classic, edit: func(h http.Header) { h.Set("X-Shopify-Hmac-Sha256", base64.RawStdEncoding.EncodeToString(mac)) }, reason: shopify.ErrWebhookSignature},
		{name: "base64url", wh: classic, edit: func(h http.Header) {
			h.Set("X-Shopify-Hmac-Sha256", base64.URLEncoding.EncodeToString(rawMAC(urlBody)))
		}, body: ptr(urlBody), reason: shopify.ErrWebhookSignature},
		{name: "missing hmac", wh: classic, edit: func(h http.Header) { h.Del("X-Shopify-Hmac-Sha256") }, reason: shopify.ErrWebhookSignature},
		{name: "hostile shop", wh: with(classic, func(w *providertest.ShopifyWebhook) { w.Shop = "evil.com" }), reason: shopify.ErrInvalidShop},
		{name: "events hostile shop", wh: with(events, func(w *providertest.ShopifyWebhook) { w.Shop = "test-shop.myshopify.com.evil.com" }), reason: shopify.ErrInvalidShop},
		{name: "shop with port", wh: with(classic, func(w *providertest.ShopifyWebhook) { w.Shop = testShop + ":443" }), reason: shopify.ErrInvalidShop},
		{name: "missing topic", wh: with(classic, func(w *providertest.ShopifyWebhook) { w.Topic = "" }), reason: shopify.ErrWebhookMissingHeader},
		{name: "missing webhook id", wh: with(classic, func(w *providertest.ShopifyWebhook) { w.WebhookID = "" }), reason: shopify.ErrWebhookMissingHeader},
		{name: "missing api version", wh: with(classic, func(w *providertest.ShopifyWebhook) { w.APIVersion = "" }), reason: shopify.ErrWebhookMissingHeader},
		{name: "missing shop", wh: with(classic, func(w *providertest.ShopifyWebhook) { w.Shop = "" }), reason: shopify.ErrWebhookMissingHeader},
		{name: "events missing event id", wh: with(events, func(w *providertest.ShopifyWebhook) { w.EventID = "" }), reason: shopify.ErrWebhookMissingHeader},
		{name: "events missing webhook id", wh: with(events, func(w *providertest.ShopifyWebhook) { w.WebhookID = "" }), reason: shopify.ErrWebhookMissingHeader},
		{name: "duplicated hmac header", wh: classic, edit: func(h http.Header) { h.Add("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(mac)) }, reason: shopify.ErrWebhookDuplicateHeader},
		{name: "duplicated events hmac header", wh: events, edit: func(h http.Header) { h.Add("Shopify-Hmac-Sha256", "x") }, reason: shopify.ErrWebhookDuplicateHeader},
		{name: "duplicated shop header", wh: classic, edit: func(h http.Header) { h.Add("X-Shopify-Shop-Domain", "evil.myshopify.com") }, reason: shopify.ErrWebhookDuplicateHeader},
		{name: "classic carrying a shopify-* header", wh: classic, edit: func(h http.Header) { h.Set("Shopify-Topic", "orders/create") }, reason: shopify.ErrWebhookMixedHeaders},
		{name: "classic with an empty shopify-hmac-sha256", wh: classic, edit: func(h http.Header) { h.Set("Shopify-Hmac-Sha256", "") }, reason: shopify.ErrWebhookMixedHeaders},
		{name: "events completed from classic headers", wh: with(events, func(w *providertest.ShopifyWebhook) { w.Topic = "" }), edit: func(h http.Header) {
			h.Set("X-Shopify-Topic", "orders/create")
		}, reason: shopify.ErrWebhookMixedHeaders},
		{name: "events with a different classic hmac", wh: events, edit: func(h http.Header) { h.Set("X-Shopify-Hmac-Sha256", "AAAA") }, reason: shopify.ErrWebhookMixedHeaders},
		{name: "malformed triggered-at", wh: classic, edit: func(h http.Header) { h.Set("X-Shopify-Triggered-At", "yesterday") }, reason: shopify.ErrWebhookMalformedHeader},
	}
	require.GreaterOrEqual(t, len(cases), 25)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			secret := tc.secret
			if secret == "" {
				secret = testAPISecret
			}
			r := webhookRequest(secret, tc.wh, tc.edit)
			if tc.body != nil {
				r.Body = io.NopCloser(strings.NewReader(*tc.body))
			}
			wh, err := c.VerifyWebhook(r)
			if tc.reason != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.reason)
				assert.ErrorIs(t, err, shopify.ErrInvalidWebhook)
				var re *shopify.RequestError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, tc.reason, re.Reason, "exactly one reason")
				requireNoSecrets(t, err.Error(), base64.StdEncoding.EncodeToString(mac), webhookBody)
				assert.Nil(t, wh)
				return
			}
			require.NoError(t, err)
			want, _ := shopify.SanitizeShop(tc.wh.Shop)
			assert.Equal(t, want, wh.Shop)
			assert.Equal(t, tc.wh.Topic, wh.Topic)
			assert.Equal(t, tc.wh.WebhookID, wh.WebhookID)
			assert.Equal(t, tc.wh.EventID, wh.EventID)
			assert.Equal(t, tc.wh.APIVersion, wh.APIVersion)
			assert.True(t, tc.wh.TriggeredAt.Equal(wh.TriggeredAt))
			assert.Equal(t, webhookBody, string(wh.Body))
			assert.Equal(t, tc.wh.SubTopic, wh.SubTopic)
			assert.Equal(t, tc.wh.Name, wh.Name)
			assert.Equal(t, tc.wh.Handle, wh.Handle)
			assert.Equal(t, tc.wh.Action, wh.Action)
			assert.Equal(t, tc.wh.ResourceID, wh.ResourceID)
			if tc.wh.Events {
				assert.Equal(t, shopify.EventHeaders, wh.HeaderSet)
			} else {
				assert.Equal(t, shopify.ClassicHeaders, wh.HeaderSet)
			}
			rest, err := io.ReadAll(r.Body)
			require.NoError(t, err)
			assert.Equal(t, webhookBody, string(rest), "r.Body is restored")
		})
	}
}

func ptr(s string) *string { return &s }

func TestVerifyWebhookBodyCap(t *testing.T) {
	t.Parallel()
	c := webhookClient(t)
	big := strings.Repeat("a", shopify.MaxWebhookBody+1)
	wh := testWebhook(false)
	wh.Body = []byte(big)
	r := webhookRequest(testAPISecret, wh, nil)
	_, err := c.VerifyWebhook(r)
	require.ErrorIs(t, err, shopify.ErrWebhookBodyTooLarge)
	rest, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Len(t, rest, len(big), "the body is put back whole")

	wh.Body = []byte(big[:shopify.MaxWebhookBody])
	got, err := c.VerifyWebhook(webhookRequest(testAPISecret, wh, nil))
	require.NoError(t, err)
	assert.Len(t, got.Body, shopify.MaxWebhookBody)
}

func TestVerifyWebhookNoBody(t *testing.T) {
	t.Parallel()
	c := webhookClient(t)
	r := webhookRequest(testAPISecret, testWebhook(false), nil)
	r.Body = nil
	_, err := c.VerifyWebhook(r)
	require.ErrorIs(t, err, shopify.ErrWebhookEmptyBody)
	_, err = c.VerifyWebhook(nil)
	require.ErrorIs(t, err, shopify.ErrInvalidWebhook)
}

// TestWebhookHandler delivers webhooks from the fake over real HTTP: valid
// ones of both header sets reach the handler typed, with the body still
// readable; forged ones are answered 401 with a fixed text.
func TestWebhookHandler(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	var mu sync.Mutex
	var got []*shopify.Webhook
	var rejected []error
	h, err := c.WebhookHandler(shopify.WebhookHandlerConfig{
		Handle: func(w http.ResponseWriter, r *http.Request, wh *shopify.Webhook) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if string(b) == string(wh.Body) {
				got = append(got, wh)
			}
			w.WriteHeader(http.StatusOK)
		},
		OnReject: func(_ *http.Request, err error) {
			mu.Lock()
			defer mu.Unlock()
			rejected = append(rejected, err)
		},
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	send := func(wh providertest.ShopifyWebhook, edit func(*http.Request)) (int, string) {
		req, err := fake.WebhookRequest(context.Background(), srv.URL+"/webhooks", wh)
		require.NoError(t, err)
		if edit != nil {
			edit(req)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, events := range []bool{false, true} {
		status, _ := send(testWebhook(events), nil)
		assert.Equal(t, http.StatusOK, status)
	}
	forged := testWebhook(false)
	status, text := send(forged, func(r *http.Request) { r.Header.Set("X-Shopify-Hmac-Sha256", "AAAA") })
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid webhook signature\n", text)
	hostile := testWebhook(true)
	hostile.Shop = "evil.com"
	status, text = send(hostile, nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid webhook signature\n", text, "no detail of the failed check")

	resp, err := srv.Client().Get(srv.URL + "/webhooks")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 2)
	assert.Equal(t, shopify.ClassicHeaders, got[0].HeaderSet)
	assert.Equal(t, shopify.EventHeaders, got[1].HeaderSet)
	assert.Equal(t, testShop, got[1].Shop)
	require.Len(t, rejected, 2)
	assert.ErrorIs(t, rejected[0], shopify.ErrWebhookSignature)
	assert.ErrorIs(t, rejected[1], shopify.ErrInvalidShop)
}

func TestWebhookHandlerConfig(t *testing.T) {
	t.Parallel()
	_, err := webhookClient(t).WebhookHandler(shopify.WebhookHandlerConfig{})
	require.Error(t, err)
	assert.True(t, errors.Is(err, client.ErrInvalidRequest))
}

// TestVerifyWebhookBodyUnreadable: a sender that goes away mid-body (it
// announced more than it sent) is ErrWebhookBodyUnreadable, over a real
// connection.
func TestVerifyWebhookBodyUnreadable(t *testing.T) {
	t.Parallel()
	c := webhookClient(t)
	got := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := c.VerifyWebhook(r)
		got <- err
	}))
	t.Cleanup(srv.Close)
	wh := testWebhook(false)
	req := webhookRequest(testAPISecret, wh, nil)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	var head strings.Builder
	head.WriteString("POST /webhooks HTTP/1.1\r\nHost: " + srv.Listener.Addr().String() + "\r\n")
	head.WriteString("Content-Length: " + strconv.Itoa(len(wh.Body)+100) + "\r\n")
	for n, vs := range req.Header {
		for _, v := range vs {
			head.WriteString(n + ": " + v + "\r\n")
		}
	}
	head.WriteString("\r\n")
	_, err = io.WriteString(conn, head.String()+string(wh.Body))
	require.NoError(t, err)
	require.NoError(t, conn.Close(), "the sender goes away before the announced end of the body")
	err = <-got
	require.ErrorIs(t, err, shopify.ErrWebhookBodyUnreadable)
	require.ErrorIs(t, err, shopify.ErrInvalidWebhook)
}

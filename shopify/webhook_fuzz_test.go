package shopify_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

// FuzzVerifyWebhook feeds arbitrary bodies and header lines ("Name: value"
// per line), with or without a correct HMAC of the body, to VerifyWebhook:
// it must never panic, every rejection must match ErrInvalidWebhook and
// hold no part of the body, nothing unsigned is accepted, an accepted shop
// passes SanitizeShop, and r.Body reads back the same bytes either way.
func FuzzVerifyWebhook(f *testing.F) {
	f.Add([]byte(webhookBody), "X-Shopify-Topic: orders/create\nX-Shopify-Shop-Domain: test-shop.myshopify.com\nX-Shopify-API-Version: 2026-01\nX-Shopify-Webhook-Id: 1", "X-Shopify-Hmac-Sha256")
	f.Add([]byte(webhookBody), "shopify-topic: a\nshopify-shop-domain: test-shop.myshopify.com\nshopify-api-version: 2026-01\nshopify-webhook-id: 1\nshopify-event-id: 2\nshopify-triggered-at: 2026-01-01T00:00:00Z", "shopify-hmac-sha256")
	f.Add([]byte(webhookBody), "X-Shopify-Topic: a\nX-Shopify-Shop-Domain: evil.com\nX-Shopify-API-Version: 1\nX-Shopify-Webhook-Id: 1", "X-Shopify-Hmac-Sha256")
	f.Add([]byte(webhookBody), "shopify-topic: a\nX-Shopify-Shop-Domain: test-shop.myshopify.com\nshopify-api-version: 1\nshopify-webhook-id: 1\nshopify-event-id: 2", "shopify-hmac-sha256")
	f.Add([]byte{}, "X-Shopify-Topic: a\nX-Shopify-Shop-Domain: a.myshopify.com\nX-Shopify-API-Version: 1\nX-Shopify-Webhook-Id: 1", "X-Shopify-Hmac-Sha256")
	f.Add([]byte("x"), "X-Shopify-Hmac-Sha256: AAAA\nX-Shopify-Hmac-Sha256: BBBB", "")
	f.Add([]byte("{}"), "X-Shopify-Topic: a\nX-Shopify-Shop-Domain: admin.shopify.com/store/x\nX-Shopify-API-Version: 1\nX-Shopify-Webhook-Id: 1\nX-Shopify-Triggered-At: not-a-time", "X-Shopify-Hmac-Sha256")
	c := webhookClient(f)
	f.Fuzz(func(t *testing.T, body []byte, headers, signHeader string) {
		r := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
		for _, line := range strings.Split(headers, "\n") {
			name, value, ok := strings.Cut(line, ": ")
			if ok && name != "" && !strings.ContainsAny(name, " \r\t:") {
				r.Header.Add(name, value)
			}
		}
		signed := signHeader == "X-Shopify-Hmac-Sha256" || signHeader == "shopify-hmac-sha256"
		if signed {
			r.Header.Set(signHeader, providertest.SignShopifyWebhook(testAPISecret, body))
		}
		wh, err := c.VerifyWebhook(r)
		back, rerr := io.ReadAll(r.Body)
		if rerr != nil || !bytes.Equal(back, body) {
			t.Fatalf("r.Body not restored (%v)", rerr)
		}
		if err != nil {
			var re *shopify.RequestError
			if !errors.As(err, &re) || re.Reason == nil || !errors.Is(err, shopify.ErrInvalidWebhook) {
				t.Fatalf("rejection is not a *RequestError: %T %v", err, err)
			}
			if len(body) >= 8 && strings.Contains(err.Error(), string(body)) {
				t.Fatal("error text holds the body")
			}
			return
		}
		if !signed {
			t.Fatalf("accepted an unsigned webhook")
		}
		if len(wh.Body) == 0 || !bytes.Equal(wh.Body, body) {
			t.Fatal("accepted an empty or different body")
		}
		if got, err := shopify.SanitizeShop(wh.Shop); err != nil || got != wh.Shop {
			t.Fatalf("accepted shop %q", wh.Shop)
		}
	})
}

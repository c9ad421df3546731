package shopify_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

// FuzzVerifyAppProxy feeds any raw query, unsigned or with a correct
// signature appended, to VerifyAppProxy: it must never panic, refuse with
// a *RequestError matching ErrInvalidAppProxy, accept nothing unsigned, no
// repeated signature/shop/timestamp/hmac, no timestamp that is not digits,
// and only a valid shop.
func FuzzVerifyAppProxy(f *testing.F) {
	f.Add("shop=test-shop.myshopify.com&path_prefix=%2Fapps%2Fx&timestamp=1800000000&logged_in_customer_id=", true)
	f.Add("shop=test-shop.myshopify.com&timestamp=1800000000&a=1&a=2", true)
	f.Add("shop=evil.com&timestamp=1800000000", true)
	f.Add("shop=a.myshopify.com&timestamp=1e9", true)
	f.Add("shop=a.myshopify.com&timestamp=1800000000&hmac=1&hmac=2", true)
	f.Add("shop=a.myshopify.com&timestamp=1800000000&signature=00", false)
	f.Add("x=%zz;y", false)
	c := webhookClient(f)
	f.Fuzz(func(t *testing.T, raw string, sign bool) {
		if sign {
			if q, err := url.ParseQuery(raw); err == nil {
				sig := providertest.SignShopifyAppProxy(testAPISecret, q).Get("signature")
				raw += "&signature=" + sig
			}
		}
		p, err := c.VerifyAppProxy(proxyRequest(raw))
		if err != nil {
			var re *shopify.RequestError
			if !errors.As(err, &re) || !errors.Is(err, shopify.ErrInvalidAppProxy) {
				t.Fatalf("unexpected error %T: %v", err, err)
			}
			return
		}
		if !sign {
			t.Fatalf("accepted an unsigned request %q", raw)
		}
		q, _ := url.ParseQuery(raw)
		for _, k := range []string{"signature", "shop", "timestamp", "hmac"} {
			if len(q[k]) > 1 {
				t.Fatalf("accepted a repeated %s", k)
			}
		}
		if strings.Trim(q.Get("timestamp"), "0123456789") != "" {
			t.Fatalf("accepted timestamp %q", q.Get("timestamp"))
		}
		if got, err := shopify.SanitizeShop(p.Shop); err != nil || got != p.Shop {
			t.Fatalf("accepted shop %q", p.Shop)
		}
	})
}

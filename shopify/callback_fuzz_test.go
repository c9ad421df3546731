package shopify_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

// FuzzVerifyCallback feeds any callback query, unsigned or correctly
// signed, to VerifyCallback: it must never panic, refuse with a
// *RequestError matching ErrInvalidCallback, accept nothing unsigned, no
// repeated single parameter, no timestamp that is not digits, and only a
// valid shop.
func FuzzVerifyCallback(f *testing.F) {
	f.Add("code=abc&host=aG9zdA&shop=test-shop.myshopify.com&state=st&timestamp=1800000000", true)
	f.Add("code=abc&shop=test-shop.myshopify.com&timestamp=1800000000&hmac=00", false)
	f.Add("shop=evil.com&timestamp=1800000000", true)
	f.Add("shop=admin.shopify.com%2Fstore%2Fx&timestamp=1799999950", true)
	f.Add("shop=a.myshopify.com&timestamp=1e9", true)
	f.Add("shop=a.myshopify.com&timestamp=-9223372036854775808", true)
	f.Add("shop=a.myshopify.com&shop=b.myshopify.com&timestamp=1800000000&signature=x", true)
	f.Add("shop=a.myshopify.com&timestamp=1800000000&x=%20%2A~&x=2", true)
	f.Add("%zz=1&hmac=zz", false)
	c := webhookClient(f)
	f.Fuzz(func(t *testing.T, raw string, sign bool) {
		q, _ := url.ParseQuery(raw)
		if q == nil {
			q = url.Values{}
		}
		if sign {
			q = providertest.SignShopifyQuery(testAPISecret, q)
		}
		shop, err := c.VerifyCallback(q)
		if err != nil {
			var re *shopify.RequestError
			if !errors.As(err, &re) || !errors.Is(err, shopify.ErrInvalidCallback) {
				t.Fatalf("unexpected error %T: %v", err, err)
			}
			if strings.Contains(err.Error(), testAPISecret) {
				t.Fatal("error holds the secret")
			}
			return
		}
		if !sign {
			t.Fatalf("accepted an unsigned callback %q", raw)
		}
		for _, k := range []string{"code", "hmac", "shop", "state", "timestamp"} {
			if len(q[k]) > 1 {
				t.Fatalf("accepted a repeated %s", k)
			}
		}
		if strings.Trim(q.Get("timestamp"), "0123456789") != "" {
			t.Fatalf("accepted timestamp %q", q.Get("timestamp"))
		}
		if got, err := shopify.SanitizeShop(shop); err != nil || got != shop {
			t.Fatalf("accepted shop %q (%v)", shop, err)
		}
	})
}

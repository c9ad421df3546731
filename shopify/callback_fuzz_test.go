package shopify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/oauthx/oauthx/shopify"
)

// signAll sets q's hmac over every other parameter, as Shopify does.
func signAll(q url.Values) {
	q.Del("hmac")
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+strings.Join(q[k], ","))
	}
	mac := hmac.New(sha256.New, []byte(testAPISecret))
	mac.Write([]byte(strings.Join(parts, "&")))
	q.Set("hmac", hex.EncodeToString(mac.Sum(nil)))
}

// FuzzVerifyCallback feeds any callback query, unsigned or correctly
// signed, to VerifyCallback: it must never panic, refuse with one of its
// sentinels, accept nothing unsigned, and accept only a valid shop.
func FuzzVerifyCallback(f *testing.F) {
	f.Add("code=abc&host=aG9zdA&shop=test-shop.myshopify.com&state=st&timestamp=1800000000", true)
	f.Add("code=abc&shop=test-shop.myshopify.com&timestamp=1800000000&hmac=00", false)
	f.Add("shop=evil.com&timestamp=1800000000", true)
	f.Add("shop=admin.shopify.com%2Fstore%2Fx&timestamp=1799999950", true)
	f.Add("shop=a.myshopify.com&timestamp=1e9", true)
	f.Add("shop=a.myshopify.com&timestamp=-9223372036854775808", true)
	f.Add("shop=a.myshopify.com&shop=b.myshopify.com&timestamp=1800000000&signature=x", true)
	f.Add("%zz=1&hmac=zz", false)
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string, sign bool) {
		q, _ := url.ParseQuery(raw)
		if q == nil {
			q = url.Values{}
		}
		if sign {
			signAll(q)
		}
		shop, err := c.VerifyCallback(q)
		if err != nil {
			if !errors.Is(err, shopify.ErrCallbackHMAC) && !errors.Is(err, shopify.ErrCallbackExpired) && !errors.Is(err, shopify.ErrInvalidShop) {
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
		if got, err := shopify.SanitizeShop(shop); err != nil || got != shop {
			t.Fatalf("accepted shop %q (%v)", shop, err)
		}
	})
}

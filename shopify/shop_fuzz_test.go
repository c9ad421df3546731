package shopify_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/oauthx/oauthx/shopify"
)

var normalizedShop = regexp.MustCompile(`^[a-z0-9][a-z0-9-_]*\.(myshopify\.com|shopify\.com|myshopify\.io|shop\.dev)$`)

// FuzzSanitizeShop checks that whatever SanitizeShop accepts is a plain
// lowercase host under a Shopify domain, that https://{result} parses to
// exactly that host, and that sanitizing is idempotent.
func FuzzSanitizeShop(f *testing.F) {
	for _, s := range hostileShops {
		f.Add(s)
	}
	for _, s := range []string{"shop.myshopify.com", "SHOP.myshopify.com//", "admin.shopify.com/store/x", "a.shop.dev"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := shopify.SanitizeShop(in)
		if err != nil {
			if got != "" {
				t.Fatalf("error with a result %q", got)
			}
			return
		}
		if !normalizedShop.MatchString(got) {
			t.Fatalf("SanitizeShop(%q) = %q: not a normalized shop host", in, got)
		}
		u, err := url.Parse("https://" + got + "/admin/oauth/access_token")
		if err != nil || u.Host != got || u.Hostname() != got || u.Port() != "" || u.User != nil {
			t.Fatalf("SanitizeShop(%q) = %q: https URL does not point at it", in, got)
		}
		again, err := shopify.SanitizeShop(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, got, again, err)
		}
		if strings.ContainsAny(got, "/@:?#%\\ \t\r\n") {
			t.Fatalf("SanitizeShop(%q) = %q holds a URL delimiter", in, got)
		}
	})
}

package shopify_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/oauthx/oauthx/shopify"
)

var normalizedShop = regexp.MustCompile(`^[a-z0-9][a-z0-9-_]*\.(myshopify\.com|shopify\.com|myshopify\.io|shop\.dev)$`)

// Shopify's own rules as regular expressions: the oracle the byte-by-byte
// SanitizeShop is fuzzed against.
var (
	officialHost  = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-_]*\.(myshopify\.com|shopify\.com|myshopify\.io|shop\.dev)/*$`)
	officialAdmin = regexp.MustCompile(`^admin\.(myshopify\.com|shopify\.com|myshopify\.io|shop\.dev)/store/([a-zA-Z0-9][a-zA-Z0-9-_]*)$`)
)

// officialSanitize is what Shopify's libraries make of shop: the admin
// form admin.{domain}/store/NAME is NAME.{domain}, shopify.com becoming
// myshopify.com.
func officialSanitize(shop string) (string, bool) {
	if shop == "" || len(shop) > 255 {
		return "", false
	}
	if m := officialAdmin.FindStringSubmatch(shop); m != nil {
		d := m[1]
		if d == "shopify.com" {
			d = "myshopify.com"
		}
		return strings.ToLower(m[2]) + "." + d, true
	}
	if officialHost.MatchString(shop) {
		return strings.ToLower(strings.TrimRight(shop, "/")), true
	}
	return "", false
}

// FuzzSanitizeShop checks that whatever SanitizeShop accepts is a plain
// lowercase host under a Shopify domain, that https://{result} parses to
// exactly that host, that sanitizing is idempotent, and that it gives the
// verdict and result of Shopify's regular expressions.
func FuzzSanitizeShop(f *testing.F) {
	for _, s := range hostileShops {
		f.Add(s)
	}
	for _, s := range []string{"shop.myshopify.com", "SHOP.myshopify.com//", "admin.shopify.com/store/x", "a.shop.dev",
		"admin.shop.dev/store/Y_1", "admin.myshopify.io/store/z", "admin.shopify.com/store/x/", "admin.shopify.com/store/x/store/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := shopify.SanitizeShop(in)
		if want, ok := officialSanitize(in); ok != (err == nil) || want != got {
			t.Fatalf("SanitizeShop(%q) = %q, %v; Shopify's rules give %q, %v", in, got, err, want, ok)
		}
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

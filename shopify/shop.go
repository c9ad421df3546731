package shopify

import (
	"errors"
	"strconv"
	"strings"
)

// DefaultShopDomains are the domains a shop may live under, as Shopify's
// own libraries accept them.
var defaultShopDomains = []string{"myshopify.com", "shopify.com", "myshopify.io", "shop.dev"}

// DefaultShopDomains returns the domains SanitizeShop accepts: myshopify.com,
// shopify.com, myshopify.io and shop.dev.
func DefaultShopDomains() []string { return append([]string(nil), defaultShopDomains...) }

// ErrInvalidShop is returned for a shop domain that does not pass
// SanitizeShop. Nothing is ever sent to such a host.
var ErrInvalidShop = errors.New("shopify: invalid shop domain")

// maxShopLen bounds the input: a DNS name is at most 253 characters.
const maxShopLen = 255

// shopRules validates shop domains against a set of domains, byte by byte
// (no regular expression: it runs on every embedded-app request).
type shopRules struct {
	domains []string
}

func newShopRules(extra []string) (*shopRules, error) {
	domains := DefaultShopDomains()
	for _, d := range extra {
		if !validDomain(d) {
			return nil, errors.New("shopify: extra shop domain " + strconv.Quote(d) + " is not a lowercase domain name like example.com")
		}
		domains = append(domains, d)
	}
	return &shopRules{domains: domains}, nil
}

// defaultRules are the rules of SanitizeShop. They are immutable.
var defaultRules, _ = newShopRules(nil)

// validDomain accepts a lowercase DNS name of at least two labels of
// letters, digits and inner hyphens.
func validDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range []byte(l) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validShopName is Shopify's [a-zA-Z0-9][a-zA-Z0-9-_]*.
func validShopName(s string) bool {
	if s == "" || !isAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// known reports whether d is one of the accepted domains, exactly (the
// domain part is case-sensitive, as in Shopify's libraries).
func (r *shopRules) known(d string) bool {
	for _, k := range r.domains {
		if d == k {
			return true
		}
	}
	return false
}

// host reports whether h is NAME.DOMAIN under an accepted domain, with no
// trailing slash: the check of a host taken from a URL.
func (r *shopRules) host(h string) bool {
	name, domain, ok := strings.Cut(h, ".")
	return ok && validShopName(name) && r.known(domain)
}

// admin maps Shopify's admin URL form admin.{domain}/store/NAME to the
// shop NAME.{domain} (NAME.myshopify.com for admin.shopify.com), as
// Shopify's libraries do.
func (r *shopRules) admin(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "admin.")
	if !ok {
		return "", false
	}
	domain, name, ok := strings.Cut(rest, "/store/")
	if !ok || !r.known(domain) || !validShopName(name) {
		return "", false
	}
	if domain == "shopify.com" {
		domain = "myshopify.com"
	}
	return strings.ToLower(name) + "." + domain, true
}

func (r *shopRules) sanitize(shop string) (string, error) {
	if shop == "" {
		return "", &ShopError{Reason: "empty"}
	}
	if len(shop) > maxShopLen {
		return "", &ShopError{Reason: "longer than " + strconv.Itoa(maxShopLen) + " characters", Input: shop}
	}
	if s, ok := r.admin(shop); ok {
		return s, nil
	}
	if h := strings.TrimRight(shop, "/"); r.host(h) {
		return strings.ToLower(h), nil
	}
	return "", &ShopError{Reason: "not NAME.DOMAIN under an accepted shop domain", Input: shop}
}

// SanitizeShop validates a shop domain and returns it normalized: lowercase,
// no trailing slash. It accepts exactly what Shopify's libraries accept:
//
//	^[a-zA-Z0-9][a-zA-Z0-9-_]*\.(myshopify\.com|shopify\.com|myshopify\.io|shop\.dev)/*$
//
// and the admin URL form admin.{domain}/store/NAME, which becomes
// NAME.{domain} (NAME.myshopify.com for admin.shopify.com). No scheme,
// port, user info, path, query, IP address, percent-encoding or non-ASCII
// character gets through. Inputs longer than 255 bytes are refused before
// matching. The check is plain byte comparisons, no regular expression.
//
// Anything refused is an error matching ErrInvalidShop. A Client built with
// Config.ShopDomains also accepts those domains: use Client.SanitizeShop.
func SanitizeShop(shop string) (string, error) { return defaultRules.sanitize(shop) }

// ShopError says why a shop domain was refused. It matches ErrInvalidShop.
type ShopError struct {
	// Reason is a short explanation.
	Reason string
	// Input is the refused value. Error does not print it: a caller that
	// swapped arguments could have passed a token where the shop goes.
	Input string
}

// Error implements error.
func (e *ShopError) Error() string { return "shopify: invalid shop domain: " + e.Reason }

// Is matches ErrInvalidShop.
func (e *ShopError) Is(target error) bool { return target == ErrInvalidShop }

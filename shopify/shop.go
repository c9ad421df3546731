package shopify

import (
	"errors"
	"regexp"
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

// shopRules validates shop domains against a set of domains.
type shopRules struct {
	host  *regexp.Regexp // NAME.DOMAIN with optional trailing slashes
	admin *regexp.Regexp // admin.DOMAIN/store/NAME
}

func newShopRules(extra []string) (*shopRules, error) {
	domains := DefaultShopDomains()
	for _, d := range extra {
		if !validDomain(d) {
			return nil, errors.New("shopify: extra shop domain " + strconv.Quote(d) + " is not a lowercase domain name like example.com")
		}
		domains = append(domains, d)
	}
	quoted := make([]string, len(domains))
	for i, d := range domains {
		quoted[i] = regexp.QuoteMeta(d)
	}
	alt := strings.Join(quoted, "|")
	return &shopRules{
		// The exact rules of Shopify's libraries. Go's $ matches only at the
		// very end of the text (no (?m)): "shop.myshopify.com\n" fails.
		host:  regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-_]*\.(` + alt + `)/*$`),
		admin: regexp.MustCompile(`^admin\.(` + alt + `)/store/([a-zA-Z0-9][a-zA-Z0-9-_]*)$`),
	}, nil
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

func (r *shopRules) sanitize(shop string) (string, error) {
	if shop == "" {
		return "", &ShopError{Reason: "empty"}
	}
	if len(shop) > maxShopLen {
		return "", &ShopError{Reason: "longer than " + strconv.Itoa(maxShopLen) + " characters", Input: shop}
	}
	if m := r.admin.FindStringSubmatch(shop); m != nil {
		// admin.shopify.com/store/NAME is the new admin URL of
		// NAME.myshopify.com, whatever admin domain it came under.
		return strings.ToLower(m[2]) + ".myshopify.com", nil
	}
	if !r.host.MatchString(shop) {
		return "", &ShopError{Reason: "not NAME.DOMAIN under an accepted shop domain", Input: shop}
	}
	return strings.ToLower(strings.TrimRight(shop, "/")), nil
}

// SanitizeShop validates a shop domain and returns it normalized: lowercase,
// no trailing slash. It accepts exactly what Shopify's libraries accept:
//
//	^[a-zA-Z0-9][a-zA-Z0-9-_]*\.(myshopify\.com|shopify\.com|myshopify\.io|shop\.dev)/*$
//
// and the admin URL form admin.shopify.com/store/NAME, which becomes
// NAME.myshopify.com. No scheme, port, user info, path, query, IP address,
// percent-encoding or non-ASCII character gets through. Inputs longer than
// 255 bytes are refused before matching.
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

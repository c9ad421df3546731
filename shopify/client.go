package shopify

import (
	"crypto"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// ProviderName is Session.Provider for Shopify sessions.
const ProviderName = "shopify"

// Config is a Shopify app's credentials and settings.
type Config struct {
	// APIKey is the app's client id. Required.
	APIKey string
	// APISecret is the app's client secret; it also signs session tokens.
	// Required. Never printed.
	APISecret string
	// Scopes are the access scopes the app asks for (authorize URLs).
	Scopes []string
	// Now is the one clock of the Client: session-token checks, webhook
	// and callback timestamps, and token lifetimes all read it. Nil:
	// time.Now. It is applied as client.WithClock before the options New
	// is given, so a client.WithClock among them replaces it everywhere.
	Now func() time.Time

	// ClockTolerance is how far a session token's exp and nbf may be off.
	// Zero means DefaultClockTolerance (10 s); a negative value means none.
	ClockTolerance time.Duration
	// TimestampTolerance is how far the timestamp of an app-proxy request
	// or an OAuth callback may be from now, either way. Zero means
	// DefaultTimestampTolerance (90 s); a negative value is an error.
	TimestampTolerance time.Duration
	// AssertionKey, when set, is the app's private key whose public JWK is
	// registered in the Dev Dashboard: ClientCredentials then gets
	// application-only tokens (public apps, up to 1 hour) by sending a
	// client assertion signed with it instead of the client secret. An
	// *rsa.PrivateKey of at least 2048 bits (RS256), a P-256
	// *ecdsa.PrivateKey (ES256), or any crypto.Signer holding one (a KMS).
	AssertionKey crypto.Signer
	// AssertionKeyID is the kid of AssertionKey's JWK. Required with it.
	AssertionKeyID string
	// ShopDomains are domains accepted for shops in addition to
	// DefaultShopDomains, e.g. a custom domain of a Shopify Plus test
	// environment. Each must be a lowercase domain name.
	ShopDomains []string

	// InsecureNonExpiringOfflineTokens makes offline tokens non-expiring
	// unless a call asks for expiring ones (TokenExchangeParams.Expiring,
	// ExchangeCode's expiring), and keeps the middleware from migrating
	// stored non-expiring sessions. Leave it false: offline tokens then
	// expire after an hour and come with a refresh token, and a stored
	// non-expiring one is migrated the first time it is used. From
	// 2027-01-01 Shopify rejects Admin API requests that public apps make
	// with non-expiring offline tokens; only custom apps and apps created
	// by merchants are exempt, and only those may set this. A leaked
	// non-expiring token stays valid until the app is uninstalled.
	InsecureNonExpiringOfflineTokens bool

	// InsecureShopBaseURL is for tests only. When set, a shop's URLs are
	// InsecureShopBaseURL + "/" + shop + "/admin/…" instead of
	// https://{shop}/admin/…: the token endpoint, AdminURL and the hosts
	// AdminClient sends access tokens to. Point it at a providertest.Shopify
	// fake. Shops are still validated, and it must be https:// or plain
	// http:// to a loopback host. Never set it in production: the client
	// secret and access tokens go wherever it points.
	InsecureShopBaseURL string
}

// Client makes Shopify token calls for one app. It is safe for concurrent
// use. Printing it never shows the secret.
type Client struct {
	cfg       Config
	c         *client.Client
	shops     *shopRules
	tolerance time.Duration
	base      *url.URL         // InsecureShopBaseURL, parsed
	assertion *assertionSigner // nil without Config.AssertionKey
	verifier  *verifier

	exchanges group[*client.Session]
	refreshes group[*client.Session]
}

// New checks cfg and returns a Client. opts are the client package's
// options (WithHTTPClient, WithRetryMax, WithLogger, …); cfg.Now, when
// set, is applied as client.WithClock before them. The Client reads one
// clock, the token client's: a client.WithClock in opts wins over cfg.Now
// for session tokens as well as for token lifetimes.
func New(cfg Config, opts ...client.Option) (*Client, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("shopify: Config.APIKey is required")
	}
	if cfg.APISecret == "" {
		return nil, errors.New("shopify: Config.APISecret is required")
	}
	if cfg.TimestampTolerance < 0 {
		return nil, errors.New("shopify: Config.TimestampTolerance must not be negative")
	}
	shops, err := newShopRules(cfg.ShopDomains)
	if err != nil {
		return nil, err
	}
	assertion, err := newAssertionSigner(cfg.AssertionKey, cfg.AssertionKeyID)
	if err != nil {
		return nil, err
	}
	sc := &Client{shops: shops, tolerance: cfg.ClockTolerance, assertion: assertion}
	switch {
	case sc.tolerance == 0:
		sc.tolerance = DefaultClockTolerance
	case sc.tolerance < 0:
		sc.tolerance = 0
	}
	if cfg.InsecureShopBaseURL != "" {
		u, err := url.Parse(strings.TrimRight(cfg.InsecureShopBaseURL, "/"))
		if err != nil {
			return nil, errors.New("shopify: InsecureShopBaseURL is not a URL")
		}
		if err := client.CheckEndpoint(u); err != nil {
			return nil, err
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return nil, errors.New("shopify: InsecureShopBaseURL must have no query or fragment")
		}
		sc.base = u
	}
	sc.verifier = newVerifier(cfg.APISecret, cfg.APIKey, sc.tolerance, shops)
	cfg.Scopes = append([]string(nil), cfg.Scopes...)
	cfg.ShopDomains = append([]string(nil), cfg.ShopDomains...)
	sc.cfg = cfg

	all := make([]client.Option, 0, len(opts)+1)
	if cfg.Now != nil {
		all = append(all, client.WithClock(cfg.Now))
	}
	all = append(all, opts...)
	app := client.Config{ClientID: cfg.APIKey, ClientSecret: cfg.APISecret, Scopes: cfg.Scopes}
	return providers.NewClient(sc.spec(), app, all, func(c *client.Client) *Client {
		sc.c = c
		return sc
	})
}

// now is the Client's one clock: the token client's (Config.Now or
// client.WithClock).
func (c *Client) now() time.Time { return c.c.Now() }

// expiring reports whether an offline token request asks for an expiring
// token: always, unless Config.InsecureNonExpiringOfflineTokens leaves it
// to the caller.
func (c *Client) expiring(asked bool) bool {
	return asked || !c.cfg.InsecureNonExpiringOfflineTokens
}

// SanitizeShop is the package's SanitizeShop, also accepting the
// Config.ShopDomains.
func (c *Client) SanitizeShop(shop string) (string, error) { return c.shops.sanitize(shop) }

// TokenClient returns the underlying client.Client, e.g. for
// tokenstore.NewTokenSource. Its Refresh goes through the same provider
// adapter, so the same shop validation and expiry rules apply. Its raw
// ExchangeToken does not verify session tokens: use Client.ExchangeToken.
func (c *Client) TokenClient() *client.Client { return c.c }

// APIKey returns the app's API key.
func (c *Client) APIKey() string { return c.cfg.APIKey }

// String describes the client without its secret.
func (c *Client) String() string {
	return "shopify.Client{APIKey: " + c.cfg.APIKey + ", APISecret: " + client.Fingerprint(c.cfg.APISecret) + "}"
}

// GoString is the %#v form: the same as String.
func (c *Client) GoString() string { return c.String() }

// tokenURL is the token endpoint of a shop that passed validation.
func (c *Client) tokenURL(tenant string) (string, error) {
	return c.AdminURL(tenant, "oauth/access_token")
}

// AdminURL returns https://{shop}/admin/{path} for a shop that passes
// SanitizeShop (under InsecureShopBaseURL when that is set). path is
// relative to /admin/, e.g. "api/2025-01/shop.json"; it may not contain
// "..", a query or a fragment.
func (c *Client) AdminURL(shop, path string) (string, error) {
	s, err := c.shops.sanitize(shop)
	if err != nil {
		return "", err
	}
	path = strings.TrimPrefix(path, "/")
	if strings.Contains(path, "..") || strings.ContainsAny(path, "?#\\%") {
		return "", errors.New("shopify: AdminURL path must be a plain relative path")
	}
	if c.base != nil {
		u := *c.base
		u.Path = u.Path + "/" + s + "/admin/" + path
		u.RawPath = ""
		return u.String(), nil
	}
	return (&url.URL{Scheme: "https", Host: s, Path: "/admin/" + path}).String(), nil
}

// Format makes every fmt verb print the redacted form.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

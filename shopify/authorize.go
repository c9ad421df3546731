package shopify

import (
	"net/url"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// AuthorizeParams is one authorize URL of Shopify's authorization code
// grant.
type AuthorizeParams struct {
	// Shop is the shop to install on; it must pass SanitizeShop. Required.
	Shop string
	// RedirectURI is the app's callback, one of the app's allowed
	// redirection URLs: https://, or http:// to a loopback host. Required.
	RedirectURI string
	// State is the browser-bound state of this install (see
	// client.BrowserState; InstallHandler makes it). Required.
	State string
	// Online asks for an online access token for the staff member who
	// approves (grant_options[]=per-user); false asks for the shop's
	// offline token.
	Online bool
	// Scopes, when set, replace Config.Scopes for this install.
	Scopes []string
}

// AuthorizeURL returns the URL that sends a merchant to approve the app:
// https://{shop}/admin/oauth/authorize with client_id, scope (comma
// separated), redirect_uri, state and, for online tokens,
// grant_options[]=per-user. Shopify sends the browser back to RedirectURI
// with code, hmac, host, shop, state and timestamp: check them with
// VerifyCallback and the state, then ExchangeCode.
func (c *Client) AuthorizeURL(p AuthorizeParams) (string, error) {
	base, err := c.AdminURL(p.Shop, "oauth/authorize")
	if err != nil {
		return "", err
	}
	if p.State == "" {
		return "", c.invalid("AuthorizeURL: State is required")
	}
	ru, err := url.Parse(p.RedirectURI)
	if p.RedirectURI == "" || err != nil || !ru.IsAbs() || ru.Host == "" || ru.Fragment != "" {
		return "", c.invalid("AuthorizeURL: RedirectURI must be an absolute URL without a fragment")
	}
	if err := client.CheckEndpoint(ru); err != nil {
		return "", c.invalid("AuthorizeURL: RedirectURI must be https:// (or http:// to a loopback host)")
	}
	scopes := p.Scopes
	if len(scopes) == 0 {
		scopes = c.cfg.Scopes
	}
	q := url.Values{
		"client_id":    {c.cfg.APIKey},
		"scope":        {strings.Join(scopes, ",")},
		"redirect_uri": {p.RedirectURI},
		"state":        {p.State},
	}
	if p.Online {
		q.Set("grant_options[]", "per-user")
	}
	return base + "?" + q.Encode(), nil
}

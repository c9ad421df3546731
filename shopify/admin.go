package shopify

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// AdminTransport authenticates Admin API requests with the
// X-Shopify-Access-Token header (Shopify's Admin API does not take
// Authorization: Bearer). It adds the token only to https requests to the
// shop's own host, and refuses any other request with an error, so a
// redirect or a wrong URL cannot carry the token elsewhere. An
// Authorization header on the request is removed.
type AdminTransport struct {
	// Shop is the shop domain (as SanitizeShop returns it). Required.
	Shop string
	// AccessToken is the shop's (or user's) access token. Required.
	AccessToken string
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// InsecureShopBaseURL, for tests, also allows requests under
	// {InsecureShopBaseURL}/{Shop}/ (see Config.InsecureShopBaseURL).
	InsecureShopBaseURL string
}

// ErrForeignHost is returned by AdminTransport for a request that does not
// go to the shop: the access token is not sent.
var ErrForeignHost = errors.New("shopify: refusing to send the access token to a host that is not the shop")

// RoundTrip implements http.RoundTripper.
func (t *AdminTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Shop == "" || t.AccessToken == "" || !t.allowed(req.URL) {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper closes the body, even on error
		}
		if t.Shop == "" || t.AccessToken == "" {
			return nil, errors.New("shopify: AdminTransport needs Shop and AccessToken")
		}
		return nil, ErrForeignHost
	}
	r := req.Clone(req.Context()) // RoundTrip must not modify req; the body is shared
	r.Header.Del("Authorization")
	r.Header.Set("X-Shopify-Access-Token", t.AccessToken)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

func (t *AdminTransport) allowed(u *url.URL) bool {
	if u == nil || u.User != nil {
		return false
	}
	if u.Scheme == "https" && u.Port() == "" && strings.EqualFold(u.Hostname(), t.Shop) {
		return true
	}
	if t.InsecureShopBaseURL == "" {
		return false
	}
	b, err := url.Parse(strings.TrimRight(t.InsecureShopBaseURL, "/"))
	if err != nil || client.CheckEndpoint(b) != nil {
		return false
	}
	return u.Scheme == b.Scheme && u.Host == b.Host && strings.HasPrefix(u.Path, b.Path+"/"+t.Shop+"/")
}

// AdminClient returns an *http.Client for the Admin API of s's shop: a copy
// of base (nil: the client's own *http.Client) whose transport is an
// AdminTransport with s's access token. Redirects are not followed (the
// transport would refuse a foreign host anyway).
func (c *Client) AdminClient(s *client.Session, base *http.Client) (*http.Client, error) {
	if s == nil || s.AccessToken == "" {
		return nil, errors.New("shopify: AdminClient needs a session with an access token")
	}
	shop, err := c.SanitizeShop(s.Subject)
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = c.c.HTTPClient()
	}
	hc := *base
	t := &AdminTransport{Shop: shop, AccessToken: s.AccessToken, Base: base.Transport}
	if c.base != nil {
		t.InsecureShopBaseURL = c.base.String()
	}
	hc.Transport = t
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc, nil
}

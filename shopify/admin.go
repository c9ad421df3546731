package shopify

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
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
	// Unauthorized, if set, is called (with the request's context) when
	// the Admin API answers 401: the access token is invalid or revoked.
	// AdminClientFromContext sets it to drop the stored session.
	Unauthorized func(ctx context.Context)
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
	resp, err := base.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && t.Unauthorized != nil {
		t.Unauthorized(req.Context())
	}
	return resp, err
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

// AdminCall sends one Admin API request for s's shop — method to
// AdminURL(s.Subject, path), body (if not nil) as JSON, authenticated with
// X-Shopify-Access-Token — and decodes the JSON answer into out (nil: not
// read). Failures are *client.Error values scrubbed of the token: a 401
// (the token is revoked or expired) is client.ErrReauthorize, 429
// client.ErrRateLimited; Shopify's {"errors": …} body is the Description.
// GET calls are retried like any idempotent request.
func (c *Client) AdminCall(ctx context.Context, s *client.Session, method, path string, body, out any) error {
	if s == nil || s.AccessToken == "" {
		return &client.Error{Provider: ProviderName, Kind: client.ErrInvalidRequest, Description: "Admin API call needs a session with an access token"}
	}
	u, err := c.AdminURL(s.Subject, path)
	if err != nil {
		return &client.Error{Provider: ProviderName, Kind: client.ErrInvalidRequest, Err: err}
	}
	_, err = c.c.CallAPI(ctx, client.APIRequest{
		Method: method, URL: u, AccessToken: s.AccessToken, TokenHeader: "X-Shopify-Access-Token",
		Body: body, ErrorShapes: []client.ErrorShape{shopifyErrors, providers.OAuthErrors},
	}, out)
	return err
}

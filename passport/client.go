package passport

import (
	"cmp"
	"context"
	"strings"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// Config is a Passport application's credentials and endpoints.
type Config struct {
	// ClientID and ClientSecret are the application's credentials.
	// Required.
	ClientID, ClientSecret string
	// RedirectURL is where Passport sends the user back with the code.
	RedirectURL string
	// Scopes are requested in authorize URLs ("openid" is always added).
	Scopes []string

	// BaseURL is Passport's base URL (empty: DefaultBaseURL); see
	// WithBaseURL. It must be https://, or http:// to a loopback host.
	BaseURL string
	// Issuer is the OpenID Connect issuer when it differs from BaseURL;
	// see WithIssuer.
	Issuer string
}

// Client makes Passport's calls for one application: the code exchange
// and refresh, authorize URLs, id_token verification (NewVerifier) and
// userinfo. It is safe for concurrent use and never prints its secret.
type Client struct {
	c   *client.Client
	cfg config
}

// New checks cfg and returns a Client. opts are the client package's
// options (WithHTTPClient, WithRetryMax, WithLogger, WithClock, …);
// discovery, key fetches and userinfo go through the same *http.Client
// and clock as token requests.
func New(cfg Config, opts ...client.Option) (*Client, error) {
	pc := config{baseURL: strings.TrimRight(cmp.Or(cfg.BaseURL, DefaultBaseURL), "/"), issuer: cfg.Issuer}.withDefaults()
	app := client.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL, Scopes: cfg.Scopes}
	return providers.NewClient(pc.spec(), app, opts, func(c *client.Client) *Client {
		return &Client{c: c, cfg: pc}
	})
}

// TokenClient returns the underlying client.Client, e.g. for
// tokenstore.NewTokenSource or client.CallbackHandler.
func (c *Client) TokenClient() *client.Client { return c.c }

// ExchangeCode exchanges an authorization code for a Session whose
// Subject is the id_token's sub. Pass client.WithCodeVerifier when the
// authorize URL carried a PKCE challenge.
func (c *Client) ExchangeCode(ctx context.Context, code string, opts ...client.ExchangeOption) (*client.Session, error) {
	return c.c.ExchangeCode(ctx, code, opts...)
}

// Refresh gets a new access token with s's refresh token. Passport does
// not rotate refresh tokens: the result keeps s's refresh token and
// id_token.
func (c *Client) Refresh(ctx context.Context, s *client.Session) (*client.Session, error) {
	return c.c.Refresh(ctx, s)
}

// String describes the client without its secret.
func (c *Client) String() string { return c.c.String() }

package finch

import (
	"cmp"
	"context"
	"net/http"
	"strings"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// Config is a Finch application's credentials and endpoints.
type Config struct {
	// ClientID and ClientSecret are the application's credentials.
	// Required.
	ClientID, ClientSecret string
	// RedirectURL is where Finch Connect sends the user back; the code
	// exchange sends it too. Empty for Connect's popup flow, whose
	// exchange sends none.
	RedirectURL string

	// BaseURL is the API base URL (empty: DefaultBaseURL): a sandbox, a
	// proxy, or a providertest.Finch in tests. It must be https://, or
	// http:// to a loopback host.
	BaseURL string
	// APIVersion is sent as the Finch-API-Version header (empty:
	// DefaultAPIVersion).
	APIVersion string
	// ConnectURL is Finch Connect's authorize page (empty:
	// DefaultConnectURL), for the deprecated Client.ConnectURL only.
	//
	// Deprecated: a Connect Session's page is the ConnectURL Finch
	// returns with it (NewConnectSession).
	ConnectURL string
}

// Client makes Finch's calls for one application: Connect Sessions and
// the /connect + /callback handlers on them (ConnectHandlers), the code
// exchange of Finch Connect, Disconnect, DisconnectEntities and
// Introspect. It is safe for concurrent use and never prints its secret.
type Client struct {
	c         *client.Client
	cfg       config
	hasSecret bool // Connect Sessions authenticate with id and secret
}

// New checks cfg and returns a Client. opts are the client package's
// options (WithHTTPClient, WithRetryMax, WithLogger, WithClock, …).
func New(cfg Config, opts ...client.Option) (*Client, error) {
	fc := config{
		baseURL:    strings.TrimRight(cmp.Or(cfg.BaseURL, DefaultBaseURL), "/"),
		apiVersion: cmp.Or(cfg.APIVersion, DefaultAPIVersion),
		connectURL: cmp.Or(cfg.ConnectURL, DefaultConnectURL),
	}
	app := client.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL}
	return providers.NewClient(fc.spec(), app, opts, func(c *client.Client) *Client {
		return &Client{c: c, cfg: fc, hasSecret: cfg.ClientSecret != ""}
	})
}

// TokenClient returns the underlying client.Client, e.g. for
// tokenstore.NewTokenSource or client.CallbackHandler.
func (c *Client) TokenClient() *client.Client { return c.c }

// ExchangeCode exchanges the code Finch Connect sent to the redirect URL
// for a Session whose Subject is the connection id. The code is
// single-use and lives ten minutes.
func (c *Client) ExchangeCode(ctx context.Context, code string) (*client.Session, error) {
	return c.c.ExchangeCode(ctx, code)
}

// String describes the client without its secret.
func (c *Client) String() string { return c.c.String() }

// call sends one authenticated API request (body, when not nil, as
// JSON) and decodes its answer into
// out. Failures are *client.Error values, scrubbed of the access token.
func (c *Client) call(ctx context.Context, s *client.Session, method, path string, body, out any) error {
	if s == nil || s.AccessToken == "" {
		return &client.Error{Provider: Name, Kind: client.ErrInvalidRequest, Description: "session has no access token"}
	}
	_, err := c.c.CallAPI(ctx, client.APIRequest{
		Method:      method,
		URL:         c.cfg.baseURL + path,
		AccessToken: s.AccessToken,
		Header:      http.Header{APIVersionHeader: {c.cfg.apiVersion}},
		Body:        body,
		ErrorShapes: errorShapes,
		ErrorCodes:  errorCodes,
	}, out)
	return err
}

package client

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/oauthx/oauthx/internal/errtext"
)

// Config is what a Client needs to talk to one provider as one OAuth client.
type Config struct {
	// Provider adapts the provider's token endpoint. Required.
	Provider Provider
	// ClientID identifies the client. Required.
	ClientID string
	// ClientSecret authenticates the client. Never logged or printed.
	ClientSecret string
	// RedirectURL is sent with code exchanges and authorize URLs, unless a
	// call overrides it.
	RedirectURL string
	// Scopes are requested in authorize URLs.
	Scopes []string
}

// Client makes token calls to one provider. It is safe for concurrent use.
// Printing a Client never shows its secret.
type Client struct {
	// cfg is behind a pointer so that fmt, printing a struct that holds
	// a *Client with a verb it cannot apply (%s of a nested pointer
	// prints its fields, without calling Format), shows an address, not
	// the secret.
	cfg    *Config
	opts   options
	grants *retryablehttp.Client // requests that carry single-use grants
	reads  *retryablehttp.Client // idempotent requests (GET, HEAD)
	nonces dpopNonces            // the latest DPoP-Nonce of each server
}

// New checks cfg and returns a Client. Options are applied in order; a nil
// one is skipped, and one given an invalid value is an *OptionError, never
// silently ignored.
func New(cfg Config, opts ...Option) (*Client, error) {
	if cfg.Provider == nil {
		return nil, invalidOption("client.Config.Provider", "required")
	}
	if cfg.ClientID == "" {
		return nil, invalidOption("client.Config.ClientID", "required")
	}
	if v, ok := cfg.Provider.(Validator); ok {
		if err := v.Validate(); err != nil {
			return nil, errtext.Errorf("oauthx: provider %q: %w", cfg.Provider.Name(), err)
		}
	}
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	cfg.Scopes = append([]string(nil), cfg.Scopes...)
	c := &Client{cfg: &cfg, opts: o}
	c.grants = c.newRetryClient(false)
	c.reads = c.newRetryClient(true)
	return c, nil
}

// Provider returns the client's provider adapter.
func (c *Client) Provider() Provider { return c.cfg.Provider }

// ClientID returns the configured client id.
func (c *Client) ClientID() string { return c.cfg.ClientID }

// RedirectURL returns the configured redirect URL ("" for none).
func (c *Client) RedirectURL() string { return c.cfg.RedirectURL }

// Now returns the client's clock reading (WithClock; time.Now by default).
func (c *Client) Now() time.Time { return c.opts.now() }

// HTTPClient returns the *http.Client the Client sends with (a copy of the
// one given to WithHTTPClient), for code that must hand it to another
// library (passport gives it to go-oidc for discovery and keys). Calls
// of a provider's own API go through CallAPI, which uses it. Token
// requests, CallAPI and Send use a further copy that never follows
// redirects.
func (c *Client) HTTPClient() *http.Client { return c.opts.httpClient }

// String describes the client without its secret.
func (c *Client) String() string {
	return fmt.Sprintf("oauthx.Client{Provider: %s, ClientID: %s, ClientSecret: %s}",
		c.cfg.Provider.Name(), c.cfg.ClientID, RedactSecret(c.cfg.ClientSecret))
}

// GoString is the %#v form: the same as String.
func (c *Client) GoString() string { return c.String() }

// Format makes every fmt verb print the redacted form.
func (c *Client) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// LogValue implements slog.LogValuer without the secret.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("provider", c.cfg.Provider.Name()), slog.String("client_id", c.cfg.ClientID))
}

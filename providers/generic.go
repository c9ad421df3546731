package providers

import (
	"net/url"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
)

// GenericLifetime is how long a generic provider's access token lasts when
// its answer has no expires_in.
const GenericLifetime = 14 * 24 * time.Hour

// GenericOption configures Generic.
type GenericOption func(*Spec)

// WithJSONBody sends token requests as JSON instead of a form.
func WithJSONBody() GenericOption { return func(s *Spec) { s.Encoding = JSON } }

// WithBasicAuth sends the client credentials as HTTP Basic authentication
// instead of in the body.
func WithBasicAuth() GenericOption { return func(s *Spec) { s.ClientAuth = AuthBasic } }

// WithDPoP makes the provider use DPoP (RFC 9449): client.Client binds
// every grant (code exchange, client credentials, device authorization) to
// a new ES256 key kept in the Session (client.WithDPoPKey gives another),
// sends a fresh proof with every token request (the refreshed session's
// key for a refresh), answers a use_dpop_nonce challenge once with the
// server's nonce, and accepts token_type DPoP. An answer with token_type
// Bearer is kept as a Bearer session (RFC 9449 §5 lets the server decide;
// its refresh token may still be bound to the key, which the session
// keeps). Use client.DPoPTransport to call resource servers with it.
func WithDPoP() GenericOption { return func(s *Spec) { s.DPoP = true } }

// WithName sets the provider name (default "generic").
func WithName(name string) GenericOption { return func(s *Spec) { s.Name = name } }

// WithDefaultLifetime changes the 14-day lifetime assumed without
// expires_in. Zero means FallbackLifetime for a renewable token (see
// ExpiresIn); a negative duration makes client.New fail.
func WithDefaultLifetime(d time.Duration) GenericOption {
	return func(s *Spec) { s.DefaultLifetime = d }
}

// WithAuthURL sets the authorization endpoint (default {base}/oauth2/authorize).
func WithAuthURL(u string) GenericOption { return func(s *Spec) { s.AuthURL = u } }

// Generic is a plain OAuth2 provider: POST {baseURL}/oauth2/token (or the
// WithTokenURL endpoint, in which case baseURL may be "") with the
// credentials in a form body (JSON with WithJSONBody); authorization_code
// with code and redirect_uri; refresh_token with an optional narrower
// scope. Access tokens last 14 days when expires_in is missing; refresh
// tokens are single-use and rotate. invalid_code, invalid_token and
// invalid_grant match client.ErrReauthorize, in either the
// {error, error_description} or the {message, description} shape.
//
// A bad baseURL is reported by client.New.
func Generic(baseURL string, opts ...GenericOption) client.Provider {
	spec := Spec{Name: "generic", DefaultLifetime: GenericLifetime}
	if base := strings.TrimRight(baseURL, "/"); base != "" {
		spec.TokenURL, spec.AuthURL = base+"/oauth2/token", base+"/oauth2/authorize"
	}
	for _, o := range opts {
		if o != nil {
			o(&spec)
		}
	}
	return &genericProvider{Provider: NewDeferred(spec), base: baseURL}
}

type genericProvider struct {
	*Provider
	base string
}

// Validate checks the base URL as well as the Spec.
func (g *genericProvider) Validate() error {
	if g.base == "" {
		if g.spec.TokenURL == "" {
			return &client.OptionError{Option: "providers.Generic", Reason: "needs a base URL like https://auth.example.com, or WithTokenURL"}
		}
		return g.Provider.Validate()
	}
	u, err := url.Parse(g.base)
	if err != nil {
		return &client.OptionError{Option: "providers.Generic", Reason: "needs a base URL like https://auth.example.com"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return &client.OptionError{Option: "providers.Generic", Reason: "base URL must not carry a query or fragment"}
	}
	return g.Provider.Validate()
}

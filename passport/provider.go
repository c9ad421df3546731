// Package passport adapts Rollup ID's Passport (https://rollup.id) to
// oauthx: the code exchange and refresh of its token endpoint, id_token
// verification through OpenID Connect discovery and JWKS, the authorize
// URL, and userinfo.
//
// Passport answers without expires_in: the access token is an ES256 JWT,
// and the Session's Expiry is read from its exp claim (decoded, not
// verified: the token came straight from the token endpoint over TLS, and
// the time is only used to know when to refresh). Refresh tokens are not
// rotated; a refresh keeps the session's refresh token and id_token.
//
//	c, err := client.New(client.Config{
//		Provider:     passport.Provider(),
//		ClientID:     os.Getenv("PASSPORT_CLIENT_ID"),
//		ClientSecret: os.Getenv("PASSPORT_CLIENT_SECRET"),
//		RedirectURL:  "https://app.example.com/callback",
//	})
//	s, err := c.ExchangeCode(ctx, code)
//	v, err := passport.NewVerifier(ctx, c)
//	idt, err := v.VerifySession(ctx, s)
package passport

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// Defaults.
const (
	// DefaultBaseURL is Passport's host and OpenID Connect issuer.
	DefaultBaseURL = "https://passport.rollup.id"
	// DefaultLifetime is assumed when the access token is not a JWT with
	// an exp claim.
	DefaultLifetime = time.Hour
	// Name is the provider name: Session.Provider and Error.Provider.
	Name = "passport"
)

// Option configures Provider.
type Option func(*config)

type config struct {
	baseURL string
	issuer  string
}

// WithBaseURL sets Passport's base URL (default DefaultBaseURL): the token
// endpoint is {base}/token, the authorize page {base}/authorize, userinfo
// {base}/userinfo. It is also the issuer unless WithIssuer says otherwise.
// It must be https://, or http:// to a loopback host (tests).
func WithBaseURL(u string) Option {
	return func(c *config) { c.baseURL = strings.TrimRight(u, "/") }
}

// WithIssuer sets the OpenID Connect issuer when it differs from the base
// URL. Discovery is at {issuer}/.well-known/openid-configuration, and
// id_tokens must name exactly this issuer.
func WithIssuer(u string) Option { return func(c *config) { c.issuer = u } }

type passportProvider struct {
	p   *providers.Provider // nil when the options were bad (err says why)
	err error
	cfg config
}

// Provider returns the Passport adapter for client.New: POST {base}/token
// with a form body (client_id, client_secret, grant_type, code or
// refresh_token, and code_verifier with PKCE); 200 and 201 are both
// success. Expiry comes from the access token's JWT exp, else one hour.
// Subject is the id_token's sub (ID "passport:<sub>").
//
// Rollup's errors {code, message, name} map to the client sentinels by
// their message: an expired or invalid code or refresh token is
// ErrReauthorize, bad client credentials ErrInvalidClient.
//
// A bad option is reported by client.New.
func Provider(opts ...Option) client.Provider {
	cfg := config{baseURL: DefaultBaseURL}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.issuer == "" {
		cfg.issuer = cfg.baseURL
	}
	spec := providers.Spec{
		Name:            Name,
		TokenURL:        cfg.baseURL + "/token",
		AuthURL:         cfg.baseURL + "/authorize",
		Encoding:        providers.Form,
		ClientAuth:      providers.AuthInBody,
		EncodeHook:      encodeHook,
		SuccessStatuses: []int{http.StatusOK, http.StatusCreated},
		ErrorShapes:     []providers.ErrorShape{rollupErrors, providers.OAuthErrors},
		Expiry:          providers.JWTExpiry,
		DefaultLifetime: DefaultLifetime,
		Finish:          finish,
	}
	pp := &passportProvider{cfg: cfg}
	if pp.err = cfg.validate(); pp.err == nil {
		pp.p, pp.err = providers.New(spec)
	}
	return pp
}

func (c config) validate() error {
	for _, u := range []struct{ what, raw string }{{"base URL", c.baseURL}, {"issuer", c.issuer}} {
		parsed, err := url.Parse(u.raw)
		if err != nil || u.raw == "" {
			return errors.New("passport: bad " + u.what)
		}
		if err := client.CheckEndpoint(parsed); err != nil {
			return errors.New("passport: " + u.what + ": " + err.Error())
		}
	}
	return nil
}

// Validate implements client.Validator: client.New reports bad options.
func (p *passportProvider) Validate() error { return p.err }

// Name implements client.Provider.
func (p *passportProvider) Name() string { return Name }

// AuthURL implements client.AuthURLProvider.
func (p *passportProvider) AuthURL() string { return p.cfg.baseURL + "/authorize" }

// NewTokenRequest implements client.Provider. Token exchange is refused
// before anything is sent: Passport has no such grant.
func (p *passportProvider) NewTokenRequest(ctx context.Context, r *client.TokenRequest) (*http.Request, error) {
	if p.err != nil {
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Err: p.err}
	}
	if r.Grant != client.GrantAuthorizationCode && r.Grant != client.GrantRefreshToken {
		return nil, &client.Error{Kind: client.ErrInvalidRequest,
			Description: "passport: unsupported grant " + r.Grant + " (authorization_code and refresh_token only)"}
	}
	return p.p.NewTokenRequest(ctx, r)
}

// ParseTokenResponse implements client.Provider.
func (p *passportProvider) ParseTokenResponse(r *client.TokenRequest, resp *client.Response) (*client.Session, error) {
	if p.err != nil {
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Err: p.err}
	}
	s, err := p.p.ParseTokenResponse(r, resp)
	var e *client.Error
	// Only Rollup's own upper-case codes (BAD_REQUEST, UNAUTHORIZED) need
	// their message read; RFC 6749 codes map by themselves.
	if err != nil && errors.As(err, &e) && e.Code != "" && e.Code == strings.ToUpper(e.Code) {
		if kind := rollupKind(e.Description); kind != nil {
			e.Kind = kind
		}
	}
	return s, err
}

// encodeHook keeps the body to the fields Passport reads: no redirect_uri
// (the server does not take one at the token endpoint) and no scope.
func encodeHook(r *client.TokenRequest, params url.Values) error {
	if len(r.Scopes) > 0 {
		return errors.New("passport: the token endpoint takes no scope; request scopes in the authorize URL")
	}
	params.Del("redirect_uri")
	return nil
}

// rollupErrors reads {code:"BAD_REQUEST"|"UNAUTHORIZED"|…, message,
// name:"RollupError"}.
func rollupErrors(_ int, body map[string]any) (providers.ErrorFields, bool) {
	code := providers.StringField(body, "code")
	msg := providers.StringField(body, "message")
	name := providers.StringField(body, "name")
	if code == "" || (name != "RollupError" && msg == "") {
		return providers.ErrorFields{}, false
	}
	return providers.ErrorFields{Code: code, Description: msg}, true
}

// rollupKind classifies a Rollup error by its message, since its codes
// (BAD_REQUEST, UNAUTHORIZED) do not tell a dead grant from a bad client.
// It returns nil when the message says nothing oauthx recognizes.
func rollupKind(message string) error {
	m := strings.ToLower(message)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(m, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("missing", "unsupported", "unexpected", "malformed", "repeated"):
		return client.ErrInvalidRequest
	case has("client"):
		return client.ErrInvalidClient
	case has("code", "refresh token", "refresh_token", "grant") && has("invalid", "expired", "revoked", "used", "not found", "unknown"):
		return client.ErrReauthorize
	}
	return nil
}

// finish sets the Subject from the id_token's sub (or the access token's),
// and the scopes from the access token's scope claim when the answer has
// none. Both are read without verification: they name the session, they
// do not authenticate anyone. Use a Verifier for that.
func finish(_ *client.TokenRequest, s *client.Session, _ map[string]any) error {
	idc := unverifiedClaims(s.IDToken)
	atc := unverifiedClaims(s.AccessToken)
	if sub, _ := idc["sub"].(string); sub != "" {
		s.Subject = sub
	} else if sub, _ := atc["sub"].(string); sub != "" {
		s.Subject = sub
	}
	if len(s.Scopes) == 0 {
		if sc, _ := atc["scope"].(string); sc != "" {
			s.Scopes = strings.Fields(sc)
		}
	}
	return nil
}

// unverifiedClaims decodes a JWT's payload without checking anything. It
// returns nil for anything that is not a JWT.
func unverifiedClaims(token string) map[string]any {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var c map[string]any
	if json.Unmarshal(b, &c) != nil {
		return nil
	}
	return c
}

// providerOf finds c's Passport provider.
func providerOf(c *client.Client) (*passportProvider, error) {
	if c == nil {
		return nil, errors.New("passport: nil *client.Client")
	}
	pp, ok := c.Provider().(*passportProvider)
	if !ok {
		return nil, errors.New("passport: the client was not made with passport.Provider")
	}
	return pp, nil
}

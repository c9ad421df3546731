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
//	c, err := passport.New(passport.Config{
//		ClientID:     os.Getenv("PASSPORT_CLIENT_ID"),
//		ClientSecret: os.Getenv("PASSPORT_CLIENT_SECRET"),
//		RedirectURL:  "https://app.example.com/callback",
//	})
//	s, err := c.ExchangeCode(ctx, code)
//	v, err := c.NewVerifier(ctx)
//	idt, err := v.VerifySession(ctx, s)
//
// Provider is the same adapter for client.New, for code that handles
// every provider alike.
package passport

import (
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

// Option configures Provider. An option given an invalid value (an empty
// or plain-http URL) makes client.New fail.
type Option func(*config)

type config struct {
	baseURL string
	issuer  string
	err     error // an option given an invalid value
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
func WithIssuer(u string) Option {
	return func(c *config) {
		if u == "" {
			c.err = &client.OptionError{Option: "passport.WithIssuer", Reason: "empty URL"}
		}
		c.issuer = u
	}
}

// Provider returns the Passport adapter for client.New: POST {base}/token
// with a form body (client_id, client_secret, grant_type, code or
// refresh_token, and code_verifier with PKCE); 200 and 201 are both
// success. Expiry comes from the access token's JWT exp, else one hour.
// Subject is the id_token's sub (ID "passport:<sub>"). Token exchange is
// refused before anything is sent: Passport has no such grant.
//
// Rollup's errors {code, message, name} map to the client sentinels by
// their message: an expired or invalid code or refresh token is
// ErrReauthorize, bad client credentials ErrInvalidClient.
//
// A bad option is reported by client.New. For id_token verification,
// userinfo and authorize URLs, use New, whose Client has them.
func Provider(opts ...Option) client.Provider {
	cfg := config{baseURL: DefaultBaseURL}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return providers.NewDeferred(cfg.withDefaults().spec())
}

// withDefaults makes the issuer the base URL unless one was set.
func (c config) withDefaults() config {
	if c.issuer == "" {
		c.issuer = c.baseURL
	}
	return c
}

// spec is Passport's token endpoint for c; a bad c is its Err.
func (c config) spec() providers.Spec {
	return providers.Spec{
		Name:            Name,
		TokenURL:        c.baseURL + "/token",
		AuthURL:         c.baseURL + "/authorize",
		Grants:          []string{client.GrantAuthorizationCode, client.GrantRefreshToken},
		GrantHint:       "Passport takes authorization_code and refresh_token only",
		Encoding:        providers.Form,
		ClientAuth:      providers.AuthInBody,
		EncodeHook:      encodeHook,
		SuccessStatuses: []int{http.StatusOK, http.StatusCreated},
		ErrorShapes:     errorShapes,
		Expiry:          providers.JWTExpiry,
		DefaultLifetime: DefaultLifetime,
		Finish:          finish,
		Err:             c.validate(),
	}
}

func (c config) validate() error {
	if c.err != nil {
		return c.err
	}
	if err := providers.CheckURL("passport base URL", c.baseURL); err != nil {
		return err
	}
	return providers.CheckURL("passport issuer", c.issuer)
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

// errorShapes read Rollup's errors, then RFC 6749's.
var errorShapes = []providers.ErrorShape{rollupErrors, providers.OAuthErrors}

// rollupErrors reads {code:"BAD_REQUEST"|"UNAUTHORIZED"|…, message,
// name:"RollupError"}. Only Rollup's own upper-case codes need their
// message read for the kind; RFC 6749 codes map by themselves.
func rollupErrors(_ int, body map[string]any) (providers.ErrorFields, bool) {
	code := providers.StringField(body, "code")
	msg := providers.StringField(body, "message")
	name := providers.StringField(body, "name")
	if code == "" || (name != "RollupError" && msg == "") {
		return providers.ErrorFields{}, false
	}
	f := providers.ErrorFields{Code: code, Description: msg}
	if code == strings.ToUpper(code) {
		f.Kind = rollupKind(msg)
	}
	return f, true
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

package client

import (
	"errors"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// AuthURLOption adjusts an authorize URL.
type AuthURLOption func(url.Values)

// WithPKCE adds an RFC 7636 S256 code challenge derived from verifier.
// Pass the same verifier to ExchangeCode with WithCodeVerifier.
func WithPKCE(verifier string) AuthURLOption {
	return func(v url.Values) {
		v.Set("code_challenge_method", "S256")
		v.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
	}
}

// WithAuthParam sets an extra query parameter (e.g. prompt=consent).
func WithAuthParam(key, value string) AuthURLOption {
	return func(v url.Values) { v.Set(key, value) }
}

// WithAuthScopes replaces Config.Scopes in this URL.
func WithAuthScopes(scopes ...string) AuthURLOption {
	return func(v url.Values) { v.Set("scope", strings.Join(scopes, " ")) }
}

// GenerateVerifier returns a fresh PKCE code verifier (32 random octets,
// base64url), as golang.org/x/oauth2 does.
func GenerateVerifier() string { return oauth2.GenerateVerifier() }

// GenerateState returns a fresh state value for AuthCodeURL: 32 random
// octets, base64url (43 characters). Keep it where the callback can
// compare it, bound to the browser that started the login (an HttpOnly
// cookie); BrowserState and MemoryStates.Begin, behind
// NewCallbackHandler, do that for you.
func GenerateState() string { return oauth2.GenerateVerifier() }

// AuthCodeURL returns the URL to send the user to for consent (RFC 6749
// §4.1.1): response_type=code, client_id, redirect_uri, scope and state.
// state must be an unguessable value the callback checks; an empty state is
// an error. The provider must implement AuthURLProvider; one without an
// authorization endpoint (Finch, whose Connect needs a Connect Session) is
// an *Error matching ErrInvalidRequest.
func (c *Client) AuthCodeURL(state string, opts ...AuthURLOption) (string, error) {
	if state == "" {
		return "", c.invalid("AuthCodeURL needs a non-empty state")
	}
	ap, ok := c.cfg.Provider.(AuthURLProvider)
	if !ok || ap.AuthURL() == "" {
		return "", c.invalid("provider " + c.cfg.Provider.Name() + " has no authorization endpoint")
	}
	u, err := url.Parse(ap.AuthURL())
	if err != nil {
		return "", errors.New("oauthx: bad authorization endpoint: " + err.Error())
	}
	if err := CheckEndpoint(u); err != nil {
		return "", err
	}
	v := u.Query()
	v.Set("response_type", "code")
	v.Set("client_id", c.cfg.ClientID)
	if c.cfg.RedirectURL != "" {
		v.Set("redirect_uri", c.cfg.RedirectURL)
	}
	if len(c.cfg.Scopes) > 0 {
		v.Set("scope", strings.Join(c.cfg.Scopes, " "))
	}
	v.Set("state", state)
	for _, o := range opts {
		if o != nil {
			o(v)
		}
	}
	u.RawQuery = v.Encode()
	return u.String(), nil
}

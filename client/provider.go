package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Grant types a TokenRequest can carry.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	// GrantClientCredentials is RFC 6749 §4.4's grant type.
	GrantClientCredentials = "client_credentials"
	// GrantDeviceCode is RFC 8628's grant type.
	GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
	// GrantTokenExchange is RFC 8693's grant type.
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// Token type identifiers from RFC 8693 §3.
const (
	TokenTypeAccessToken  = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeRefreshToken = "urn:ietf:params:oauth:token-type:refresh_token"
	TokenTypeIDToken      = "urn:ietf:params:oauth:token-type:id_token"
	TokenTypeJWT          = "urn:ietf:params:oauth:token-type:jwt"
)

// TokenRequest is the provider-independent description of one token call.
// The Client fills it from its Config and the call's arguments; a Provider
// turns it into an HTTP request and the answer into a Session.
type TokenRequest struct {
	// Grant is one of the Grant* constants.
	Grant string
	// ClientID and ClientSecret are the client's credentials.
	ClientID, ClientSecret string

	// Code, RedirectURL and CodeVerifier are for GrantAuthorizationCode.
	Code, RedirectURL, CodeVerifier string

	// RefreshToken is for GrantRefreshToken; Previous is the session being
	// refreshed (its ID, Subject and id_token carry over).
	RefreshToken string
	Previous     *Session

	// Exchange is for GrantTokenExchange.
	Exchange *TokenExchangeRequest

	// Scopes requested. For a refresh, a narrower set than was granted.
	Scopes []string
	// Tenant is the account the request is for when the token endpoint
	// lives on a per-tenant host (Shopify: the validated shop domain).
	Tenant string
	// SessionID, when set, overrides the ID the provider would give the
	// resulting Session.
	SessionID string
	// DeviceCode is for GrantDeviceCode (RFC 8628 §3.4).
	DeviceCode string
	// Token is the token a revocation or introspection request is about.
	Token string
	// Params are extra body parameters, added after the standard ones.
	Params url.Values
	// Now is when the request was made; providers use it for IssuedAt and
	// Expiry.
	Now time.Time
	// DPoPKey is the key the request's DPoP proof is signed with, set by
	// Client when the provider uses DPoP (see DPoPProvider); nil when the
	// request carries no proof. A provider accepts token_type DPoP only
	// when it is set.
	DPoPKey *DPoPKey

	// secrets are what a provider added with AddSecret.
	secrets []string
}

// AddSecret records a secret a provider put into the request on its own
// (a client assertion, a proof), so that Secrets returns it and nothing the
// provider echoes back shows it.
func (r *TokenRequest) AddSecret(secret string) {
	if secret != "" {
		r.secrets = append(r.secrets, secret)
	}
}

// Secrets returns every secret the request carries, so that anything
// echoed back by the provider can be scrubbed of them.
func (r *TokenRequest) Secrets() []string {
	s := []string{r.ClientSecret, r.Code, r.CodeVerifier, r.RefreshToken, r.DeviceCode, r.Token}
	s = append(s, r.secrets...)
	if r.Exchange != nil {
		s = append(s, r.Exchange.SubjectToken, r.Exchange.ActorToken)
	}
	if r.Previous != nil {
		s = append(s, r.Previous.AccessToken, r.Previous.RefreshToken, r.Previous.IDToken)
	}
	return s
}

// TokenExchangeRequest is an RFC 8693 token exchange.
type TokenExchangeRequest struct {
	// SubjectToken and SubjectTokenType are required.
	SubjectToken, SubjectTokenType string
	// RequestedTokenType is optional.
	RequestedTokenType string
	// ActorToken and ActorTokenType are optional; both or neither.
	ActorToken, ActorTokenType string
	// Audience and Resource name where the new token will be used.
	Audience []string
	Resource []string
	// Scopes requested.
	Scopes []string
	// Tenant is passed on as TokenRequest.Tenant.
	Tenant string
	// SessionID, when set, is the resulting Session's ID.
	SessionID string
	// Params are extra body parameters.
	Params url.Values
}

// Response is a token endpoint's answer, its body already read (and capped
// at MaxResponseBytes) by the Client.
type Response struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Header is the response's header.
	Header http.Header
	// Body is the whole body, at most MaxResponseBytes.
	Body []byte
}

// Provider adapts one provider's token endpoint. Implementations must be
// safe for concurrent use. Most are built declaratively with
// providers.Spec; the provider packages (shopify, finch, passport) wrap
// one.
type Provider interface {
	// Name is the provider's short name, e.g. "generic". It becomes
	// Session.Provider and Error.Provider.
	Name() string
	// NewTokenRequest builds the HTTP request for r. Its body must be
	// re-readable (http.NewRequest with a bytes or strings reader is).
	NewTokenRequest(ctx context.Context, r *TokenRequest) (*http.Request, error)
	// ParseTokenResponse turns an answer into a Session, or returns an
	// *Error. It is called for every status, success or not.
	ParseTokenResponse(r *TokenRequest, resp *Response) (*Session, error)
}

// AuthURLProvider is implemented by providers that have an authorization
// endpoint, for Client.AuthCodeURL.
type AuthURLProvider interface {
	// AuthURL is the authorization endpoint's URL.
	AuthURL() string
}

// Validator is implemented by providers that can check their own
// configuration; New calls it.
type Validator interface {
	// Validate returns the configuration's first error, nil when there
	// is none.
	Validate() error
}

// Package finch adapts Finch's API (https://developer.tryfinch.com) to
// oauthx: Connect Sessions (NewConnectSession, ReauthenticateConnectSession)
// and the /connect + /callback handler pair built on them
// (ConnectHandlers), the code exchange of Finch Connect and the connection
// details it returns, webhook verification, and the calls a Finch app must
// offer besides — Disconnect, DisconnectEntities and Introspect.
//
// Finch access tokens never expire (until the connection is disconnected)
// and come without a refresh token, so a Finch Session has a zero Expiry,
// no refresh token, and is never refreshed: a refresh is refused before
// anything is sent.
//
//	c, err := finch.New(finch.Config{
//		ClientID:     os.Getenv("FINCH_CLIENT_ID"),
//		ClientSecret: os.Getenv("FINCH_CLIENT_SECRET"),
//		RedirectURL:  "https://app.example.com/callback",
//	})
//	s, err := c.ExchangeCode(ctx, code) // s.Subject is the connection id
//	info, err := c.Introspect(ctx, s)
//
// Provider is the same adapter for client.New, for code that handles
// every provider alike.
package finch

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// Defaults.
const (
	// DefaultBaseURL is Finch's API host; the token endpoint is
	// {base}/auth/token.
	DefaultBaseURL = "https://api.tryfinch.com"
	// DefaultAPIVersion is sent as the Finch-API-Version header.
	DefaultAPIVersion = "2020-09-17"
	// DefaultConnectURL is Finch Connect's authorize page, where the
	// deprecated ConnectURL points.
	//
	// Deprecated: a Connect Session's page is the ConnectURL Finch returns
	// with it.
	DefaultConnectURL = "https://connect.tryfinch.com/authorize"
	// Name is the provider name: Session.Provider and Error.Provider.
	Name = "finch"
	// APIVersionHeader is the header that selects Finch's API version.
	APIVersionHeader = "Finch-API-Version"
)

// Option configures Provider. An option given an invalid value (an empty
// or plain-http URL, an empty API version) makes client.New fail.
type Option func(*config)

type config struct {
	baseURL    string
	apiVersion string
	connectURL string
}

// WithBaseURL sets the API base URL (default DefaultBaseURL): a sandbox,
// a proxy, or a providertest.Finch in tests. It must be https://, or
// http:// to a loopback host.
func WithBaseURL(u string) Option {
	return func(c *config) { c.baseURL = strings.TrimRight(u, "/") }
}

// WithAPIVersion sets the Finch-API-Version header (default
// DefaultAPIVersion).
func WithAPIVersion(v string) Option { return func(c *config) { c.apiVersion = v } }

// WithConnectURL sets the Finch Connect authorize URL of the deprecated
// ConnectURL (default DefaultConnectURL).
//
// Deprecated: a Connect Session's page is the ConnectURL Finch returns
// with it (Client.NewConnectSession).
func WithConnectURL(u string) Option { return func(c *config) { c.connectURL = u } }

// Provider returns the Finch adapter for client.New: POST {base}/auth/token
// with a JSON body {client_id, client_secret, code, redirect_uri} (the
// redirect_uri only when one is configured or given), no grant_type, and
// the Finch-API-Version header. Refresh and token exchange are refused
// before anything is sent: Finch has neither.
//
// The Session's Subject is the connection id (its ID "finch:<connection
// id>"), its Expiry is zero (never), and the response's other fields are
// in Extra, read with ConnectionOf. Finch errors {code, name, finch_code,
// message} map to the client sentinels: invalid_grant_error and
// reauthenticate_user to ErrReauthorize, invalid_client_error to
// ErrInvalidClient, 429 to ErrRateLimited (with Retry-After).
//
// A bad option (e.g. a plain-http base URL) is reported by client.New.
// For Connect Sessions, Disconnect and Introspect, use New, whose Client
// has them.
func Provider(opts ...Option) client.Provider {
	cfg := config{baseURL: DefaultBaseURL, apiVersion: DefaultAPIVersion, connectURL: DefaultConnectURL}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return providers.NewDeferred(cfg.spec())
}

// spec is the Finch token endpoint for cfg; a bad cfg is its Err.
func (c config) spec() providers.Spec {
	return providers.Spec{
		Name:     Name,
		TokenURL: c.baseURL + "/auth/token",
		// No AuthURL: Finch Connect starts from a Connect Session
		// (Client.NewConnectSession), so client.AuthCodeURL refuses with
		// ErrInvalidRequest instead of building a URL Finch rejects.
		Grants:        []string{client.GrantAuthorizationCode},
		GrantHint:     "Finch tokens never expire and cannot be refreshed or exchanged; reconnect through Finch Connect instead",
		Encoding:      providers.JSON,
		ClientAuth:    providers.AuthInBody,
		Header:        http.Header{APIVersionHeader: {c.apiVersion}},
		OmitGrantType: []string{client.GrantAuthorizationCode},
		EncodeHook:    encodeHook,
		ErrorShapes:   errorShapes,
		ErrorCodes:    errorCodes,
		Expiry:        providers.Never,
		Finish:        finish,
		Err:           c.validate(),
	}
}

func (c config) validate() error {
	if err := checkURL("base URL", c.baseURL); err != nil {
		return err
	}
	if err := checkURL("Connect URL", c.connectURL); err != nil {
		return err
	}
	if c.apiVersion == "" || strings.ContainsAny(c.apiVersion, "\r\n") {
		return &client.OptionError{Option: "finch API version", Reason: "empty or malformed"}
	}
	return nil
}

func checkURL(what, raw string) error {
	return providers.CheckURL("finch "+what, raw)
}

// encodeHook refuses what Finch's token endpoint does not take, rather
// than sending a field it would reject.
func encodeHook(r *client.TokenRequest, params url.Values) error {
	if r.CodeVerifier != "" {
		return errors.New("finch: the token endpoint does not support PKCE (code_verifier)")
	}
	if len(r.Scopes) > 0 {
		return errors.New("finch: scopes are chosen as products in the Connect URL, not in the code exchange")
	}
	params.Del("scope")
	return nil
}

var errorCodes = client.ErrorCodes{
	"invalid_grant_error":       client.ErrReauthorize,
	"reauthenticate_user":       client.ErrReauthorize,
	"invalid_client_error":      client.ErrInvalidClient,
	"rate_limit_exceeded_error": client.ErrRateLimited,
}

// errorShapes read Finch's errors, and RFC 6749's from older endpoints.
var errorShapes = []providers.ErrorShape{errorShape, providers.OAuthErrors}

// errorShape reads Finch's {code:int, name, finch_code?, message}. The
// error's Code is the most specific name oauthx knows: finch_code when it
// is one of the mapped codes, else name.
func errorShape(_ int, body map[string]any) (providers.ErrorFields, bool) {
	name := providers.StringField(body, "name")
	finchCode := providers.StringField(body, "finch_code")
	msg := providers.StringField(body, "message")
	if name == "" && finchCode == "" {
		return providers.ErrorFields{}, false
	}
	f := providers.ErrorFields{Code: name, Description: msg}
	if finchCode != "" {
		if _, known := errorCodes[finchCode]; known || name == "" {
			f.Code = finchCode
			if name != "" {
				f.Description = joinDesc(msg, "name "+name)
			}
		} else {
			f.Description = joinDesc(msg, "finch_code "+finchCode)
		}
	}
	return f, true
}

func joinDesc(msg, extra string) string {
	if msg == "" {
		return extra
	}
	return msg + " (" + extra + ")"
}

// finish sets the Subject to the connection id.
func finish(_ *client.TokenRequest, s *client.Session, raw map[string]any) error {
	s.Subject = providers.StringField(raw, "connection_id")
	if s.Subject == "" {
		// Answers from before connection ids existed name the company.
		s.Subject = providers.StringField(raw, "company_id")
	}
	// Finch issues no refresh token; one in an answer would only make a
	// token source try a refresh that Finch cannot do.
	s.RefreshToken = ""
	return nil
}

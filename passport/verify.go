package passport

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
)

// ErrInvalidIDToken is matched (errors.Is) by every id_token verification
// failure: wrong issuer or audience, expired, bad signature, an algorithm
// other than ES256, malformed.
var ErrInvalidIDToken = errors.New("passport: invalid id_token")

// Verifier checks Passport id_tokens: the ES256 signature against the keys
// the issuer publishes (OpenID Connect discovery, then its jwks_uri), the
// issuer, the audience (the client id) and the expiry. It is safe for
// concurrent use and caches the keys, fetching them again when a token
// names a key it has not seen.
type Verifier struct {
	v           *oidc.IDTokenVerifier
	c           *Client
	userinfoURL string
}

// NewVerifier runs OpenID Connect discovery for the Passport issuer and
// returns a Verifier for the client id. Discovery and key fetches go
// through the client's *http.Client (client.WithHTTPClient) and are
// checked like token endpoints: https, or http only to loopback. The
// clock is the client's (client.WithClock).
//
// It uses github.com/coreos/go-oidc/v3, which takes the *http.Client
// through its context (oidc.ClientContext); callers pass it explicitly
// through New's options.
func (c *Client) NewVerifier(ctx context.Context) (*Verifier, error) {
	if ctx == nil {
		return nil, errors.New("passport: nil context")
	}
	issuer := c.cfg.issuer
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, c.c.HTTPClient()), issuer)
	if err != nil {
		return nil, errors.New("passport: OpenID Connect discovery at " + issuer + " failed: " + err.Error())
	}
	var doc struct {
		JWKS     string   `json:"jwks_uri"`
		Userinfo string   `json:"userinfo_endpoint"`
		Algs     []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := op.Claims(&doc); err != nil {
		return nil, errors.New("passport: malformed discovery document")
	}
	for _, ep := range []struct{ what, raw string }{{"jwks_uri", doc.JWKS}, {"userinfo_endpoint", doc.Userinfo}} {
		if ep.raw == "" && ep.what == "userinfo_endpoint" {
			continue
		}
		u, err := url.Parse(ep.raw)
		if err != nil {
			return nil, errors.New("passport: discovery document has a bad " + ep.what)
		}
		if err := client.CheckEndpoint(u); err != nil {
			return nil, errors.New("passport: discovery document's " + ep.what + ": " + err.Error())
		}
	}
	v := op.Verifier(&oidc.Config{
		ClientID: c.c.ClientID(),
		// Passport signs with ES256 only: anything else (HS256 keyed with
		// the public key, "none") is refused whatever the token says.
		SupportedSigningAlgs: []string{oidc.ES256},
		Now:                  c.c.Now,
	})
	return &Verifier{v: v, c: c, userinfoURL: doc.Userinfo}, nil
}

// IDToken is a verified Passport id_token.
type IDToken struct {
	// Issuer is the iss claim (the Passport issuer).
	Issuer string
	// Subject is the sub claim: the Rollup account (urn:rollupid:account/…).
	Subject string
	// Audience is the aud claim; it contains the client id.
	Audience []string
	// Expiry and IssuedAt are the exp and iat claims.
	Expiry, IssuedAt time.Time
	// Nonce is the nonce claim, if the authorize request sent one.
	Nonce string
	// Name, Email and Picture are the profile claims, when granted.
	Name, Email, Picture string

	claims []byte
}

// Claims decodes all the token's claims into v (e.g. connected_accounts).
func (t *IDToken) Claims(v any) error {
	if t == nil || t.claims == nil {
		return errors.New("passport: no claims")
	}
	return json.Unmarshal(t.claims, v)
}

// CheckNonce reports an error unless the token carries exactly nonce
// (compared in constant time). Call it when the authorize URL had one.
func (t *IDToken) CheckNonce(nonce string) error {
	if nonce == "" || t == nil || subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(nonce)) != 1 {
		return &VerifyError{Reason: "nonce does not match"}
	}
	return nil
}

// VerifyError is an id_token verification failure. It matches
// ErrInvalidIDToken and never contains the token.
type VerifyError struct {
	// Reason says what was wrong.
	Reason string
	// Err is the verifier's error, when it does not repeat the token.
	Err error
}

// Error returns the reason, saying "passport: " once.
func (e *VerifyError) Error() string { return errtext.Once("passport: invalid id_token: " + e.Reason) }

// Is matches ErrInvalidIDToken.
func (e *VerifyError) Is(target error) bool { return target == ErrInvalidIDToken }

// Unwrap returns the verifier's error (e.g. an *oidc.TokenExpiredError).
func (e *VerifyError) Unwrap() error { return e.Err }

// Verify checks raw and returns its claims.
func (v *Verifier) Verify(ctx context.Context, raw string) (*IDToken, error) {
	if v == nil || v.v == nil {
		return nil, errors.New("passport: nil Verifier; use Client.NewVerifier")
	}
	if raw == "" {
		return nil, &VerifyError{Reason: "empty id_token"}
	}
	tok, err := v.v.Verify(ctx, raw)
	if err != nil {
		return nil, verifyError(err, raw)
	}
	out := &IDToken{Issuer: tok.Issuer, Subject: tok.Subject, Audience: tok.Audience,
		Expiry: tok.Expiry, IssuedAt: tok.IssuedAt, Nonce: tok.Nonce}
	var profile struct {
		Name    string `json:"name"`
		Email   string `json:"email"`
		Picture string `json:"picture"`
	}
	var all json.RawMessage
	if err := tok.Claims(&all); err != nil {
		return nil, &VerifyError{Reason: "claims are not a JSON object"}
	}
	_ = json.Unmarshal(all, &profile) // a claim of another type is left empty
	out.Name, out.Email, out.Picture = profile.Name, profile.Email, profile.Picture
	out.claims = all
	return out, nil
}

// VerifySession verifies s's id_token and checks that it names s's
// Subject. An id_token proves the sign-in, not the session: it expires (an
// hour, for Passport) and a refresh does not renew it, so verify it when
// the user signs in, not on every request.
func (v *Verifier) VerifySession(ctx context.Context, s *client.Session) (*IDToken, error) {
	if s == nil || s.IDToken == "" {
		return nil, &VerifyError{Reason: "session has no id_token"}
	}
	t, err := v.Verify(ctx, s.IDToken)
	if err != nil {
		return nil, err
	}
	if s.Subject != "" && t.Subject != s.Subject {
		return nil, &VerifyError{Reason: "id_token subject differs from the session's"}
	}
	return t, nil
}

// verifyError describes a go-oidc failure without the token: the cause is
// kept only when its text does not contain the token or a part of it.
func verifyError(err error, raw string) *VerifyError {
	msg := err.Error()
	reason := "verification failed"
	var expired *oidc.TokenExpiredError
	switch {
	case errors.As(err, &expired):
		reason = "expired at " + expired.Expiry.UTC().Format(time.RFC3339)
	case strings.Contains(msg, "issued by a different provider"):
		reason = "wrong issuer"
	case strings.Contains(msg, "audience"):
		reason = "wrong audience"
	case strings.Contains(msg, "signature algorithm"), strings.Contains(msg, "unexpected signature"),
		strings.Contains(msg, "unsupported") && strings.Contains(msg, "alg"):
		reason = "signature algorithm is not ES256"
	case strings.Contains(msg, "signature"):
		reason = "bad signature"
	case strings.Contains(msg, "malformed"):
		reason = "malformed token"
	}
	e := &VerifyError{Reason: reason}
	leaks := strings.Contains(msg, raw)
	for _, part := range strings.Split(raw, ".") {
		if len(part) >= 8 && strings.Contains(msg, part) {
			leaks = true
		}
	}
	if !leaks {
		e.Err = err
	}
	return e
}

package client

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"time"
)

// Introspection is a provider's answer about a token (RFC 7662 §2.2). An
// inactive token (expired, revoked, unknown, or not for this client) has
// Active false and nothing else set: the provider must not say more.
type Introspection struct {
	// Active reports whether the token is currently usable.
	Active bool
	// Scopes are the token's scopes ("scope", space-separated).
	Scopes []string
	// ClientID is the client the token was issued to.
	ClientID string
	// Username is the resource owner's human-readable identifier.
	Username string
	// TokenType is the token's type, e.g. "Bearer" or "DPoP".
	TokenType string
	// Expiry, IssuedAt and NotBefore are "exp", "iat" and "nbf" (zero
	// when absent).
	Expiry, IssuedAt, NotBefore time.Time
	// Subject is "sub": who the token is about.
	Subject string
	// Audience is "aud", as a list even when the provider sent a string.
	Audience []string
	// Issuer is "iss".
	Issuer string
	// JWTID is "jti".
	JWTID string
	// JKT is the DPoP key thumbprint the token is bound to ("cnf.jkt",
	// RFC 9449 §6.2), empty for an unbound token.
	JKT string
	// Extra holds the members not read into the fields above, as decoded
	// JSON: a "cnf" other than {"jkt": ...} is kept without its "jkt"
	// (e.g. an mTLS "x5t#S256"); nil when there are none.
	Extra map[string]any
}

// Introspect asks the provider about token (RFC 7662): a form POST of token
// and, when not empty, token_type_hint, with the client authenticated as
// at the token endpoint. It is retried like a read. An inactive token is
// not an error: the answer has Active false. An answer without a boolean
// "active" is ErrBadResponse; error answers are *Error values mapped like
// token errors (invalid_client is ErrInvalidClient).
func (c *Client) Introspect(ctx context.Context, token, tokenTypeHint string) (*Introspection, error) {
	if token == "" {
		return nil, c.invalid("empty token to introspect")
	}
	r, params := c.tokenRequest(token, tokenTypeHint)
	obj, err := c.callEndpoint(ctx, EndpointIntrospection, r, params, true)
	if err != nil {
		return nil, err
	}
	active, ok := obj["active"].(bool)
	if !ok {
		return nil, c.finishError(&Error{Kind: ErrBadResponse, Description: `introspection answer without a boolean "active"`}, r, nil)
	}
	if !active {
		return &Introspection{}, nil
	}
	in := &Introspection{Active: true}
	str := func(k string) string { v, _ := obj[k].(string); return v }
	if sc := strings.Fields(str("scope")); len(sc) > 0 {
		in.Scopes = sc
	}
	in.ClientID, in.Username, in.TokenType = str("client_id"), str("username"), str("token_type")
	in.Subject, in.Issuer, in.JWTID = str("sub"), str("iss"), str("jti")
	in.Expiry, in.IssuedAt, in.NotBefore = numericDate(obj["exp"]), numericDate(obj["iat"]), numericDate(obj["nbf"])
	switch aud := obj["aud"].(type) {
	case string:
		in.Audience = []string{aud}
	case []any:
		for _, a := range aud {
			if s, ok := a.(string); ok {
				in.Audience = append(in.Audience, s)
			}
		}
	}
	for k, v := range obj {
		if k == "cnf" {
			if cnf, ok := v.(map[string]any); ok {
				in.JKT, _ = cnf["jkt"].(string)
				rest := withoutKey(cnf, "jkt")
				if rest == nil {
					continue
				}
				v = rest
			}
		} else if introspectionMembers[k] {
			continue
		}
		if in.Extra == nil {
			in.Extra = map[string]any{}
		}
		in.Extra[k] = v
	}
	return in, nil
}

// introspectionMembers are the top-level members Introspect reads into
// typed fields, and so leaves out of Extra. "cnf" is handled apart: only
// its "jkt" is typed.
var introspectionMembers = map[string]bool{"active": true, "scope": true, "client_id": true, "username": true,
	"token_type": true, "exp": true, "iat": true, "nbf": true, "sub": true, "aud": true, "iss": true, "jti": true}

// withoutKey returns m without k, nil when nothing else is left; m itself
// when k is absent.
func withoutKey(m map[string]any, k string) map[string]any {
	if _, ok := m[k]; !ok {
		return m
	}
	if len(m) == 1 {
		return nil
	}
	rest := make(map[string]any, len(m)-1)
	for mk, mv := range m {
		if mk != k {
			rest[mk] = mv
		}
	}
	return rest
}

// numericDate reads a JWT NumericDate (seconds since the epoch, RFC 7519
// §2); anything else is the zero time.
func numericDate(v any) time.Time {
	f, ok := positiveNumber(v)
	if !ok {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// secondsOf reads a lifetime in seconds (expires_in, interval); anything
// else, zero or negative is 0.
func secondsOf(v any) time.Duration {
	f, ok := positiveNumber(v)
	if !ok {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

// positiveNumber reads a JSON number in (0, 2^40]: past that it is not a
// date or lifetime oauthx believes.
func positiveNumber(v any) (float64, bool) {
	var f float64
	switch t := v.(type) {
	case json.Number:
		var err error
		if f, err = t.Float64(); err != nil {
			return 0, false
		}
	case float64:
		f = t
	default:
		return 0, false
	}
	if f <= 0 || math.IsNaN(f) || f > 1<<40 {
		return 0, false
	}
	return f, true
}

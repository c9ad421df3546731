package client

import (
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Session is the provider-independent result of a token call: what every
// adapter normalizes its provider's answer into, and what stores persist.
//
// A zero Expiry means the access token never expires (Finch). Printing a
// Session with fmt, %v, %+v, %#v or log/slog never shows a token: see
// [Session.String].
type Session struct {
	// ID is the stable storage key, e.g. "offline_shop.myshopify.com".
	ID string
	// Provider names the adapter that produced the session: "shopify",
	// "finch", "passport", "generic", …
	Provider string
	// Subject is who or what the tokens act for: a shop domain, a Finch
	// connection id, a Passport subject.
	Subject string
	// AccessToken is the bearer credential.
	AccessToken string
	// TokenType is normalized: "Bearer" or "DPoP" (TokenTypeDPoP) whatever
	// case the provider sent.
	TokenType string
	// RefreshToken is empty when the provider issues none.
	RefreshToken string
	// Expiry is when AccessToken stops working; zero means never.
	Expiry time.Time
	// RefreshExpiry is when RefreshToken stops working; zero means unknown
	// or never.
	RefreshExpiry time.Time
	// Scopes are the granted scopes, split on the provider's separator.
	Scopes []string
	// IDToken is the raw OpenID Connect id_token, if any. It is not verified
	// here: see the passport package.
	IDToken string
	// IssuedAt is when the token endpoint answered.
	IssuedAt time.Time
	// Extra holds the provider's other response fields, as decoded JSON
	// (numbers as json.Number).
	Extra map[string]any
	// Grant is the grant the session began with when it matters for
	// renewing it: GrantClientCredentials for a session from
	// Client.ClientCredentials (renewed without a refresh token). Empty for
	// the others; a refresh keeps it.
	Grant string
	// DPoPKey is the key the session's tokens are bound to (RFC 9449),
	// nil when the provider does not use DPoP. Refreshes sign their proofs
	// with it and keep it; DPoPTransport signs resource requests with it.
	// Stores persist it with the session (see MarshalJSON). Printing a
	// Session shows only its thumbprint.
	DPoPKey *DPoPKey
}

// DefaultExpiryMargin is the margin Valid uses: a token that expires within
// it is treated as expired, so it is not sent only to die in flight.
const DefaultExpiryMargin = 10 * time.Second

// NeverExpires reports whether the access token has no expiry at all.
func (s *Session) NeverExpires() bool { return s.Expiry.IsZero() }

// Valid reports whether s holds an access token that is still good for at
// least DefaultExpiryMargin.
func (s *Session) Valid() bool { return s.ValidAt(time.Now(), DefaultExpiryMargin) }

// ValidAt reports whether s holds an access token that is still good at now
// plus margin. A zero Expiry never expires.
func (s *Session) ValidAt(now time.Time, margin time.Duration) bool {
	if s == nil || s.AccessToken == "" {
		return false
	}
	if s.Expiry.IsZero() {
		return true
	}
	return now.Add(margin).Before(s.Expiry)
}

// CanRefresh reports whether s carries a refresh token that has not expired
// at now.
func (s *Session) CanRefresh(now time.Time) bool {
	if s == nil || s.RefreshToken == "" {
		return false
	}
	return s.RefreshExpiry.IsZero() || now.Before(s.RefreshExpiry)
}

// Clone returns a deep copy of s: its Scopes and Extra can be changed
// without touching s.
func (s *Session) Clone() *Session {
	if s == nil {
		return nil
	}
	c := *s
	if s.Scopes != nil {
		c.Scopes = append([]string(nil), s.Scopes...)
	}
	c.Extra = cloneExtra(s.Extra)
	return &c
}

func cloneExtra(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return cloneExtra(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cloneValue(e)
		}
		return out
	default:
		return v
	}
}

// Token returns the session as a golang.org/x/oauth2 token, for use with
// oauth2.TokenSource, oauth2.NewClient and libraries built on them. The
// id_token, when present, is available as Extra("id_token").
func (s *Session) Token() *oauth2.Token {
	if s == nil {
		return nil
	}
	t := &oauth2.Token{
		AccessToken:  s.AccessToken,
		TokenType:    s.TokenType,
		RefreshToken: s.RefreshToken,
		Expiry:       s.Expiry,
	}
	if s.IDToken != "" {
		t = t.WithExtra(map[string]any{"id_token": s.IDToken})
	}
	return t
}

// SessionFromToken builds a Session from a golang.org/x/oauth2 token, so
// tokens obtained elsewhere can be stored and refreshed by oauthx. The
// caller sets ID, Provider and Subject.
func SessionFromToken(t *oauth2.Token) *Session {
	if t == nil {
		return nil
	}
	s := &Session{
		AccessToken:  t.AccessToken,
		TokenType:    NormalizeTokenType(t.TokenType),
		RefreshToken: t.RefreshToken,
		Expiry:       t.Expiry,
	}
	if id, ok := t.Extra("id_token").(string); ok {
		s.IDToken = id
	}
	return s
}

// NormalizeTokenType returns "Bearer" for any casing of "bearer" and for
// the empty string, and "DPoP" for any casing of "dpop" (RFC 6749 token
// types are case-insensitive); other types are returned unchanged.
func NormalizeTokenType(tt string) string {
	switch {
	case tt == "" || strings.EqualFold(tt, "bearer"):
		return "Bearer"
	case strings.EqualFold(tt, TokenTypeDPoP):
		return TokenTypeDPoP
	}
	return tt
}

package providertest

import (
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// The client assertion check the generic and Shopify fakes share (RFC 7523
// §3), through go-jose.

// clientAssertionType is the client_assertion_type of JWT client
// authentication (RFC 7523 §2.2).
const clientAssertionType = ShopifyClientAssertionType

// maxAssertionLifetime is the longest exp - iat the fakes accept: a client
// assertion is meant to live for seconds or minutes.
const maxAssertionLifetime = ShopifyMaxAssertionLifetime

// assertionRule is what a fake asks of a client assertion.
type assertionRule struct {
	algs     []jose.SignatureAlgorithm // the signature algorithms accepted
	key      func(h jose.Header) any   // the key to verify a header's signature with; nil refuses
	clientID string                    // iss and sub
	audience string                    // the token endpoint
	audArray bool                      // aud may be an array holding audience; false: the single string audience
	leeway   time.Duration             // clock tolerance for iat, exp and nbf
	now      func() time.Time          // the fake's clock
}

// verifyAssertion checks tok against rule and returns its claims, or why
// it is refused: a compact JWS with one signature by one of rule.algs
// (typ, when present, JWT; no crit), verified with rule.key; iss and sub
// the client id; aud the token endpoint; iat present and not in the
// future, exp present and not past, at most maxAssertionLifetime apart;
// nbf, when present, not in the future; a jti. The caller checks that the
// jti is new (jtiLog).
func verifyAssertion(tok string, rule assertionRule) (jwt.Claims, string) {
	jws, h, reason := parseSignedJWT(tok, rule.algs, "JWT", true)
	if reason != "" {
		return jwt.Claims{}, reason
	}
	key := rule.key(h)
	if key == nil {
		return jwt.Claims{}, "no key for its kid and alg"
	}
	var c jwt.Claims
	var raw struct {
		Aud any `json:"aud"`
	}
	if jws.Claims(key, &c, &raw) != nil {
		return jwt.Claims{}, "bad signature or claims"
	}
	now := rule.now()
	switch {
	case c.Issuer != rule.clientID:
		return c, "iss is not the client_id"
	case c.Subject != rule.clientID:
		return c, "sub is not the client_id"
	case rule.audArray && !c.Audience.Contains(rule.audience), !rule.audArray && raw.Aud != rule.audience:
		return c, "aud is not this token endpoint"
	case c.IssuedAt == nil || c.IssuedAt.Time().After(now.Add(rule.leeway)):
		return c, "iat missing or in the future"
	case c.Expiry == nil || !c.Expiry.Time().After(now.Add(-rule.leeway)):
		return c, "exp missing or past"
	case c.Expiry.Time().Sub(c.IssuedAt.Time()) > maxAssertionLifetime:
		return c, "lives longer than 5 minutes"
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(rule.leeway)):
		return c, "nbf in the future"
	case c.ID == "":
		return c, "jti missing"
	}
	return c, ""
}

// parseSignedJWT parses a compact JWS with one signature by one of algs
// and no crit header, whose typ is typ (or absent, when typOptional): a
// client assertion or a DPoP proof. It returns the token and its header,
// or why it is refused; the caller verifies the signature with the key it
// trusts for that header.
func parseSignedJWT(tok string, algs []jose.SignatureAlgorithm, typ string, typOptional bool) (*jwt.JSONWebToken, jose.Header, string) {
	jws, err := jwt.ParseSigned(tok, algs)
	if err != nil || len(jws.Headers) != 1 {
		names := make([]string, len(algs))
		for i, a := range algs {
			names[i] = string(a)
		}
		return nil, jose.Header{}, "not a compact JWS signed with " + strings.Join(names, ", ")
	}
	h := jws.Headers[0]
	if got, ok := h.ExtraHeaders[jose.HeaderType]; (ok || !typOptional) && got != typ {
		return nil, jose.Header{}, "typ must be " + typ
	}
	if _, ok := h.ExtraHeaders["crit"]; ok {
		return nil, jose.Header{}, "crit is not accepted"
	}
	return jws, h, ""
}

// jtiLog remembers the ids of accepted client assertions and DPoP proofs
// until they expire, so that a replay is refused. The fake's lock guards it.
type jtiLog map[string]time.Time

// first records c's jti and reports whether it was new, forgetting the
// ids whose assertions have expired by now.
func (l jtiLog) first(c jwt.Claims, now time.Time) bool {
	for id, exp := range l {
		if exp.Before(now) {
			delete(l, id)
		}
	}
	if _, used := l[c.ID]; used {
		return false
	}
	l[c.ID] = c.Expiry.Time()
	return true
}

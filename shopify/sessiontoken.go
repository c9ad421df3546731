package shopify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultClockTolerance is how far exp and nbf may be off: Shopify's
// session tokens live one minute, and servers' clocks drift.
const DefaultClockTolerance = 10 * time.Second

// MaxSessionTokenLength bounds the token accepted for decoding.
const MaxSessionTokenLength = 8 << 10

// SessionTokenClaims are the verified claims of a session token
// (https://shopify.dev/docs/apps/build/authentication-authorization/session-tokens).
type SessionTokenClaims struct {
	// Issuer is iss: https://{shop}/admin.
	Issuer string `json:"iss"`
	// Dest is dest: https://{shop}.
	Dest string `json:"dest"`
	// Audience is aud: the app's API key.
	Audience string `json:"aud"`
	// Subject is sub: the staff member's user id.
	Subject string `json:"sub"`
	// ExpiresAt, NotBefore and IssuedAt are exp, nbf and iat.
	ExpiresAt, NotBefore, IssuedAt time.Time `json:"-"`
	// ID is jti, unique per token.
	ID string `json:"jti"`
	// SessionID is sid, the user's admin session.
	SessionID string `json:"sid"`
	// Sig is the sig claim.
	Sig string `json:"sig"`

	// Shop is the validated, normalized shop domain of dest.
	Shop string `json:"-"`
}

// UserID returns sub as a number, when it is one.
func (c *SessionTokenClaims) UserID() (int64, bool) {
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	return id, err == nil && id > 0
}

// rawClaims is the payload as sent; numbers stay json.Number.
type rawClaims struct {
	Iss  string          `json:"iss"`
	Dest string          `json:"dest"`
	Aud  json.RawMessage `json:"aud"`
	Sub  json.RawMessage `json:"sub"`
	Exp  *json.Number    `json:"exp"`
	Nbf  *json.Number    `json:"nbf"`
	Iat  *json.Number    `json:"iat"`
	Jti  string          `json:"jti"`
	Sid  string          `json:"sid"`
	Sig  string          `json:"sig"`
}

// DecodeSessionToken verifies a session token with the app secret and
// returns its claims. It checks, in this order: the shape (three base64url
// parts, at most MaxSessionTokenLength bytes), the algorithm (HS256 only:
// none, RS256 and every other one are refused before any key is used), the
// HMAC-SHA256 signature (compared in constant time), exp and nbf (with the
// clock tolerance, DefaultClockTolerance unless Config.ClockTolerance says
// otherwise), aud (the API key), dest (https:// and a shop that passes
// SanitizeShop with the client's domains) and iss (https://{same host}/admin).
//
// Every rejection is a *SessionTokenError matching ErrInvalidSessionToken
// and one reason sentinel. No error contains the token.
func (c *Client) DecodeSessionToken(token string) (*SessionTokenClaims, error) {
	return decodeSessionToken(token, []byte(c.cfg.APISecret), c.cfg.APIKey, c.now(), c.tolerance, c.shops)
}

func decodeSessionToken(token string, key []byte, apiKey string, now time.Time, tolerance time.Duration, shops *shopRules) (*SessionTokenClaims, error) {
	if token == "" {
		return nil, tokenError(ErrNoSessionToken, "empty token")
	}
	if len(token) > MaxSessionTokenLength {
		return nil, tokenError(ErrSessionTokenMalformed, "longer than "+strconv.Itoa(MaxSessionTokenLength)+" bytes")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, tokenError(ErrSessionTokenMalformed, "not three dot-separated parts")
	}
	headerJSON, err := b64(parts[0])
	if err != nil {
		return nil, tokenError(ErrSessionTokenMalformed, "header is not base64url")
	}
	var header struct {
		Alg  *string         `json:"alg"`
		Typ  *string         `json:"typ"`
		Crit json.RawMessage `json:"crit"`
	}
	if err := strictJSON(headerJSON, &header); err != nil {
		return nil, tokenError(ErrSessionTokenMalformed, "header is not a JSON object")
	}
	if header.Alg == nil || *header.Alg != "HS256" {
		return nil, tokenError(ErrSessionTokenAlgorithm, "only HS256 is accepted")
	}
	if header.Typ != nil && !strings.EqualFold(*header.Typ, "JWT") {
		return nil, tokenError(ErrSessionTokenMalformed, "typ is not JWT")
	}
	if header.Crit != nil {
		return nil, tokenError(ErrSessionTokenMalformed, "critical header extensions are not supported")
	}
	sig, err := b64(parts[2])
	if err != nil {
		return nil, tokenError(ErrSessionTokenMalformed, "signature is not base64url")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(parts[0]))
	mac.Write([]byte{'.'})
	mac.Write([]byte(parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, tokenError(ErrSessionTokenSignature, "")
	}

	payload, err := b64(parts[1])
	if err != nil {
		return nil, tokenError(ErrSessionTokenMalformed, "payload is not base64url")
	}
	var raw rawClaims
	if err := strictJSON(payload, &raw); err != nil {
		return nil, tokenError(ErrSessionTokenMalformed, "payload is not a JSON object of the expected claims")
	}
	claims := &SessionTokenClaims{Issuer: raw.Iss, Dest: raw.Dest, ID: raw.Jti, SessionID: raw.Sid, Sig: raw.Sig}
	var ok bool
	if claims.ExpiresAt, ok = numericDate(raw.Exp); !ok {
		return nil, tokenError(ErrSessionTokenMalformed, "exp missing or not a number")
	}
	if claims.NotBefore, ok = numericDate(raw.Nbf); !ok && raw.Nbf != nil {
		return nil, tokenError(ErrSessionTokenMalformed, "nbf is not a number")
	}
	if claims.IssuedAt, ok = numericDate(raw.Iat); !ok && raw.Iat != nil {
		return nil, tokenError(ErrSessionTokenMalformed, "iat is not a number")
	}
	if claims.Subject, ok = stringOrNumber(raw.Sub); !ok {
		return nil, tokenError(ErrSessionTokenMalformed, "sub is not a string")
	}

	if !now.Before(claims.ExpiresAt.Add(tolerance)) {
		return nil, tokenError(ErrSessionTokenExpired, "expired "+now.Sub(claims.ExpiresAt).Truncate(time.Second).String()+" ago")
	}
	if !claims.NotBefore.IsZero() && now.Add(tolerance).Before(claims.NotBefore) {
		return nil, tokenError(ErrSessionTokenNotYetValid, "valid in "+claims.NotBefore.Sub(now).Truncate(time.Second).String())
	}
	aud, ok := audience(raw.Aud, apiKey)
	if !ok {
		return nil, tokenError(ErrSessionTokenAudience, "")
	}
	claims.Audience = aud

	shop, err := shopOfURL(claims.Dest, "", shops)
	if err != nil {
		return nil, tokenError(ErrSessionTokenDestination, "")
	}
	claims.Shop = shop
	if issShop, err := shopOfURL(claims.Issuer, "/admin", shops); err != nil || issShop != shop {
		return nil, tokenError(ErrSessionTokenIssuer, "")
	}
	return claims, nil
}

// shopOfURL parses https://{shop}{path} and returns the sanitized shop.
// It takes no query, fragment, user info or port, and compares the host
// exactly after lowercasing.
func shopOfURL(s, path string, shops *shopRules) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		u.Opaque != "" || u.ForceQuery || u.Port() != "" || u.Host == "" {
		return "", ErrInvalidShop
	}
	if u.Path != path && !(path == "" && u.Path == "/") {
		return "", ErrInvalidShop
	}
	shop, err := shops.sanitize(u.Host)
	if err != nil || shop != strings.ToLower(u.Host) {
		return "", ErrInvalidShop
	}
	return shop, nil
}

// audience accepts aud as a string equal to apiKey, or an array holding
// exactly it.
func audience(raw json.RawMessage, apiKey string) (string, bool) {
	if apiKey == "" || len(raw) == 0 {
		return "", false
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one, hmac.Equal([]byte(one), []byte(apiKey))
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil && len(many) == 1 {
		return many[0], hmac.Equal([]byte(many[0]), []byte(apiKey))
	}
	return "", false
}

func stringOrNumber(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// numericDate reads a JWT NumericDate (RFC 7519 §2), seconds possibly
// fractional.
func numericDate(n *json.Number) (time.Time, bool) {
	if n == nil {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1<<40 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// b64 decodes unpadded base64url, as JWS requires (RFC 7515 §2).
func b64(s string) ([]byte, error) { return base64.RawURLEncoding.Strict().DecodeString(s) }

// strictJSON decodes one JSON object, numbers as json.Number, with no
// trailing data.
func strictJSON(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return errNotObject
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errNotObject
	}
	return nil
}

var errNotObject = &SessionTokenError{Reason: ErrSessionTokenMalformed}

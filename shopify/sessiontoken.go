package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
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

// DecodeSessionToken verifies a session token with the app secret and
// returns its claims. It checks, in this order: the shape (three base64url
// parts, at most MaxSessionTokenLength bytes), the header (a JSON object;
// alg HS256 only: none, RS256 and every other one are refused before any
// key is used; typ JWT if present; no crit), the HMAC-SHA256 signature
// (compared in constant time), the payload (one JSON object in valid
// UTF-8, no claim twice; exp required; exp, nbf and iat JSON numbers —
// RFC 7519's NumericDate, so "1767225660" in quotes is refused; iss,
// dest, jti, sid and sig strings; sub a string or a number), exp and nbf
// (with the clock tolerance, DefaultClockTolerance unless
// Config.ClockTolerance says otherwise), aud (a string equal to the API
// key: an array is refused, as Shopify's library does), dest (https://
// and a shop that passes SanitizeShop with the client's domains) and iss
// (https://{same host}/admin).
//
// Every rejection is a *SessionTokenError matching ErrInvalidSessionToken
// and one reason sentinel. No error contains the token.
func (c *Client) DecodeSessionToken(token string) (*SessionTokenClaims, error) {
	return c.verifier.decode(token, c.now())
}

// verifier is what DecodeSessionToken needs, prepared once per Client.
type verifier struct {
	apiKey    string
	tolerance time.Duration
	shops     *shopRules
	states    sync.Pool // *verifyState
}

// verifyState is one verification's scratch space, reused through the
// pool so that a verification allocates only the claims and their text.
type verifyState struct {
	mac hash.Hash // HMAC-SHA256 keyed with the app secret
	sum [sha256.Size]byte
	tok []byte // the token's bytes
	out []byte // decoded header, signature and payload
}

func newVerifier(secret, apiKey string, tolerance time.Duration, shops *shopRules) *verifier {
	key := []byte(secret)
	v := &verifier{apiKey: apiKey, tolerance: tolerance, shops: shops}
	v.states.New = func() any {
		return &verifyState{mac: hmac.New(sha256.New, key), tok: make([]byte, 0, 1024), out: make([]byte, 1024)}
	}
	return v
}

// canonicalHeader is the base64url of {"alg":"HS256","typ":"JWT"}, the
// header Shopify sends: recognized without decoding.
const canonicalHeader = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

var b64url = base64.RawURLEncoding.Strict()

// decode64 decodes unpadded base64url (RFC 7515 §2) into st.out from off.
func (st *verifyState) decode64(src []byte, off int) ([]byte, bool) {
	need := off + b64url.DecodedLen(len(src))
	if need > len(st.out) {
		grown := make([]byte, need)
		copy(grown, st.out[:off])
		st.out = grown
	}
	n, err := b64url.Decode(st.out[off:], src)
	if err != nil {
		return nil, false
	}
	return st.out[off : off+n], true
}

func (v *verifier) decode(token string, now time.Time) (*SessionTokenClaims, error) {
	if token == "" {
		return nil, tokenError(ErrNoSessionToken, "empty token")
	}
	if len(token) > MaxSessionTokenLength {
		return nil, tokenError(ErrSessionTokenMalformed, "longer than "+strconv.Itoa(MaxSessionTokenLength)+" bytes")
	}
	d1 := strings.IndexByte(token, '.')
	d2 := -1
	if d1 >= 0 {
		if d2 = strings.IndexByte(token[d1+1:], '.'); d2 >= 0 {
			d2 += d1 + 1
		}
	}
	if d2 < 0 || strings.IndexByte(token[d2+1:], '.') >= 0 {
		return nil, tokenError(ErrSessionTokenMalformed, "not three dot-separated parts")
	}
	st := v.states.Get().(*verifyState)
	defer v.states.Put(st)
	st.tok = append(st.tok[:0], token...)

	if token[:d1] != canonicalHeader {
		header, ok := st.decode64(st.tok[:d1], 0)
		if !ok {
			return nil, tokenError(ErrSessionTokenMalformed, "header is not base64url")
		}
		if err := checkHeader(string(header)); err != nil {
			return nil, err
		}
	}
	sig, ok := st.decode64(st.tok[d2+1:], 0)
	if !ok {
		return nil, tokenError(ErrSessionTokenMalformed, "signature is not base64url")
	}
	st.mac.Reset()
	st.mac.Write(st.tok[:d2])
	if !hmac.Equal(sig, st.mac.Sum(st.sum[:0])) {
		return nil, tokenError(ErrSessionTokenSignature, "")
	}
	payload, ok := st.decode64(st.tok[d1+1:d2], 0)
	if !ok {
		return nil, tokenError(ErrSessionTokenMalformed, "payload is not base64url")
	}
	return v.claims(string(payload), now)
}

// checkHeader checks a header that is not the canonical one.
func checkHeader(h string) error {
	r, ok := newJSONObjectReader(h)
	if !ok {
		return tokenError(ErrSessionTokenMalformed, "header is not a JSON object")
	}
	var alg, typ *jsonMember
	var algM, typM jsonMember
	for {
		m, more, bad := r.next()
		if bad {
			return tokenError(ErrSessionTokenMalformed, "header is not a JSON object")
		}
		if !more {
			break
		}
		switch m.key {
		case "alg":
			if alg != nil {
				return tokenError(ErrSessionTokenMalformed, "alg given twice")
			}
			algM, alg = m, &algM
		case "typ":
			if typ != nil {
				return tokenError(ErrSessionTokenMalformed, "typ given twice")
			}
			typM, typ = m, &typM
		case "crit":
			return tokenError(ErrSessionTokenMalformed, "critical header extensions are not supported")
		}
	}
	if alg == nil || alg.kind != jsonString || alg.val != "HS256" {
		return tokenError(ErrSessionTokenAlgorithm, "only HS256 is accepted")
	}
	if typ != nil && (typ.kind != jsonString || !strings.EqualFold(typ.val, "JWT")) {
		return tokenError(ErrSessionTokenMalformed, "typ is not JWT")
	}
	return nil
}

// claim bits, to refuse a claim given twice.
const (
	seenIss = 1 << iota
	seenDest
	seenAud
	seenSub
	seenExp
	seenNbf
	seenIat
	seenJti
	seenSid
	seenSig
)

// claims reads and checks a verified payload. Every string of the result
// is a substring of payload.
func (v *verifier) claims(payload string, now time.Time) (*SessionTokenClaims, error) {
	malformed := func(detail string) error { return tokenError(ErrSessionTokenMalformed, detail) }
	if !utf8.ValidString(payload) {
		return nil, malformed("payload is not UTF-8")
	}
	r, ok := newJSONObjectReader(payload)
	if !ok {
		return nil, malformed("payload is not a JSON object")
	}
	c := &SessionTokenClaims{}
	var seen int
	var aud jsonMember
	for {
		m, more, bad := r.next()
		if bad {
			return nil, malformed("payload is not a JSON object")
		}
		if !more {
			break
		}
		var bit int
		var str *string
		var date *time.Time
		switch m.key {
		case "iss":
			bit, str = seenIss, &c.Issuer
		case "dest":
			bit, str = seenDest, &c.Dest
		case "jti":
			bit, str = seenJti, &c.ID
		case "sid":
			bit, str = seenSid, &c.SessionID
		case "sig":
			bit, str = seenSig, &c.Sig
		case "aud":
			bit, aud = seenAud, m
		case "sub":
			bit = seenSub
			if m.kind != jsonString && m.kind != jsonNumber {
				return nil, malformed("sub is not a string")
			}
			c.Subject = m.val
		case "exp":
			bit, date = seenExp, &c.ExpiresAt
		case "nbf":
			bit, date = seenNbf, &c.NotBefore
		case "iat":
			bit, date = seenIat, &c.IssuedAt
		default:
			continue
		}
		if seen&bit != 0 {
			return nil, malformed(m.key + " given twice")
		}
		seen |= bit
		if str != nil {
			if m.kind != jsonString {
				return nil, malformed(m.key + " is not a string")
			}
			*str = m.val
		}
		if date != nil {
			t, ok := numericDate(m)
			if !ok {
				return nil, malformed(m.key + " is not a NumericDate (a JSON number of seconds)")
			}
			*date = t
		}
	}
	if seen&seenExp == 0 {
		return nil, malformed("exp missing")
	}
	if !now.Before(c.ExpiresAt.Add(v.tolerance)) {
		return nil, tokenError(ErrSessionTokenExpired, "expired "+now.Sub(c.ExpiresAt).Truncate(time.Second).String()+" ago")
	}
	if !c.NotBefore.IsZero() && now.Add(v.tolerance).Before(c.NotBefore) {
		return nil, tokenError(ErrSessionTokenNotYetValid, "valid in "+c.NotBefore.Sub(now).Truncate(time.Second).String())
	}
	if aud.kind != jsonString || v.apiKey == "" || !hmac.Equal([]byte(aud.val), []byte(v.apiKey)) {
		return nil, tokenError(ErrSessionTokenAudience, "")
	}
	c.Audience = aud.val
	shop, ok := v.shopOfURL(c.Dest, "")
	if !ok {
		return nil, tokenError(ErrSessionTokenDestination, "")
	}
	c.Shop = shop
	if issShop, ok := v.shopOfURL(c.Issuer, "/admin"); !ok || issShop != shop {
		return nil, tokenError(ErrSessionTokenIssuer, "")
	}
	return c, nil
}

// shopOfURL reads https://{shop}{path} and returns the shop, lowercased.
// The host must be NAME.DOMAIN under an accepted domain, so no user info,
// port, query or fragment gets through; what follows it must be exactly
// path (or "/" when path is empty).
func (v *verifier) shopOfURL(s, path string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		return "", false
	}
	host, tail := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, tail = rest[:i], rest[i:]
	}
	if tail != path && !(path == "" && tail == "/") {
		return "", false
	}
	if !v.shops.host(host) {
		return "", false
	}
	return strings.ToLower(host), true
}

// numericDate reads a JWT NumericDate (RFC 7519 §2): a JSON number of
// seconds, possibly fractional, not negative, before year 36812.
func numericDate(m jsonMember) (time.Time, bool) {
	if m.kind != jsonNumber || m.val[0] == '-' {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(m.val, 10, 64); err == nil {
		if n > 1<<40 {
			return time.Time{}, false
		}
		return time.Unix(n, 0), true
	}
	f, err := strconv.ParseFloat(m.val, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1<<40 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

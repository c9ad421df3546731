package shopify

import (
	"errors"
	"net/url"
	"sort"
	"strings"
)

// ErrInvalidCallback is matched by every rejection of VerifyCallback. Each
// rejection also matches exactly one reason below, or ErrInvalidShop.
var ErrInvalidCallback = errors.New("shopify: invalid OAuth callback")

// Callback verification reasons, matched with errors.Is.
var (
	// ErrCallbackHMAC: the OAuth callback's hmac parameter is missing or
	// is not the lowercase hex HMAC-SHA256 of the other parameters.
	ErrCallbackHMAC = errors.New("shopify: OAuth callback hmac mismatch")
	// ErrCallbackExpired: the callback's timestamp is further from now
	// than the timestamp tolerance (Config.TimestampTolerance, 90 s by
	// default).
	ErrCallbackExpired = errors.New("shopify: OAuth callback timestamp too old or in the future")
	// ErrCallbackTimestamp: the timestamp is missing or not an integer
	// (ASCII digits only).
	ErrCallbackTimestamp = errors.New("shopify: OAuth callback timestamp is not an integer")
	// ErrCallbackRepeated: code, hmac, host, shop, state or timestamp
	// appears more than once.
	ErrCallbackRepeated = errors.New("shopify: OAuth callback parameter repeated")
)

// CallbackMaxAge is DefaultTimestampTolerance.
//
// Deprecated: set Config.TimestampTolerance; the default is
// DefaultTimestampTolerance.
const CallbackMaxAge = DefaultTimestampTolerance

// callbackSingle are the callback parameters that may not repeat.
var callbackSingle = []string{"code", "hmac", "host", "shop", "signature", "state", "timestamp"}

// VerifyCallback checks the query of Shopify's OAuth redirect (code, hmac,
// host, shop, state, timestamp) and returns the sanitized shop, to give
// ExchangeCode with the code:
//
//   - hmac is the lowercase hex HMAC-SHA256, with the app secret, of every
//     other parameter but signature, sorted by name in byte order and
//     form-encoded (name=value joined by &, as URLSearchParams writes them
//     with spaces as %20; the values of a repeated other parameter joined
//     with ","), compared in constant time;
//   - code, hmac, host, shop, signature, state and timestamp may not
//     repeat;
//   - timestamp is an integer (digits only) within Config.TimestampTolerance
//     (90 s by default) of the Client's clock;
//   - shop passes SanitizeShop.
//
// Checking state against the one the app issued is the caller's job
// (InstallHandler does it). Every rejection is a *RequestError matching
// ErrInvalidCallback and one reason.
func (c *Client) VerifyCallback(query url.Values) (string, error) {
	if k, ok := repeated(query, callbackSingle...); ok {
		return "", callbackError(ErrCallbackRepeated, k)
	}
	given := query.Get("hmac")
	if given == "" {
		return "", callbackError(ErrCallbackHMAC, "no hmac parameter")
	}
	if !c.hexMACEqual([]byte(callbackMessage(query)), given) {
		return "", callbackError(ErrCallbackHMAC, "")
	}
	ts, ok := parseTimestamp(query.Get("timestamp"))
	if !ok {
		return "", callbackError(ErrCallbackTimestamp, "")
	}
	if !c.fresh(ts) {
		return "", callbackError(ErrCallbackExpired, "")
	}
	shop, err := c.SanitizeShop(query.Get("shop"))
	if err != nil {
		return "", &RequestError{Kind: ErrInvalidCallback, Reason: ErrInvalidShop, Detail: "shop", Err: err}
	}
	return shop, nil
}

// callbackMessage is the signed string of an OAuth callback query.
func callbackMessage(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "hmac" && k != "signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		formEncode(&b, k)
		b.WriteByte('=')
		formEncode(&b, strings.Join(q[k], ","))
	}
	return b.String()
}

// formEncode writes s as the WHATWG application/x-www-form-urlencoded
// serializer does (what URLSearchParams.toString gives), with a space as
// %20 instead of +: ASCII letters, digits and *-._ stay, every other byte
// becomes %XX in uppercase hex. (url.QueryEscape differs on * and ~.)
func formEncode(b *strings.Builder, s string) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
			ch == '*' || ch == '-' || ch == '.' || ch == '_' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[ch>>4])
		b.WriteByte(hexDigits[ch&15])
	}
}

func callbackError(reason error, detail string) error {
	return &RequestError{Kind: ErrInvalidCallback, Reason: reason, Detail: detail}
}

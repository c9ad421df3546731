package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/url"
	"time"
)

// DefaultTimestampTolerance is how far the timestamp of an app-proxy
// request or an OAuth callback may be from now unless
// Config.TimestampTolerance says otherwise: 90 seconds either way, as
// Shopify's official library allows.
const DefaultTimestampTolerance = 90 * time.Second

// maxTimestampDigits keeps a timestamp's seconds far from overflowing.
const maxTimestampDigits = 12

// timestampTolerance is Config.TimestampTolerance or its default.
func (c *Client) timestampTolerance() time.Duration {
	if c.cfg.TimestampTolerance > 0 {
		return c.cfg.TimestampTolerance
	}
	return DefaultTimestampTolerance
}

// parseTimestamp reads Unix seconds written as 1 to 12 ASCII digits: no
// sign, no space, no exponent, no fraction.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) == 0 || len(s) > maxTimestampDigits {
		return time.Time{}, false
	}
	var n int64
	for _, b := range []byte(s) {
		if b < '0' || b > '9' {
			return time.Time{}, false
		}
		n = n*10 + int64(b-'0')
	}
	return time.Unix(n, 0), true
}

// fresh reports whether t is within the timestamp tolerance of now.
func (c *Client) fresh(t time.Time) bool {
	d := c.now().Sub(t)
	tol := c.timestampTolerance()
	return d <= tol && d >= -tol
}

// repeated returns the first of keys that q holds more than once.
func repeated(q url.Values, keys ...string) (string, bool) {
	for _, k := range keys {
		if len(q[k]) > 1 {
			return k, true
		}
	}
	return "", false
}

// hexMACEqual compares given with the lowercase hex HMAC-SHA256 of msg
// under the app secret, in constant time.
func (c *Client) hexMACEqual(msg []byte, given string) bool {
	mac := hmac.New(sha256.New, []byte(c.cfg.APISecret))
	mac.Write(msg)
	want := hex.EncodeToString(mac.Sum(nil))
	return subtle.ConstantTimeCompare([]byte(want), []byte(given)) == 1
}

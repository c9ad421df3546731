package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Callback verification errors.
var (
	// ErrCallbackHMAC: the OAuth callback's hmac parameter is missing or
	// does not match the app secret.
	ErrCallbackHMAC = errors.New("shopify: OAuth callback hmac mismatch")
	// ErrCallbackExpired: the callback's timestamp is missing or more than
	// CallbackMaxAge (plus the clock tolerance) away from now.
	ErrCallbackExpired = errors.New("shopify: OAuth callback timestamp too old or in the future")
)

// CallbackMaxAge is how old an OAuth callback's timestamp may be.
const CallbackMaxAge = 90 * time.Second

// VerifyCallback checks the query of Shopify's OAuth redirect (code, hmac,
// host, shop, state, timestamp): the hmac over the other parameters (sorted
// by name, joined as name=value with &) with the app secret, compared in
// constant time; the timestamp's age; and the shop. It returns the
// sanitized shop, to give ExchangeCode with the code. Checking state
// against the one the app issued is the app's job.
func (c *Client) VerifyCallback(query url.Values) (string, error) {
	given := query.Get("hmac")
	sum, err := hex.DecodeString(given)
	if given == "" || err != nil {
		return "", ErrCallbackHMAC
	}
	keys := make([]string, 0, len(query))
	for k := range query {
		if k != "hmac" && k != "signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+strings.Join(query[k], ","))
	}
	mac := hmac.New(sha256.New, []byte(c.cfg.APISecret))
	mac.Write([]byte(strings.Join(parts, "&")))
	if !hmac.Equal(sum, mac.Sum(nil)) {
		return "", ErrCallbackHMAC
	}
	ts, err := strconv.ParseInt(query.Get("timestamp"), 10, 64)
	if err != nil {
		return "", ErrCallbackExpired
	}
	age := c.now().Sub(time.Unix(ts, 0))
	if age > CallbackMaxAge+c.tolerance || age < -c.tolerance {
		return "", ErrCallbackExpired
	}
	return c.SanitizeShop(query.Get("shop"))
}

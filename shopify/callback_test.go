package shopify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/shopify"
)

func signedCallback(secret string, q url.Values) url.Values {
	msg := ""
	for i, k := range []string{"code", "host", "shop", "state", "timestamp"} {
		if i > 0 {
			msg += "&"
		}
		msg += k + "=" + q.Get(k)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(msg))
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	out.Set("hmac", hex.EncodeToString(mac.Sum(nil)))
	return out
}

func TestVerifyCallback(t *testing.T) {
	t.Parallel()
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock})
	require.NoError(t, err)
	base := func(shop string, ts time.Time) url.Values {
		return url.Values{"code": {"abc"}, "host": {"aG9zdA"}, "shop": {shop}, "state": {"st"},
			"timestamp": {strconv.FormatInt(ts.Unix(), 10)}}
	}
	shop, err := c.VerifyCallback(signedCallback(testAPISecret, base("Test-Shop.myshopify.com", fixedNow.Add(-30*time.Second))))
	require.NoError(t, err)
	assert.Equal(t, testShop, shop)

	_, err = c.VerifyCallback(signedCallback("other-secret", base(testShop, fixedNow)))
	assert.ErrorIs(t, err, shopify.ErrCallbackHMAC)
	q := signedCallback(testAPISecret, base(testShop, fixedNow))
	q.Set("state", "forged")
	_, err = c.VerifyCallback(q)
	assert.ErrorIs(t, err, shopify.ErrCallbackHMAC)
	q.Del("hmac")
	_, err = c.VerifyCallback(q)
	assert.ErrorIs(t, err, shopify.ErrCallbackHMAC)
	_, err = c.VerifyCallback(signedCallback(testAPISecret, base(testShop, fixedNow.Add(-5*time.Minute))))
	assert.ErrorIs(t, err, shopify.ErrCallbackExpired)
	_, err = c.VerifyCallback(signedCallback(testAPISecret, base(testShop, fixedNow.Add(5*time.Minute))))
	assert.ErrorIs(t, err, shopify.ErrCallbackExpired)
	_, err = c.VerifyCallback(signedCallback(testAPISecret, base("evil.com", fixedNow)))
	assert.ErrorIs(t, err, shopify.ErrInvalidShop)
}

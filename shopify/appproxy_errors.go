package shopify

import "errors"

// ErrInvalidAppProxy is matched by every rejection of VerifyAppProxy.
// Each rejection also matches exactly one reason below, or ErrInvalidShop.
var ErrInvalidAppProxy = errors.New("shopify: invalid app proxy request")

// App-proxy rejection reasons, matched with errors.Is.
var (
	// ErrAppProxySignature: the signature parameter is missing or is not
	// the lowercase hex HMAC-SHA256 of the other parameters.
	ErrAppProxySignature = errors.New("shopify: app proxy signature mismatch")
	// ErrAppProxyMalformed: the query does not parse (bad percent-encoding,
	// a semicolon).
	ErrAppProxyMalformed = errors.New("shopify: app proxy query malformed")
	// ErrAppProxyRepeated: signature, shop, timestamp or hmac appears more
	// than once.
	ErrAppProxyRepeated = errors.New("shopify: app proxy parameter repeated")
	// ErrAppProxyTimestamp: the timestamp is missing or not an integer
	// (ASCII digits only: no sign, fraction or exponent).
	ErrAppProxyTimestamp = errors.New("shopify: app proxy timestamp is not an integer")
	// ErrAppProxyExpired: the timestamp is further from now than the
	// timestamp tolerance (Config.TimestampTolerance, 90 s by default).
	ErrAppProxyExpired = errors.New("shopify: app proxy timestamp too old or in the future")
)

func appProxyError(reason error, detail string) error {
	return &RequestError{Kind: ErrInvalidAppProxy, Reason: reason, Detail: detail}
}

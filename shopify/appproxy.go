package shopify

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// AppProxy is a verified request Shopify proxied from a shop's storefront
// to the app (https://{shop}/apps/… → the app's proxy URL).
type AppProxy struct {
	// Shop is the shop's domain, sanitized (SanitizeShop).
	Shop string
	// LoggedInCustomerID is the id of the storefront customer who is
	// logged in; empty when nobody is.
	LoggedInCustomerID string
	// PathPrefix is the proxy's path on the storefront, e.g. "/apps/my-app".
	PathPrefix string
	// Timestamp is when Shopify signed the request.
	Timestamp time.Time
	// Params are the signed query parameters, all but signature.
	Params url.Values
}

// VerifyAppProxy checks the signature of a request Shopify's app proxy
// forwarded, with Shopify's recipe: every query parameter but signature
// written key=value (the values of a repeated key joined with ","), those
// strings sorted in byte order and concatenated with no separator; the
// signature is the lowercase hex HMAC-SHA256 of that with the app secret,
// compared in constant time.
//
// It is stricter than Shopify's official library 13.1 and as strict as
// 14.0: signature, shop, timestamp and hmac may not repeat; the timestamp
// must be an integer (digits only; 13.1 let a non-numeric one through)
// within Config.TimestampTolerance (90 s by default) of the Client's clock;
// the shop must pass SanitizeShop.
//
// Every rejection is a *RequestError matching ErrInvalidAppProxy and one
// reason (ErrAppProxySignature, …, or ErrInvalidShop).
func (c *Client) VerifyAppProxy(r *http.Request) (*AppProxy, error) {
	if r == nil || r.URL == nil {
		return nil, appProxyError(ErrAppProxyMalformed, "no request URL")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, appProxyError(ErrAppProxyMalformed, "")
	}
	if k, ok := repeated(q, "signature", "shop", "timestamp", "hmac"); ok {
		return nil, appProxyError(ErrAppProxyRepeated, k)
	}
	sig := q.Get("signature")
	if sig == "" {
		return nil, appProxyError(ErrAppProxySignature, "no signature parameter")
	}
	if !c.hexMACEqual([]byte(appProxyMessage(q)), sig) {
		return nil, appProxyError(ErrAppProxySignature, "")
	}
	ts, ok := parseTimestamp(q.Get("timestamp"))
	if !ok {
		return nil, appProxyError(ErrAppProxyTimestamp, "")
	}
	if !c.fresh(ts) {
		return nil, appProxyError(ErrAppProxyExpired, "")
	}
	shop, err := c.SanitizeShop(q.Get("shop"))
	if err != nil {
		return nil, &RequestError{Kind: ErrInvalidAppProxy, Reason: ErrInvalidShop, Detail: "shop", Err: err}
	}
	q.Del("signature")
	return &AppProxy{
		Shop:               shop,
		LoggedInCustomerID: q.Get("logged_in_customer_id"),
		PathPrefix:         q.Get("path_prefix"),
		Timestamp:          ts,
		Params:             q,
	}, nil
}

// appProxyMessage is the signed string of an app-proxy query.
func appProxyMessage(q url.Values) string {
	parts := make([]string, 0, len(q))
	for k, vs := range q {
		if k != "signature" {
			parts = append(parts, k+"="+strings.Join(vs, ","))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "")
}

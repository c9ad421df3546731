package providertest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
)

// whatwgForm escapes like URLSearchParams.toString (letters, digits and
// *-._ kept) with spaces as %20, which is how Shopify's admin query
// signatures are computed.
var whatwgForm = strings.NewReplacer("+", "%20", "%2A", "*", "~", "%7E")

func hexHMAC(secret, msg string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(msg))
	return hex.EncodeToString(mac.Sum(nil))
}

// SignShopifyQuery returns a copy of q with the hmac parameter Shopify
// puts on admin redirects such as the OAuth callback: the lowercase hex
// HMAC-SHA256, with secret, of every other parameter but signature,
// sorted by name, form-encoded name=value (values of a repeated name
// joined with ","), joined by &.
func SignShopifyQuery(secret string, q url.Values) url.Values {
	out := cloneValues(q)
	out.Del("hmac")
	keys := make([]string, 0, len(out))
	for k := range out {
		if k != "signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = whatwgForm.Replace(url.QueryEscape(k)) + "=" + whatwgForm.Replace(url.QueryEscape(strings.Join(out[k], ",")))
	}
	out.Set("hmac", hexHMAC(secret, strings.Join(parts, "&")))
	return out
}

// SignShopifyAppProxy returns a copy of q with the signature parameter
// Shopify's app proxy adds: the lowercase hex HMAC-SHA256, with secret, of
// every other parameter as name=value (values of a repeated name joined
// with ","), sorted, concatenated with no separator.
func SignShopifyAppProxy(secret string, q url.Values) url.Values {
	out := cloneValues(q)
	out.Del("signature")
	parts := make([]string, 0, len(out))
	for k, vs := range out {
		parts = append(parts, k+"="+strings.Join(vs, ","))
	}
	sort.Strings(parts)
	out.Set("signature", hexHMAC(secret, strings.Join(parts, "")))
	return out
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, vs := range q {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

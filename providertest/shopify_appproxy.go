package providertest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// AppProxyQuery returns the query Shopify's app proxy would add to a
// storefront request for shop, signed with the fake's secret: shop,
// path_prefix, timestamp (the fake's clock), logged_in_customer_id
// (customerID, empty for a visitor), the given extra parameters, and
// signature.
func (f *Shopify) AppProxyQuery(shop, pathPrefix, customerID string, extra url.Values) url.Values {
	q := cloneValues(extra)
	q.Set("shop", shop)
	q.Set("path_prefix", pathPrefix)
	q.Set("timestamp", strconv.FormatInt(f.cfg.now().Unix(), 10))
	q.Set("logged_in_customer_id", customerID)
	return SignShopifyAppProxy(f.cfg.apiSecret, q)
}

// AppProxyRequest returns a GET to target (the app's proxy URL) carrying
// AppProxyQuery's parameters, as Shopify forwards a storefront request.
func (f *Shopify) AppProxyRequest(ctx context.Context, target, shop, pathPrefix, customerID string, extra url.Values) (*http.Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	u.RawQuery = f.AppProxyQuery(shop, pathPrefix, customerID, extra).Encode()
	return http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
}

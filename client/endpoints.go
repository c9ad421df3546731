package client

import (
	"context"
	"net/http"
	"net/url"
)

// Endpoint names an endpoint of a provider besides its token endpoint.
type Endpoint string

// The endpoints Client calls besides the token endpoint.
const (
	// EndpointRevocation is RFC 7009's token revocation endpoint.
	EndpointRevocation Endpoint = "revocation"
	// EndpointIntrospection is RFC 7662's token introspection endpoint.
	EndpointIntrospection Endpoint = "introspection"
	// EndpointDeviceAuthorization is RFC 8628's device authorization
	// endpoint.
	EndpointDeviceAuthorization Endpoint = "device_authorization"
)

// EndpointProvider is implemented by providers that have endpoints besides
// the token endpoint (providers.Provider does). Implementations must be
// safe for concurrent use.
type EndpointProvider interface {
	// EndpointURL returns the endpoint's URL, or "" when the provider has
	// no such endpoint.
	EndpointURL(e Endpoint) string
	// NewEndpointRequest builds the form-encoded POST of params to e,
	// with the client authenticated as it is at the token endpoint (r
	// carries the credentials). Its body must be re-readable.
	NewEndpointRequest(ctx context.Context, e Endpoint, r *TokenRequest, params url.Values) (*http.Request, error)
	// ParseEndpointResponse returns the JSON object a 2xx answer carries
	// (nil for an empty body, and always nil for a revocation, whose body
	// RFC 7009 has the client ignore), or an *Error for an error answer, read
	// with the provider's error shapes.
	ParseEndpointResponse(e Endpoint, r *TokenRequest, resp *Response) (map[string]any, error)
}

// HasEndpoint reports whether the client's provider has endpoint e.
func (c *Client) HasEndpoint(e Endpoint) bool {
	ep, ok := c.cfg.Provider.(EndpointProvider)
	return ok && ep.EndpointURL(e) != ""
}

// callEndpoint posts params to endpoint e and returns the decoded answer.
// idempotent requests (revocation, introspection) are retried like reads:
// sending one twice changes nothing.
func (c *Client) callEndpoint(ctx context.Context, e Endpoint, r *TokenRequest, params url.Values, idempotent bool) (map[string]any, error) {
	if ctx == nil {
		return nil, c.invalid("nil context")
	}
	ep, ok := c.cfg.Provider.(EndpointProvider)
	if !ok || ep.EndpointURL(e) == "" {
		return nil, c.invalid("provider has no " + string(e) + " endpoint")
	}
	hreq, err := ep.NewEndpointRequest(ctx, e, r, params)
	if err != nil {
		return nil, c.requestError(err, r)
	}
	rc := c.grants
	if idempotent {
		rc = c.reads
	}
	resp, err := c.send(hreq, rc)
	if err != nil {
		return nil, c.finishError(err, r, nil)
	}
	obj, err := ep.ParseEndpointResponse(e, r, resp)
	if err != nil {
		return nil, c.finishError(err, r, resp)
	}
	return obj, nil
}

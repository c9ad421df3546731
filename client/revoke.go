package client

import "context"

// Token type hints for Revoke and Introspect (RFC 7009 §2.1, RFC 7662
// §2.1).
const (
	HintAccessToken  = "access_token"
	HintRefreshToken = "refresh_token"
)

// Revoke asks the provider to revoke token (RFC 7009): a form POST of
// token and, when not empty, token_type_hint (HintAccessToken or
// HintRefreshToken), with the client authenticated as at the token
// endpoint. A 200 answer is success, also for a token the provider does
// not know or had already revoked (RFC 7009 §2.2), so revoking twice is
// harmless and the request is retried like a read.
//
// Errors are *Error values: unsupported_token_type and invalid_request
// match ErrInvalidRequest, invalid_client ErrInvalidClient, 503
// ErrTransient (retried first, honouring Retry-After). A provider with no
// revocation endpoint (see HasEndpoint) is ErrInvalidRequest. Revoking a
// refresh token usually ends the access tokens of the same grant too.
func (c *Client) Revoke(ctx context.Context, token, tokenTypeHint string) error {
	if token == "" {
		return c.invalid("empty token to revoke")
	}
	r, params := c.tokenRequest(token, tokenTypeHint)
	_, err := c.callEndpoint(ctx, EndpointRevocation, r, params, true)
	return err
}

// tokenRequest is the request and form of a call about one token
// (revocation, RFC 7009 §2.1; introspection, RFC 7662 §2.1): token and,
// when not empty, token_type_hint. The token is recorded on the request so
// that it is scrubbed from every error.
func (c *Client) tokenRequest(token, tokenTypeHint string) (*TokenRequest, map[string][]string) {
	r := c.newRequest("")
	r.Token = token
	params := map[string][]string{"token": {token}}
	if tokenTypeHint != "" {
		params["token_type_hint"] = []string{tokenTypeHint}
	}
	return r, params
}

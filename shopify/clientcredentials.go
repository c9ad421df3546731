package shopify

import (
	"context"
	"net/url"

	"github.com/oauthx/oauthx/client"
)

// ClientCredentialsSessionID is the id of a shop's session from
// ClientCredentials: "app_{shop}". It never collides with the shop's
// offline session ("offline_{shop}").
func ClientCredentialsSessionID(shop string) string { return "app_" + shop }

// ClientCredentials gets an access token for shop with no merchant and no
// user in the loop, for background work (POST
// https://{shop}/admin/oauth/access_token, grant_type=client_credentials):
//
//   - Without Config.AssertionKey it sends client_id and client_secret:
//     Shopify's client credentials grant, for apps of the shop's own
//     organization. Tokens last 24 hours.
//   - With Config.AssertionKey it sends client_id and a client assertion
//     (client_assertion_type ClientAssertionType): a JWT signed with the
//     app's private key (RS256 or ES256, kid Config.AssertionKeyID), iss
//     and sub the API key, aud the shop's token endpoint, a one-minute
//     life and a fresh jti; the client secret is not sent. These are
//     application-only tokens, for public apps on any shop that installed
//     them. Tokens last up to 1 hour.
//
// Neither comes with a refresh token. The Session (ID
// ClientCredentialsSessionID(shop), Subject the shop, Grant
// client.GrantClientCredentials) is renewed by asking again:
// TokenClient().Refresh does that, and so does a tokenstore.TokenSource
// over TokenClient(), which across processes sends one request per
// expiry. (Client.Refresh is for expiring offline tokens only.)
func (c *Client) ClientCredentials(ctx context.Context, shop string) (*client.Session, error) {
	s, err := c.SanitizeShop(shop)
	if err != nil {
		return nil, err
	}
	return c.c.ClientCredentials(ctx, client.WithTenant(s), client.WithSessionID(ClientCredentialsSessionID(s)))
}

// encodeHook shapes a client credentials request as Shopify takes it: no
// scope (the app's configured scopes apply) and, with an assertion key,
// the client assertion in place of the client secret.
func (c *Client) encodeHook(r *client.TokenRequest, params url.Values) error {
	if r.Grant != client.GrantClientCredentials {
		return nil
	}
	params.Del("scope")
	if c.assertion == nil {
		return nil
	}
	a, err := c.clientAssertion(r.Tenant)
	if err != nil {
		return err
	}
	r.AddSecret(a)
	params.Del("client_secret")
	params.Set("client_assertion_type", ClientAssertionType)
	params.Set("client_assertion", a)
	return nil
}

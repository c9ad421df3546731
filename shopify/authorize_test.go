package shopify_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/shopify"
)

func TestAuthorizeURL(t *testing.T) {
	t.Parallel()
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Scopes: []string{"read_products", "write_orders"}})
	require.NoError(t, err)
	raw, err := c.AuthorizeURL(shopify.AuthorizeParams{Shop: "Test-Shop.myshopify.com", RedirectURI: "https://app.example.com/auth/callback", State: "st"})
	require.NoError(t, err)
	u, err := url.Parse(raw)
	require.NoError(t, err)
	assert.Equal(t, "https", u.Scheme)
	assert.Equal(t, testShop, u.Host)
	assert.Equal(t, "/admin/oauth/authorize", u.Path)
	assert.Equal(t, url.Values{"client_id": {testAPIKey}, "scope": {"read_products,write_orders"},
		"redirect_uri": {"https://app.example.com/auth/callback"}, "state": {"st"}}, u.Query())

	raw, err = c.AuthorizeURL(shopify.AuthorizeParams{Shop: testShop, RedirectURI: "http://127.0.0.1:8080/cb", State: "st", Online: true, Scopes: []string{"read_orders"}})
	require.NoError(t, err)
	u, _ = url.Parse(raw)
	assert.Equal(t, "per-user", u.Query().Get("grant_options[]"))
	assert.Equal(t, "read_orders", u.Query().Get("scope"))

	for name, p := range map[string]shopify.AuthorizeParams{
		"hostile shop":      {Shop: "evil.com", RedirectURI: "https://app.example.com/cb", State: "st"},
		"no state":          {Shop: testShop, RedirectURI: "https://app.example.com/cb"},
		"relative redirect": {Shop: testShop, RedirectURI: "/cb", State: "st"},
		"plain http":        {Shop: testShop, RedirectURI: "http://app.example.com/cb", State: "st"},
		"fragment":          {Shop: testShop, RedirectURI: "https://app.example.com/cb#x", State: "st"},
	} {
		_, err := c.AuthorizeURL(p)
		assert.Error(t, err, name)
		if name != "hostile shop" {
			assert.ErrorIs(t, err, client.ErrInvalidRequest, name)
		}
	}
}

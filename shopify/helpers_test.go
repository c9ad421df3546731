package shopify_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

// Sentinel credentials: no error text may contain them.
const (
	testAPIKey    = "sentinel-api-key-0123"
	testAPISecret = "sentinel-api-secret-SECRET-4567"
	testShop      = "test-shop.myshopify.com"
)

var fixedNow = time.Unix(1_800_000_000, 0)

func fixedClock() time.Time { return fixedNow }

// setup starts a fake Shopify and a Client pointed at it, both on the
// fixed clock unless a clock is given.
func setup(t *testing.T, opts ...client.Option) (*providertest.Shopify, *shopify.Client) {
	t.Helper()
	return setupConfig(t, nil, opts...)
}

// setupConfig is setup with the Config changed by edit first.
func setupConfig(t *testing.T, edit func(*shopify.Config), opts ...client.Option) (*providertest.Shopify, *shopify.Client) {
	t.Helper()
	fake := providertest.NewShopify(
		providertest.WithShopifyCredentials(testAPIKey, testAPISecret),
		providertest.WithClock(fixedClock),
	)
	t.Cleanup(fake.Close)
	opts = append([]client.Option{client.WithRetryWait(time.Millisecond, 50*time.Millisecond)}, opts...)
	cfg := shopify.Config{
		APIKey:              testAPIKey,
		APISecret:           testAPISecret,
		Scopes:              []string{"read_products"},
		Now:                 fixedClock,
		InsecureShopBaseURL: fake.URL,
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := shopify.New(cfg, opts...)
	require.NoError(t, err)
	return fake, c
}

// validFields are the claims of a valid session token for testShop.
func validFields() providertest.SessionTokenFields {
	return providertest.SessionTokenFields{
		Iss: "https://" + testShop + "/admin", Dest: "https://" + testShop,
		Aud: testAPIKey, Sub: "42",
		Exp: fixedNow.Add(time.Minute), Nbf: fixedNow.Add(-time.Second), Iat: fixedNow.Add(-time.Second),
		Jti: "jti-1", Sid: "sid-1", Sig: "sig-1",
	}
}

// requireNoSecrets fails if text holds any of the secrets.
func requireNoSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, testAPISecret) {
		if s != "" {
			require.NotContains(t, text, s)
		}
	}
}

// nonExpiring is a setupConfig edit for a custom app that keeps
// non-expiring offline tokens.
func nonExpiring(c *shopify.Config) { c.InsecureNonExpiringOfflineTokens = true }

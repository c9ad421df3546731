package shopify_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

// TestOneClock checks that session-token checks and token lifetimes read
// the same clock when Config.Now and a client.WithClock option disagree:
// the option, applied last, wins for both.
func TestOneClock(t *testing.T) {
	t.Parallel()
	later := fixedNow.Add(time.Hour) // the session token below has expired by then
	laterClock := func() time.Time { return later }
	fake := providertest.NewShopify(
		providertest.WithShopifyCredentials(testAPIKey, testAPISecret),
		providertest.WithClock(laterClock),
	)
	t.Cleanup(fake.Close)
	c, err := shopify.New(shopify.Config{
		APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock,
		InsecureShopBaseURL: fake.URL,
	}, client.WithClock(laterClock))
	require.NoError(t, err)
	assert.Equal(t, later, c.TokenClient().Now())

	_, err = c.DecodeSessionToken(providertest.MintSessionToken(testAPISecret, validFields()))
	require.Error(t, err, "the session token expired an hour before the option's clock")

	s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{
		Shop: testShop, SessionToken: fake.SessionToken(testShop, 42),
		RequestedTokenType: shopify.OfflineAccessToken,
	})
	require.NoError(t, err)
	assert.True(t, s.IssuedAt.Equal(later), "IssuedAt %v", s.IssuedAt)
}

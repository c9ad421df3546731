package shopify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

func TestMigrateSessions(t *testing.T) {
	t.Parallel()
	fake, c := setup(t, client.WithRetryMax(0))
	ctx := context.Background()
	st := tokenstore.NewMemory()
	shop := func(i int) string { return fmt.Sprintf("shop-%02d.myshopify.com", i) }
	for i := range 12 {
		var s *client.Session
		switch i % 4 {
		case 0, 1: // non-expiring, live
			s = nonExpiringSession(fake, shop(i))
		case 2: // already expiring
			var err error
			s, err = c.ExchangeToken(ctx, shopify.TokenExchangeParams{SessionToken: fake.SessionToken(shop(i), 1)})
			require.NoError(t, err)
		case 3: // dead: a token Shopify does not know
			s = nonExpiringSession(fake, shop(i))
			fake.Uninstall(shop(i))
		}
		require.NoError(t, st.Save(ctx, s))
	}
	online := &client.Session{ID: shopify.OnlineSessionID(shop(0), 5), Provider: "shopify", Subject: shop(0), AccessToken: "shpua_x", Expiry: fixedNow.Add(time.Hour)}
	require.NoError(t, st.Save(ctx, online))
	ref, err := tokenstore.NewRefresher(st, c.Renew, tokenstore.WithFreshness(c.Fresh), tokenstore.WithRefresherClock(fixedClock))
	require.NoError(t, err)
	list, err := st.List(ctx, tokenstore.Filter{Provider: "shopify"})
	require.NoError(t, err)
	require.Len(t, list, 13)

	dry, err := c.MigrateSessions(ctx, shopify.MigrateParams{Sessions: list, DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, 9, dry.WouldMigrate)
	assert.Equal(t, 4, dry.Skipped)
	assert.Zero(t, fake.Stats().Migrations, "a dry run sends nothing")

	fake.Fail(providertest.RateLimited("1")) // waited out, then migrated
	var progress int
	sum, err := c.MigrateSessions(ctx, shopify.MigrateParams{Sessions: list, Refresher: ref, Concurrency: 3,
		Progress: func(shopify.MigrationResult) { progress++ }})
	require.NoError(t, err)
	assert.Equal(t, 13, progress)
	assert.Equal(t, 6, sum.Migrated)
	assert.Equal(t, 4, sum.Skipped)
	assert.Equal(t, 3, sum.Failed)
	for _, r := range sum.Results {
		if r.Outcome == shopify.Failed {
			assert.ErrorIs(t, r.Err, client.ErrReauthorize, r.ID)
			_, err := st.Load(ctx, r.ID)
			assert.ErrorIs(t, err, tokenstore.ErrNotFound, "a dead session is deleted")
		}
	}
	assert.Equal(t, 6, fake.Stats().Migrations)

	// Run again: everything is migrated or gone; nothing is sent.
	list, err = st.List(ctx, tokenstore.Filter{Provider: "shopify"})
	require.NoError(t, err)
	before := fake.Stats().Requests
	sum, err = c.MigrateSessions(ctx, shopify.MigrateParams{Sessions: list, Refresher: ref})
	require.NoError(t, err)
	assert.Zero(t, sum.Migrated+sum.Failed)
	assert.Equal(t, before, fake.Stats().Requests)

	_, err = c.MigrateSessions(ctx, shopify.MigrateParams{Sessions: list})
	assert.ErrorIs(t, err, client.ErrInvalidRequest)
}

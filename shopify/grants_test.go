package shopify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

// lastRequest returns the one request the fake received.
func onlyRequest(t *testing.T, fake *providertest.Shopify) providertest.ShopifyRequest {
	t.Helper()
	reqs := fake.Requests()
	require.Len(t, reqs, 1)
	return reqs[0]
}

func requireJSONHeaders(t *testing.T, r providertest.ShopifyRequest) {
	t.Helper()
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/"+testShop+"/admin/oauth/access_token", r.Path)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assert.Empty(t, r.Header.Get("Authorization"), "credentials go in the body only")
}

func TestExchangeTokenOfflineExpiringByDefault(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	for _, asked := range []bool{false, true} {
		s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{
			SessionToken: fake.SessionToken(testShop, 42), Expiring: asked,
		})
		require.NoError(t, err)
		assert.Equal(t, "1", fake.Requests()[len(fake.Requests())-1].Body["expiring"], "expiring whatever Expiring says")
		assert.NotEmpty(t, s.RefreshToken)
		assert.True(t, s.Expiry.Equal(fixedNow.Add(time.Hour)))
	}
}

func TestExchangeTokenOffline(t *testing.T) {
	t.Parallel()
	fake, c := setupConfig(t, nonExpiring)
	st := fake.SessionToken(testShop, 42)
	s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{
		Shop: testShop, SessionToken: st, RequestedTokenType: shopify.OfflineAccessToken,
	})
	require.NoError(t, err)

	r := onlyRequest(t, fake)
	requireJSONHeaders(t, r)
	assert.Equal(t, map[string]any{
		"client_id":            testAPIKey,
		"client_secret":        testAPISecret,
		"grant_type":           "urn:ietf:params:oauth:grant-type:token-exchange",
		"subject_token":        st,
		"subject_token_type":   "urn:ietf:params:oauth:token-type:id_token",
		"requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
		"expiring":             "0",
	}, r.Body)

	assert.Equal(t, "offline_"+testShop, s.ID)
	assert.Equal(t, "shopify", s.Provider)
	assert.Equal(t, testShop, s.Subject)
	assert.Equal(t, "Bearer", s.TokenType)
	assert.Equal(t, []string{"read_products", "write_orders"}, s.Scopes)
	assert.True(t, s.NeverExpires(), "a non-expiring offline token never expires")
	assert.Empty(t, s.RefreshToken)
	assert.True(t, s.IssuedAt.Equal(fixedNow))
	assert.True(t, fake.AccessTokenValid(testShop, s.AccessToken))
	_, online := shopify.UserOf(s)
	assert.False(t, online)
	assert.Equal(t, 1, fake.Stats().TokenExchanges)
}

func TestExchangeTokenDefaultsToOffline(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: fake.SessionToken(testShop, 1)})
	require.NoError(t, err)
	assert.Equal(t, "offline_"+testShop, s.ID)
	assert.Equal(t, "urn:shopify:params:oauth:token-type:offline-access-token", onlyRequest(t, fake).Body["requested_token_type"])
}

func TestExchangeTokenExpiringOffline(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{
		SessionToken: fake.SessionToken(testShop, 42), RequestedTokenType: shopify.OfflineAccessToken, Expiring: true,
	})
	require.NoError(t, err)
	assert.Equal(t, "1", onlyRequest(t, fake).Body["expiring"])
	assert.Equal(t, "offline_"+testShop, s.ID)
	assert.True(t, s.Expiry.Equal(fixedNow.Add(time.Hour)))
	assert.NotEmpty(t, s.RefreshToken)
	assert.True(t, s.RefreshExpiry.Equal(fixedNow.Add(90*24*time.Hour)))
	assert.True(t, s.CanRefresh(fixedNow))
}

func TestExchangeTokenOnline(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	st := fake.SessionToken(testShop, 42)
	s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{
		SessionToken: st, RequestedTokenType: shopify.OnlineAccessToken,
	})
	require.NoError(t, err)
	body := onlyRequest(t, fake).Body
	assert.Equal(t, "urn:shopify:params:oauth:token-type:online-access-token", body["requested_token_type"])
	assert.Equal(t, "0", body["expiring"])

	assert.Equal(t, testShop+"_42", s.ID)
	assert.Equal(t, testShop, s.Subject)
	assert.True(t, s.Expiry.Equal(fixedNow.Add(24*time.Hour-time.Second)))
	assert.Empty(t, s.RefreshToken)
	u, ok := shopify.UserOf(s)
	require.True(t, ok)
	assert.Equal(t, shopify.AssociatedUser{ID: 42, FirstName: "Test", LastName: "User 42",
		Email: "user42@example.com", EmailVerified: true, Locale: "en"}, u)
	assert.Equal(t, []string{"read_products"}, shopify.AssociatedUserScopes(s))
	assert.True(t, shopify.IsOnline(s))

	// The typed user survives the storage encoding.
	b, err := json.Marshal(s)
	require.NoError(t, err)
	var back client.Session
	require.NoError(t, json.Unmarshal(b, &back))
	u2, ok := shopify.UserOf(&back)
	require.True(t, ok)
	assert.Equal(t, u, u2)

	_, err = c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{
		SessionToken: st, RequestedTokenType: shopify.OnlineAccessToken, Expiring: true})
	assert.ErrorIs(t, err, client.ErrInvalidRequest)
	_, err = c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: st, RequestedTokenType: "bogus"})
	assert.ErrorIs(t, err, client.ErrInvalidRequest)
	assert.Len(t, fake.Requests(), 1, "invalid parameters send nothing")
}

// A bad session token is refused locally: nothing is sent.
func TestExchangeTokenVerifiesLocallyFirst(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	breaks := map[providertest.SessionTokenBreak]error{
		providertest.BreakSignature:   shopify.ErrSessionTokenSignature,
		providertest.BreakAlgNone:     shopify.ErrSessionTokenAlgorithm,
		providertest.BreakAlgRS256:    shopify.ErrSessionTokenAlgorithm,
		providertest.BreakExpired:     shopify.ErrSessionTokenExpired,
		providertest.BreakNotYetValid: shopify.ErrSessionTokenNotYetValid,
		providertest.BreakAudience:    shopify.ErrSessionTokenAudience,
		providertest.BreakDestination: shopify.ErrSessionTokenDestination,
		providertest.BreakIssuer:      shopify.ErrSessionTokenIssuer,
		providertest.BreakMalformed:   shopify.ErrSessionTokenMalformed,
		providertest.BreakMissingExp:  shopify.ErrSessionTokenMalformed,
	}
	for b, want := range breaks {
		tok := fake.BrokenSessionToken(testShop, 42, b)
		_, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: tok})
		require.ErrorIs(t, err, want)
		requireNoSecrets(t, err.Error()+fmt.Sprintf("%+v", err), tok)
	}
	// A valid token for another shop than the request names.
	tok := fake.SessionToken("other-shop.myshopify.com", 42)
	_, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{Shop: testShop, SessionToken: tok})
	require.ErrorIs(t, err, shopify.ErrSessionTokenShopMismatch)
	_, err = c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{Shop: "evil.com", SessionToken: tok})
	require.ErrorIs(t, err, shopify.ErrInvalidShop)
	_, err = c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{})
	require.ErrorIs(t, err, shopify.ErrNoSessionToken)

	assert.Empty(t, fake.Requests(), "no request for a bad session token")
}

// A token the client accepts within its clock tolerance but the server
// finds expired is answered invalid_subject_token: ErrReauthorize.
func TestExchangeTokenInvalidSubjectToken(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	f := validFields()
	f.Exp = fixedNow.Add(-5 * time.Second)
	tok := providertest.MintSessionToken(testAPISecret, f)
	_, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: tok})
	require.ErrorIs(t, err, client.ErrReauthorize)
	var ce *client.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 400, ce.StatusCode)
	assert.Equal(t, "invalid_subject_token", ce.Code)
	assert.Equal(t, "shopify", ce.Provider)
	requireNoSecrets(t, err.Error()+fmt.Sprintf("%+v %#v", err, err), tok)
	assert.Equal(t, 1, fake.Stats().InvalidSubject)
}

func TestExchangeTokenWrongSecretIsInvalidClient(t *testing.T) {
	t.Parallel()
	fake, _ := setup(t)
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: "wrong-secret-but-signs-token", Now: fixedClock,
		InsecureShopBaseURL: fake.URL})
	require.NoError(t, err)
	tok := providertest.MintSessionToken("wrong-secret-but-signs-token", validFields())
	_, err = c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: tok})
	require.ErrorIs(t, err, client.ErrInvalidClient)
	requireNoSecrets(t, err.Error(), tok, "wrong-secret-but-signs-token")
}

func TestExchangeTokenRateLimited(t *testing.T) {
	t.Parallel()
	t.Run("retried within the wait cap", func(t *testing.T) {
		t.Parallel()
		fake, c := setup(t, client.WithRetryWait(time.Millisecond, 3*time.Second))
		fake.Fail(providertest.RateLimited("1"))
		start := time.Now()
		s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: fake.SessionToken(testShop, 1)})
		require.NoError(t, err)
		assert.NotEmpty(t, s.AccessToken)
		assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "Retry-After honoured")
		assert.Equal(t, 2, fake.Stats().Requests)
	})
	t.Run("reported when not retried", func(t *testing.T) {
		t.Parallel()
		fake, c := setup(t, client.WithRetryMax(0))
		fake.Fail(providertest.RateLimited("7"))
		_, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: fake.SessionToken(testShop, 1)})
		require.ErrorIs(t, err, client.ErrRateLimited)
		var ce *client.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, 7*time.Second, ce.RetryAfter)
		assert.Equal(t, 429, ce.StatusCode)
	})
}

func TestRefreshExpiringToken(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	ctx := context.Background()
	s1, err := c.ExchangeToken(ctx, shopify.TokenExchangeParams{SessionToken: fake.SessionToken(testShop, 1), Expiring: true})
	require.NoError(t, err)

	s2, err := c.Refresh(ctx, s1)
	require.NoError(t, err)
	reqs := fake.Requests()
	require.Len(t, reqs, 2)
	requireJSONHeaders(t, reqs[1])
	assert.Equal(t, map[string]any{
		"client_id":     testAPIKey,
		"client_secret": testAPISecret,
		"grant_type":    "refresh_token",
		"refresh_token": s1.RefreshToken,
	}, reqs[1].Body)

	assert.Equal(t, "offline_"+testShop, s2.ID)
	assert.Equal(t, testShop, s2.Subject)
	assert.NotEqual(t, s1.AccessToken, s2.AccessToken)
	assert.NotEqual(t, s1.RefreshToken, s2.RefreshToken, "refresh tokens rotate")
	assert.True(t, s2.Expiry.Equal(fixedNow.Add(time.Hour)))
	assert.Equal(t, []string{"read_products", "write_orders"}, s2.Scopes)
	assert.False(t, fake.AccessTokenValid(testShop, s1.AccessToken), "a new expiring token revokes the previous")
	assert.True(t, fake.AccessTokenValid(testShop, s2.AccessToken))

	// Shopify's retention rule: until s2's access token is first used, s1's
	// refresh token answers the same pair again (a lost answer recovered).
	again, err := c.Refresh(ctx, s1)
	require.NoError(t, err)
	assert.Equal(t, s2.AccessToken, again.AccessToken)
	assert.Equal(t, s2.RefreshToken, again.RefreshToken)
	assert.Equal(t, 1, fake.Stats().RefreshReplays)
	adminGet(t, c, s2, http.StatusOK)

	// Once s2 was used, s1's refresh token is retired: ErrReauthorize,
	// nothing leaked.
	_, err = c.Refresh(ctx, s1)
	require.ErrorIs(t, err, client.ErrReauthorize)
	var ce *client.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "invalid_grant", ce.Code)
	requireNoSecrets(t, err.Error()+fmt.Sprintf("%+v", err), s1.RefreshToken, s1.AccessToken, s2.RefreshToken)
	assert.Equal(t, 1, fake.Stats().ReusedRefreshTokens)

	// A non-expiring session cannot be refreshed.
	off := &client.Session{ID: shopify.OfflineSessionID(testShop), Provider: "shopify", Subject: testShop, AccessToken: fake.IssueOfflineToken(testShop)}
	_, err = c.Refresh(ctx, off)
	require.ErrorIs(t, err, client.ErrReauthorize)
	// A session whose Subject is not a shop sends nothing.
	n := len(fake.Requests())
	bad := s2.Clone()
	bad.Subject = "evil.com"
	_, err = c.Refresh(ctx, bad)
	require.ErrorIs(t, err, shopify.ErrInvalidShop)
	_, err = c.TokenClient().Refresh(ctx, bad)
	require.ErrorIs(t, err, client.ErrInvalidRequest, "the underlying client refuses the host too")
	assert.Len(t, fake.Requests(), n)
}

// A refresh answer without expires_in never yields an everlasting session.
func TestRefreshWithoutExpiresIn(t *testing.T) {
	t.Parallel()
	fake := providertest.NewShopify(providertest.WithShopifyCredentials(testAPIKey, testAPISecret),
		providertest.WithClock(fixedClock), providertest.WithShopifyRefreshWithoutExpiresIn())
	defer fake.Close()
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock, InsecureShopBaseURL: fake.URL})
	require.NoError(t, err)
	s1, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: fake.SessionToken(testShop, 1), Expiring: true})
	require.NoError(t, err)
	s2, err := c.Refresh(context.Background(), s1)
	require.NoError(t, err)
	_, has := fake.Requests()[1].Body["expires_in"]
	assert.False(t, has)
	assert.False(t, s2.NeverExpires())
	assert.True(t, s2.Expiry.Equal(fixedNow.Add(shopify.FallbackLifetime)))
}

func TestMigrateToExpiringToken(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	ctx := context.Background()
	old := fake.IssueOfflineToken(testShop)
	s, err := c.MigrateToExpiringToken(ctx, "TEST-SHOP.myshopify.com/", old)
	require.NoError(t, err)
	r := onlyRequest(t, fake)
	requireJSONHeaders(t, r)
	assert.Equal(t, map[string]any{
		"client_id":            testAPIKey,
		"client_secret":        testAPISecret,
		"grant_type":           "urn:ietf:params:oauth:grant-type:token-exchange",
		"subject_token":        old,
		"subject_token_type":   "urn:shopify:params:oauth:token-type:offline-access-token",
		"requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
		"expiring":             "1",
	}, r.Body)
	assert.Equal(t, "offline_"+testShop, s.ID)
	assert.NotEmpty(t, s.RefreshToken)
	assert.True(t, s.Expiry.Equal(fixedNow.Add(time.Hour)))
	assert.False(t, fake.AccessTokenValid(testShop, old), "migration revokes the old token")

	// A retried migration answers the same pair (for 7 days).
	again, err := c.MigrateToExpiringToken(ctx, testShop, old)
	require.NoError(t, err)
	assert.Equal(t, s.AccessToken, again.AccessToken)
	assert.Equal(t, s.RefreshToken, again.RefreshToken)
	assert.Equal(t, 1, fake.Stats().Migrations)
	assert.Equal(t, 1, fake.Stats().MigrationReplays)
	// A token that was never issued is refused.
	_, err = c.MigrateToExpiringToken(ctx, testShop, "shpat_never-issued-0000")
	require.ErrorIs(t, err, client.ErrReauthorize)
	requireNoSecrets(t, err.Error(), old)

	_, err = c.MigrateToExpiringToken(ctx, "evil.com", old)
	require.ErrorIs(t, err, shopify.ErrInvalidShop)
	requireNoSecrets(t, err.Error(), old)
	_, err = c.MigrateToExpiringToken(ctx, old, testShop) // arguments swapped
	require.ErrorIs(t, err, shopify.ErrInvalidShop)
	requireNoSecrets(t, err.Error(), old)
	assert.Len(t, fake.Requests(), 3)
}

func TestExchangeCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ insecure, asked, expiring bool }{{false, false, true}, {false, true, true}, {true, false, false}, {true, true, true}} {
		t.Run(fmt.Sprint("insecure=", tc.insecure, ",asked=", tc.asked), func(t *testing.T) {
			t.Parallel()
			edit := func(*shopify.Config) {}
			if tc.insecure {
				edit = nonExpiring
			}
			fake, c := setupConfig(t, edit)
			expiring := tc.expiring
			code := fake.IssueCode(testShop)
			s, err := c.ExchangeCode(context.Background(), testShop, code, tc.asked)
			require.NoError(t, err)
			r := onlyRequest(t, fake)
			requireJSONHeaders(t, r)
			flag := "0"
			if expiring {
				flag = "1"
			}
			assert.Equal(t, map[string]any{
				"client_id":     testAPIKey,
				"client_secret": testAPISecret,
				"code":          code,
				"expiring":      flag,
			}, r.Body, "no grant_type, no redirect_uri")
			assert.Equal(t, "offline_"+testShop, s.ID)
			assert.Equal(t, expiring, !s.NeverExpires())
			assert.Equal(t, expiring, s.RefreshToken != "")

			_, err = c.ExchangeCode(context.Background(), testShop, code, expiring)
			require.ErrorIs(t, err, client.ErrReauthorize, "codes are single-use")
			requireNoSecrets(t, err.Error(), code)
		})
	}
}

// Hostile shops never reach the network, whatever the grant.
func TestHostileShopsSendNothing(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	ctx := context.Background()
	for _, shop := range hostileShops {
		_, err := c.ExchangeCode(ctx, shop, "code", false)
		require.ErrorIs(t, err, shopify.ErrInvalidShop, "%q", shop)
		_, err = c.MigrateToExpiringToken(ctx, shop, "shpat_x")
		require.ErrorIs(t, err, shopify.ErrInvalidShop, "%q", shop)
		_, err = c.Refresh(ctx, &client.Session{Subject: shop, RefreshToken: "rt", AccessToken: "at"})
		require.ErrorIs(t, err, shopify.ErrInvalidShop, "%q", shop)
		_, err = c.TokenClient().Refresh(ctx, &client.Session{Subject: shop, RefreshToken: "rt", AccessToken: "at"})
		require.Error(t, err, "%q", shop)
		if shop != "" { // an empty Shop means "the token's shop"
			_, err = c.ExchangeToken(ctx, shopify.TokenExchangeParams{Shop: shop, SessionToken: fake.SessionToken(testShop, 1)})
			require.Error(t, err, "%q", shop)
		}
	}
	assert.Empty(t, fake.Requests())
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	_, err := shopify.New(shopify.Config{APISecret: "s"})
	assert.Error(t, err)
	_, err = shopify.New(shopify.Config{APIKey: "k"})
	assert.Error(t, err)
	_, err = shopify.New(shopify.Config{APIKey: "k", APISecret: "s", InsecureShopBaseURL: "http://example.com"})
	assert.Error(t, err, "plain http only to loopback")
	_, err = shopify.New(shopify.Config{APIKey: "k", APISecret: "s", InsecureShopBaseURL: "ftp://127.0.0.1"})
	assert.Error(t, err)
	_, err = shopify.New(shopify.Config{APIKey: "k", APISecret: "s"}, nil)
	assert.NoError(t, err, "a nil option is skipped")
	_, err = shopify.New(shopify.Config{APIKey: "k", APISecret: "s"}, client.WithClock(nil))
	assert.ErrorIs(t, err, client.ErrInvalidRequest)

	c, err := shopify.New(shopify.Config{APIKey: "k", APISecret: testAPISecret})
	require.NoError(t, err)
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c)} {
		requireNoSecrets(t, s)
	}
}

// adminGet calls the fake's Admin API shop.json with s's token through
// the package's Admin client and requires the status.
func adminGet(t *testing.T, c *shopify.Client, s *client.Session, status int) {
	t.Helper()
	hc, err := c.AdminClient(s, nil)
	require.NoError(t, err)
	u, err := c.AdminURL(s.Subject, "api/2025-01/shop.json")
	require.NoError(t, err)
	resp, err := hc.Get(u)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, status, resp.StatusCode)
}

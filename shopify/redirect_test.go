package shopify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/shopify"
)

// A 307 or 308 from the shop's token endpoint is never followed: the API
// secret and the grant never reach a host that did not pass SanitizeShop,
// and that host's answer is never taken as the shop's session. Tested
// with a user *http.Client whose CheckRedirect follows everything.
func TestShopRedirectIsNeverFollowed(t *testing.T) {
	t.Parallel()
	fake, _ := setup(t)
	grants := map[string]func(ctx context.Context, c *shopify.Client) (*client.Session, error){
		"token exchange": func(ctx context.Context, c *shopify.Client) (*client.Session, error) {
			return c.ExchangeToken(ctx, shopify.TokenExchangeParams{Shop: testShop, SessionToken: fake.SessionToken(testShop, 42),
				RequestedTokenType: shopify.OfflineAccessToken, Expiring: true})
		},
		"refresh": func(ctx context.Context, c *shopify.Client) (*client.Session, error) {
			return c.Refresh(ctx, &client.Session{ID: shopify.OfflineSessionID(testShop), Provider: shopify.ProviderName,
				Subject: testShop, AccessToken: "shpat-old", RefreshToken: "shprt-SENTINEL-refresh-91", Expiry: fixedNow})
		},
		"code": func(ctx context.Context, c *shopify.Client) (*client.Session, error) {
			return c.ExchangeCode(ctx, testShop, "SENTINEL-shop-code-0b1c", true)
		},
		"migration": func(ctx context.Context, c *shopify.Client) (*client.Session, error) {
			return c.MigrateToExpiringToken(ctx, testShop, "shpat-SENTINEL-offline-77")
		},
	}
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for name, grant := range grants {
			t.Run(http.StatusText(status)+"/"+name, func(t *testing.T) {
				t.Parallel()
				var stolen atomic.Int64
				evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					stolen.Add(1)
					_, _ = io.Copy(io.Discard, r.Body)
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"access_token":"shpat-evil","scope":"read_products","expires_in":3600,"refresh_token":"shprt-evil"}`)
				}))
				t.Cleanup(evil.Close)
				var asked atomic.Int64
				shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					asked.Add(1)
					http.Redirect(w, r, evil.URL+r.URL.Path, status)
				}))
				t.Cleanup(shop.Close)
				follow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
				c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock,
					InsecureShopBaseURL: shop.URL}, client.WithHTTPClient(follow), client.WithRetryWait(time.Millisecond, time.Millisecond))
				require.NoError(t, err)
				s, err := grant(context.Background(), c)
				require.Nil(t, s, "the redirect target's answer became the shop's session")
				require.ErrorIs(t, err, client.ErrBadResponse)
				var e *client.Error
				require.ErrorAs(t, err, &e)
				assert.True(t, e.MaybeConsumed)
				assert.Equal(t, status, e.StatusCode)
				assert.EqualValues(t, 1, asked.Load(), "the shop host got the request once")
				assert.Zero(t, stolen.Load(), "the API secret went to a host that never passed SanitizeShop")
				requireNoSecrets(t, err.Error())
			})
		}
	}
}

package shopify_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// sharedRedisStore is a redisstore on the shared Redis under a prefix of
// its own, deleted when the test ends; it skips (fails in CI) without Redis.
func sharedRedisStore(t *testing.T) *redisstore.Store {
	t.Helper()
	const addr = "127.0.0.1:6379"
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		storetest.ServiceMissing(t, "Redis on "+addr, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	st := redisstore.New(rdb, redisstore.WithPrefix("oauthx-test-shopify-"+hex.EncodeToString(b)+":"))
	t.Cleanup(func() {
		if keys, _ := st.Keys(context.Background()); len(keys) > 0 {
			_ = rdb.Del(context.Background(), keys...).Err()
		}
		_ = rdb.Close()
	})
	return st
}

// twoReplicas are two instances of the app (own Client, Refresher,
// middleware and cache) sharing one Redis store, one fake Shopify and
// one clock. Every handler calls the Admin API with the token it got.
func twoReplicas(t *testing.T) (a, b *appSetup) {
	t.Helper()
	st := sharedRedisStore(t)
	a = newApp(t, shopify.MiddlewareConfig{}, appOption{store: st, admin: true})
	b = newApp(t, shopify.MiddlewareConfig{}, appOption{store: st, admin: true, fake: a.fake, clock: a.clock})
	return a, b
}

// storm sends n concurrent requests to each replica, each with its own
// session token, and requires them all to succeed with a live token.
func storm(t *testing.T, n int, replicas ...*appSetup) {
	t.Helper()
	fake := replicas[0].fake
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, r := range replicas {
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, body := r.get(t, fake.SessionToken(testShop, int64(i+1)), "")
				assert.Equal(t, http.StatusOK, resp.StatusCode, body)
				assert.Equal(t, "200 OK", resp.Header.Get("X-Admin-Status"), "the handler's Admin call")
			}()
		}
	}
	close(start)
	wg.Wait()
}

// Two replicas × 64 concurrent requests for one shop at token expiry:
// one refresh request, no exchange, no revoked token handed to a handler.
func TestMiddlewareTwoReplicasAtExpiry(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	resp, _ := a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = b.get(t, a.fake.SessionToken(testShop, 2), "") // b's cache holds it too
	require.Equal(t, http.StatusOK, resp.StatusCode)
	before := a.fake.Stats()
	require.Equal(t, 1, before.TokenExchanges)

	for round := range 3 {
		a.clock.Advance(time.Hour - 30*time.Second) // within RenewBefore of the expiry
		storm(t, 64, a, b)
		st := a.fake.Stats()
		assert.Equal(t, round+1, st.Refreshes, "one refresh per expiry")
		assert.Equal(t, before.Requests+round+1, st.Requests, "one token request per expiry")
		assert.Equal(t, 1, st.TokenExchanges, "no exchange")
		assert.Zero(t, st.ReusedRefreshTokens)
		assert.Zero(t, st.RevokedAdminCalls, "an Admin call carried a revoked token")
		a.clock.Advance(30 * time.Second)
	}
	assert.Zero(t, a.revokedHandedOut.Load()+b.revokedHandedOut.Load(), "revoked tokens handed to handlers")
	s := a.store.stored(t, shopify.OfflineSessionID(testShop))
	assert.True(t, a.fake.AccessTokenValid(testShop, s.AccessToken), "the stored session is live")
}

// The same with one replica's refresh answer lost: the fake processed the
// refresh and reset the connection. The client sends the same refresh
// token again (Shopify's refresh is replay-safe), gets the same pair, and
// no session is lost.
func TestMiddlewareTwoReplicasRefreshAnswerLost(t *testing.T) {
	t.Parallel()
	a, b := twoReplicas(t)
	resp, _ := a.get(t, a.fake.SessionToken(testShop, 1), "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	before := a.fake.Stats()

	a.fake.Fail(providertest.ResetAfterHandling())
	a.clock.Advance(time.Hour - 30*time.Second)
	storm(t, 64, a, b)
	st := a.fake.Stats()
	assert.Equal(t, 1, st.Refreshes, "Shopify processed one refresh")
	assert.Equal(t, 1, st.RefreshReplays, "the lost answer was recovered by sending the same refresh token")
	assert.Equal(t, before.Requests+2, st.Requests)
	assert.Equal(t, 1, st.TokenExchanges, "no exchange")
	assert.Zero(t, st.ReusedRefreshTokens)
	assert.Zero(t, st.RevokedAdminCalls)
	assert.Zero(t, a.revokedHandedOut.Load()+b.revokedHandedOut.Load())
	s := a.store.stored(t, shopify.OfflineSessionID(testShop))
	require.NotNil(t, s, "no session lost")
	assert.True(t, a.fake.AccessTokenValid(testShop, s.AccessToken))
}

// A shop whose stored session is non-expiring is migrated on its first
// request, once, across two replicas; with Shopify's 2027 rule on, no
// Admin call carries a non-expiring token.
func TestMiddlewareTwoReplicasMigrateOnce(t *testing.T) {
	t.Parallel()
	st := sharedRedisStore(t)
	a := newApp(t, shopify.MiddlewareConfig{}, appOption{store: st, admin: true,
		fakeOpts: []providertest.ShopifyOption{providertest.WithShopifyNonExpiringRejected()}})
	b := newApp(t, shopify.MiddlewareConfig{}, appOption{store: st, admin: true, fake: a.fake, clock: a.clock})
	old := nonExpiringSession(a.fake, testShop)
	require.NoError(t, st.Save(context.Background(), old))
	storm(t, 32, a, b)
	s := a.fake.Stats()
	assert.Equal(t, 1, s.Migrations)
	assert.Zero(t, s.MigrationReplays)
	assert.Zero(t, s.TokenExchanges)
	assert.Zero(t, s.NonExpiringAdmin)
	assert.Equal(t, 64, s.AdminCalls)
}

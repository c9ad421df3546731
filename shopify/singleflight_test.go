package shopify_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

func TestExchangeTokenSingleFlight(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	fake.Fail(providertest.Slow(time.Second)) // keep the first request in flight
	st := fake.SessionToken(testShop, 42)
	const n = 32
	var wg sync.WaitGroup
	start := make(chan struct{})
	sessions := make([]*client.Session, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			sessions[i], errs[i] = c.ExchangeToken(context.Background(),
				shopify.TokenExchangeParams{SessionToken: st, Expiring: true})
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, sessions[0].AccessToken, sessions[i].AccessToken)
	}
	assert.Equal(t, 1, fake.Stats().Requests, "N concurrent exchanges of one session token, one request")
	assert.True(t, fake.AccessTokenValid(testShop, sessions[0].AccessToken), "no exchange revoked another's token")
	sessions[1].Scopes[0] = "changed"
	assert.NotEqual(t, "changed", sessions[0].Scopes[0], "each caller gets its own copy")

	// Different parameters are different requests.
	_, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: st, RequestedTokenType: shopify.OnlineAccessToken})
	require.NoError(t, err)
	assert.Equal(t, 2, fake.Stats().Requests)
}

func TestExchangeTokenSingleFlightWaiterGivesUp(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	fake.Fail(providertest.Slow(300 * time.Millisecond))
	st := fake.SessionToken(testShop, 42)
	first := make(chan error, 1)
	go func() {
		_, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: st})
		first <- err
	}()
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.ExchangeToken(ctx, shopify.TokenExchangeParams{SessionToken: st})
	require.ErrorIs(t, err, client.ErrTransient)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, <-first, "the impatient waiter did not cancel the shared request")
	assert.Equal(t, 1, fake.Stats().Requests)
}

func TestRefreshSingleFlight(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: fake.SessionToken(testShop, 1), Expiring: true})
	require.NoError(t, err)
	fake.Fail(providertest.Slow(time.Second))
	const n = 16
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = c.Refresh(context.Background(), s)
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	st := fake.Stats()
	assert.Equal(t, 1, st.Refreshes)
	assert.Equal(t, 0, st.ReusedRefreshTokens, "the single-use refresh token was sent once")
}

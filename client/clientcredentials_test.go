package client_test

import (
	"context"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	variants := []struct {
		name     string
		fakeOpts []providertest.GenericOption
		genOpts  []providers.GenericOption
	}{
		{"form body", nil, nil},
		{"json body", []providertest.GenericOption{providertest.WithJSONRequests()}, []providers.GenericOption{providers.WithJSONBody()}},
		{"basic auth", nil, []providers.GenericOption{providers.WithBasicAuth()}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			fake, c := setup(t, v.fakeOpts, v.genOpts)
			before := time.Now()
			s, err := c.ClientCredentials(context.Background(), client.WithScopes("reports", "billing"))
			require.NoError(t, err)
			assert.Equal(t, "generic:client:"+fake.ClientID, s.ID)
			assert.Equal(t, client.GrantClientCredentials, s.Grant)
			assert.Empty(t, s.RefreshToken, "RFC 6749 §4.4.3: no refresh token")
			assert.Equal(t, []string{"reports", "billing"}, s.Scopes)
			assert.WithinDuration(t, before.Add(time.Hour), s.Expiry, 5*time.Second)
			assert.True(t, fake.AccessTokenValid(s.AccessToken))
			assert.Equal(t, 1, fake.Stats().ClientCredentials)
		})
	}
}

// The exact request RFC 6749 §4.4.2 describes, and nothing else.
func TestClientCredentialsRequestFields(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, answer{200, nil, `{"access_token":"a","token_type":"Bearer","expires_in":60}`})
	for name, tc := range map[string]struct {
		opts     []providers.GenericOption
		call     []client.ExchangeOption
		cfgScope []string
		want     url.Values
		basic    bool
	}{
		"body auth, scopes from the call": {call: []client.ExchangeOption{client.WithScopes("a", "b")},
			want: url.Values{"grant_type": {"client_credentials"}, "client_id": {"id"}, "client_secret": {"sec"}, "scope": {"a b"}}},
		"Config.Scopes by default": {cfgScope: []string{"c"},
			want: url.Values{"grant_type": {"client_credentials"}, "client_id": {"id"}, "client_secret": {"sec"}, "scope": {"c"}}},
		"basic auth, no scope": {opts: []providers.GenericOption{providers.WithBasicAuth()}, basic: true,
			want: url.Values{"grant_type": {"client_credentials"}}},
	} {
		t.Run(name, func(t *testing.T) {
			before := len(rec.requests())
			c, err := client.New(client.Config{Provider: providers.Generic(rec.URL, tc.opts...), ClientID: "id", ClientSecret: "sec", Scopes: tc.cfgScope})
			require.NoError(t, err)
			_, err = c.ClientCredentials(context.Background(), tc.call...)
			require.NoError(t, err)
			reqs := rec.requests()[before:]
			require.Len(t, reqs, 1)
			assert.Equal(t, "POST", reqs[0].Method)
			assert.Equal(t, "/oauth2/token", reqs[0].Path)
			assert.Equal(t, "application/x-www-form-urlencoded", reqs[0].ContentType)
			assert.Equal(t, tc.want, reqs[0].Form)
			if tc.basic {
				assert.Equal(t, "id", reqs[0].BasicID)
				assert.Equal(t, "sec", reqs[0].BasicSecret)
			}
		})
	}
}

func TestClientCredentialsErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		fakeOpts []providertest.GenericOption
		secret   string
		faults   []providertest.Fault
		scopes   []string
		want     error
		code     string
		requests int
		consumed bool
	}{
		{name: "wrong secret", secret: "wrong", want: client.ErrInvalidClient, code: "invalid_client", requests: 1},
		{name: "scope not allowed", fakeOpts: []providertest.GenericOption{providertest.WithClientScopes("read")},
			scopes: []string{"admin"}, want: client.ErrInvalidRequest, code: "invalid_scope", requests: 1},
		{name: "429 three times", faults: []providertest.Fault{providertest.RateLimited(""), providertest.RateLimited(""), providertest.RateLimited("")},
			want: client.ErrRateLimited, code: "rate_limited", requests: 3},
		{name: "500 after handling is not resent", faults: []providertest.Fault{providertest.ServerErrorAfterHandling(500)},
			want: client.ErrTransient, requests: 1, consumed: true},
		{name: "reset after handling is not resent", faults: []providertest.Fault{providertest.ResetAfterHandling()},
			want: client.ErrTransient, requests: 1, consumed: true},
		// A 2xx that is no token answer: the provider may have issued a
		// token (issue #11: MaybeConsumed for every such 2xx).
		{name: "HTML page", faults: []providertest.Fault{providertest.HTMLPage(200)}, want: client.ErrBadResponse, requests: 1, consumed: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := providertest.NewGeneric(tc.fakeOpts...)
			t.Cleanup(fake.Close)
			fake.Fail(tc.faults...)
			secret := fake.ClientSecret
			if tc.secret != "" {
				secret = tc.secret
			}
			c, err := client.New(client.Config{Provider: providers.Generic(fake.URL), ClientID: fake.ClientID, ClientSecret: secret},
				client.WithRetryWait(time.Millisecond, 20*time.Millisecond))
			require.NoError(t, err)
			_, err = c.ClientCredentials(context.Background(), client.WithScopes(tc.scopes...))
			require.ErrorIs(t, err, tc.want)
			var e *client.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.consumed, e.MaybeConsumed)
			assert.Equal(t, tc.requests, fake.Stats().Requests)
			assert.NotContains(t, err.Error(), secret)
		})
	}
	t.Run("503 then a token", func(t *testing.T) {
		t.Parallel()
		fake := providertest.NewGeneric()
		t.Cleanup(fake.Close)
		fake.Fail(providertest.Unavailable("0"))
		c, err := client.New(client.Config{Provider: providers.Generic(fake.URL), ClientID: fake.ClientID, ClientSecret: fake.ClientSecret},
			client.WithRetryWait(time.Millisecond, 20*time.Millisecond))
		require.NoError(t, err)
		_, err = c.ClientCredentials(context.Background())
		require.NoError(t, err)
		assert.Equal(t, 2, fake.Stats().Requests)
	})
}

// A client credentials session has no refresh token; Refresh, and so the
// token source, renews it with a new grant under the same ID.
func TestClientCredentialsRenewal(t *testing.T) {
	t.Parallel()
	fake := providertest.NewGeneric()
	t.Cleanup(fake.Close)
	var nowNanos atomic.Int64
	nowNanos.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, nowNanos.Load()) }
	c, err := client.New(client.Config{Provider: providers.Generic(fake.URL), ClientID: fake.ClientID, ClientSecret: fake.ClientSecret},
		client.WithClock(clock))
	require.NoError(t, err)
	ctx := context.Background()
	s, err := c.ClientCredentials(ctx, client.WithScopes("reports"), client.WithSessionID("reporting-bot"))
	require.NoError(t, err)
	require.Equal(t, "reporting-bot", s.ID)

	st := tokenstore.NewMemory()
	require.NoError(t, st.Save(ctx, s))
	ts := tokenstore.NewTokenSource(st, c, s.ID, tokenstore.WithClock(clock))
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, s.AccessToken, tok.AccessToken)

	nowNanos.Add(int64(2 * time.Hour))
	tok, err = ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, s.AccessToken, tok.AccessToken)
	assert.True(t, fake.AccessTokenValid(tok.AccessToken))
	stored, err := st.Load(ctx, "reporting-bot")
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, stored.AccessToken)
	assert.Equal(t, client.GrantClientCredentials, stored.Grant, "kept through the store")
	assert.Equal(t, []string{"reports"}, stored.Scopes)
	assert.Equal(t, 2, fake.Stats().ClientCredentials)
	assert.Equal(t, 0, fake.Stats().Refreshes)
}

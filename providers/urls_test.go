package providers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
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

// A token endpoint that is not {base}/oauth2/token, reached through
// WithTokenURL over real HTTP.
func TestWithTokenURL(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.FormValue("grant_type") != "authorization_code" || r.FormValue("code") != "the-code" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"a","token_type":"bearer","refresh_token":"r"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	for name, p := range map[string]client.Provider{
		"no base URL":         providers.Generic("", providers.WithTokenURL(srv.URL+"/v2/oauth/token")),
		"base URL overridden": providers.Generic("https://auth.example.com", providers.WithTokenURL(srv.URL+"/v2/oauth/token")),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := client.New(client.Config{Provider: p, ClientID: "id", ClientSecret: "sec"})
			require.NoError(t, err)
			now := time.Now()
			s, err := c.ExchangeCode(context.Background(), "the-code")
			require.NoError(t, err)
			assert.Equal(t, "a", s.AccessToken)
			assert.WithinDuration(t, now.Add(providers.GenericLifetime), s.Expiry, time.Minute, "Generic's 14 days, not never")
		})
	}
	assert.Equal(t, int32(2), hits.Load())
}

func TestEndpointOptionsValidate(t *testing.T) {
	t.Parallel()
	cases := map[string]client.Provider{
		"empty token URL":          providers.Generic("", providers.WithTokenURL("")),
		"no base, no token URL":    providers.Generic(""),
		"remote http token URL":    providers.Generic("", providers.WithTokenURL("http://auth.example.com/token")),
		"empty revocation URL":     providers.Generic("https://a.example.com", providers.WithRevocationURL("")),
		"remote http revocation":   providers.Generic("https://a.example.com", providers.WithRevocationURL("http://a.example.com/revoke")),
		"empty introspection URL":  providers.Generic("https://a.example.com", providers.WithIntrospectionURL("")),
		"introspection user info":  providers.Generic("https://a.example.com", providers.WithIntrospectionURL("https://u:p@a.example.com/i")),
		"empty device auth URL":    providers.Generic("https://a.example.com", providers.WithDeviceAuthURL("")),
		"device auth URL bad form": providers.Generic("https://a.example.com", providers.WithDeviceAuthURL("https://a.example.com/%zz")),
		"negative lifetime":        providers.Generic("https://a.example.com", providers.WithDefaultLifetime(-time.Second)),
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := client.New(client.Config{Provider: p, ClientID: "id"})
			require.Error(t, err)
		})
	}
	p := providers.Generic("https://a.example.com", nil,
		providers.WithTokenURL("https://a.example.com/token"),
		providers.WithRevocationURL("https://a.example.com/revoke"),
		providers.WithIntrospectionURL("https://a.example.com/introspect"),
		providers.WithDeviceAuthURL("http://127.0.0.1:1/device"))
	_, err := client.New(client.Config{Provider: p, ClientID: "id"})
	require.NoError(t, err)

	_, err = providers.New(providers.Spec{Name: "x", TokenURL: "https://a.example.com/t", RevocationURL: "http://a.example.com/r"})
	require.Error(t, err, "a Spec's extra endpoints are checked like its token endpoint")
	sp, err := providers.New(providers.Spec{Name: "x", TokenURL: "https://a.example.com/t", RevocationURL: "https://a.example.com/r",
		IntrospectionURL: "https://a.example.com/i", DeviceAuthURL: "https://a.example.com/d"})
	require.NoError(t, err)
	assert.Equal(t, "https://a.example.com/t", sp.TokenURL())
	assert.Equal(t, "https://a.example.com/r", sp.RevocationURL())
	assert.Equal(t, "https://a.example.com/i", sp.IntrospectionURL())
	assert.Equal(t, "https://a.example.com/d", sp.DeviceAuthURL())
}

// An answer with a refresh token and no expires_in gets a lifetime, so a
// token source renews it; "never" only where the Spec says so.
func TestExpiryWithoutExpiresIn(t *testing.T) {
	t.Parallel()
	base := providers.Spec{Name: "x", TokenURL: "https://a.example.com/token"}
	now := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name   string
		policy providers.ExpiryPolicy
		def    time.Duration
		body   string
		want   time.Duration // 0: never
	}{
		{"refresh token, no default", providers.ExpiresIn, 0, `{"access_token":"a","refresh_token":"r"}`, providers.FallbackLifetime},
		{"refresh token, Spec default", providers.ExpiresIn, 10 * time.Minute, `{"access_token":"a","refresh_token":"r"}`, 10 * time.Minute},
		{"expires_in wins", providers.ExpiresIn, 10 * time.Minute, `{"access_token":"a","refresh_token":"r","expires_in":60}`, time.Minute},
		{"nothing to renew with", providers.ExpiresIn, 0, `{"access_token":"a"}`, 0},
		{"JWT policy, opaque token", providers.JWTExpiry, 0, `{"access_token":"a","refresh_token":"r"}`, providers.FallbackLifetime},
		{"Spec says never", providers.ExpiresInOrNever, 0, `{"access_token":"a","refresh_token":"r"}`, 0},
		{"Spec says never, expires_in given", providers.ExpiresInOrNever, 0, `{"access_token":"a","expires_in":60}`, time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := base
			spec.Expiry, spec.DefaultLifetime = tc.policy, tc.def
			s, err := parse(t, spec, 200, tc.body)
			require.NoError(t, err)
			if tc.want == 0 {
				assert.True(t, s.NeverExpires())
				return
			}
			assert.Equal(t, now.Add(tc.want), s.Expiry)
		})
	}
}

// The issue's case end to end: a hand-built Spec against a server that
// sends no expires_in; tokenstore.TokenSource refreshes the session once
// the fallback lifetime is over.
func TestHandBuiltSpecRefreshesWithoutExpiresIn(t *testing.T) {
	t.Parallel()
	fake := providertest.NewGeneric(providertest.WithTokenLifetime(0))
	t.Cleanup(fake.Close)
	p, err := providers.New(providers.Spec{Name: "mine", TokenURL: fake.URL + "/oauth2/token"})
	require.NoError(t, err)
	var nowNanos atomic.Int64
	nowNanos.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, nowNanos.Load()) }
	c, err := client.New(client.Config{Provider: p, ClientID: fake.ClientID, ClientSecret: fake.ClientSecret}, client.WithClock(clock))
	require.NoError(t, err)
	ctx := context.Background()
	s, err := c.ExchangeCode(ctx, fake.IssueCode(""))
	require.NoError(t, err)
	require.Equal(t, clock().Add(providers.FallbackLifetime), s.Expiry)

	st := tokenstore.NewMemory()
	require.NoError(t, st.Save(ctx, s))
	ts := tokenstore.NewTokenSource(st, c, s.ID, tokenstore.WithClock(clock))
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, s.AccessToken, tok.AccessToken, "still fresh")
	assert.Equal(t, 0, fake.Stats().Refreshes)

	nowNanos.Add(int64(2 * providers.FallbackLifetime))
	tok, err = ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, s.AccessToken, tok.AccessToken)
	assert.Equal(t, 1, fake.Stats().Refreshes)
}

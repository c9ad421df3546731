package client_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// setupEndpoints is setup with the fake's revocation and introspection
// endpoints configured.
func setupEndpoints(t *testing.T, genOpts ...providers.GenericOption) (*providertest.Generic, *client.Client) {
	t.Helper()
	fake := providertest.NewGeneric()
	t.Cleanup(fake.Close)
	genOpts = append([]providers.GenericOption{providers.WithRevocationURL(fake.RevocationURL()),
		providers.WithIntrospectionURL(fake.IntrospectionURL())}, genOpts...)
	c, err := client.New(client.Config{Provider: providers.Generic(fake.URL, genOpts...), ClientID: fake.ClientID,
		ClientSecret: fake.ClientSecret, RedirectURL: redirect}, client.WithRetryWait(time.Millisecond, 20*time.Millisecond))
	require.NoError(t, err)
	return fake, c
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]providers.GenericOption{"body auth": nil, "basic auth": {providers.WithBasicAuth()}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake, c := setupEndpoints(t, opts...)
			ctx := context.Background()
			s, err := c.ExchangeCode(ctx, fake.IssueCode(redirect, "read"))
			require.NoError(t, err)
			require.True(t, c.HasEndpoint(client.EndpointRevocation))

			require.NoError(t, c.Revoke(ctx, s.RefreshToken, client.HintRefreshToken))
			assert.True(t, fake.Revoked(s.RefreshToken))
			assert.True(t, fake.Revoked(s.AccessToken), "revoking the refresh token ends its access token")
			assert.False(t, fake.AccessTokenValid(s.AccessToken))
			_, err = c.Refresh(ctx, s)
			require.ErrorIs(t, err, client.ErrReauthorize)

			// RFC 7009 §2.2: an unknown or already revoked token is a 200 too.
			require.NoError(t, c.Revoke(ctx, s.RefreshToken, client.HintRefreshToken))
			require.NoError(t, c.Revoke(ctx, "never-issued", ""))
			assert.Equal(t, 3, fake.Stats().Revocations)
		})
	}
}

func TestRevokeRequestFields(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, answer{200, nil, "not JSON: RFC 7009 has the client ignore the body"})
	c, err := client.New(client.Config{Provider: providers.Generic(rec.URL, providers.WithRevocationURL(rec.URL+"/revoke"),
		providers.WithJSONBody()), ClientID: "id", ClientSecret: "sec"})
	require.NoError(t, err)
	require.NoError(t, c.Revoke(context.Background(), "tok-1", client.HintAccessToken))
	require.NoError(t, c.Revoke(context.Background(), "tok-2", ""))
	reqs := rec.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "/revoke", reqs[0].Path)
	assert.Equal(t, "application/x-www-form-urlencoded", reqs[0].ContentType, "form, whatever the token body encoding")
	assert.Equal(t, url.Values{"token": {"tok-1"}, "token_type_hint": {"access_token"}, "client_id": {"id"}, "client_secret": {"sec"}}, reqs[0].Form)
	assert.Equal(t, url.Values{"token": {"tok-2"}, "client_id": {"id"}, "client_secret": {"sec"}}, reqs[1].Form)
}

func TestRevokeErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("answers of the fake", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			name     string
			secret   string
			hint     string
			faults   []providertest.Fault
			want     error
			code     string
			requests int // revocation requests the fake handled
		}{
			{name: "unsupported hint", hint: "id_token", want: client.ErrInvalidRequest, code: "unsupported_token_type"},
			{name: "wrong secret", secret: "wrong", want: client.ErrInvalidClient, code: "invalid_client"},
			{name: "429 every time", faults: []providertest.Fault{providertest.RateLimited(""), providertest.RateLimited(""), providertest.RateLimited("")},
				want: client.ErrRateLimited, code: "rate_limited"},
			{name: "503 then 200 is success", faults: []providertest.Fault{providertest.Unavailable("0")}, requests: 1},
			{name: "500 is retried: revoking twice is harmless", faults: []providertest.Fault{providertest.ServerError(500)}, requests: 1},
			{name: "reset after handling is retried", faults: []providertest.Fault{providertest.ResetAfterHandling()}, requests: 2},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				fake := providertest.NewGeneric()
				t.Cleanup(fake.Close)
				secret := fake.ClientSecret
				if tc.secret != "" {
					secret = tc.secret
				}
				c, err := client.New(client.Config{Provider: providers.Generic(fake.URL, providers.WithRevocationURL(fake.RevocationURL())),
					ClientID: fake.ClientID, ClientSecret: secret}, client.WithRetryWait(time.Millisecond, 20*time.Millisecond))
				require.NoError(t, err)
				fake.Fail(tc.faults...)
				err = c.Revoke(ctx, "tok-secret-value", tc.hint)
				assert.Equal(t, tc.requests, fake.Stats().Revocations)
				if tc.want == nil {
					require.NoError(t, err)
					return
				}
				require.ErrorIs(t, err, tc.want)
				var e *client.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.code, e.Code)
				assert.NotContains(t, err.Error(), "tok-secret-value")
				assert.NotContains(t, err.Error(), fake.ClientSecret)
			})
		}
	})
	t.Run("echoed token is scrubbed", func(t *testing.T) {
		t.Parallel()
		rec := newRecorder(t, answer{400, nil, `{"error":"invalid_request","error_description":"bad token tok-secret-value"}`})
		c, err := client.New(client.Config{Provider: providers.Generic(rec.URL, providers.WithRevocationURL(rec.URL+"/r")), ClientID: "id"})
		require.NoError(t, err)
		err = c.Revoke(ctx, "tok-secret-value", "")
		require.ErrorIs(t, err, client.ErrInvalidRequest)
		assert.NotContains(t, err.Error(), "tok-secret-value")
	})
	t.Run("no endpoint, no token", func(t *testing.T) {
		t.Parallel()
		c, err := client.New(client.Config{Provider: providers.Generic("https://auth.example.com"), ClientID: "id"})
		require.NoError(t, err)
		assert.False(t, c.HasEndpoint(client.EndpointRevocation))
		require.ErrorIs(t, c.Revoke(ctx, "t", ""), client.ErrInvalidRequest)
		c2, err := client.New(client.Config{Provider: providers.Generic("https://auth.example.com", providers.WithRevocationURL("https://auth.example.com/r")), ClientID: "id"})
		require.NoError(t, err)
		require.ErrorIs(t, c2.Revoke(ctx, "", ""), client.ErrInvalidRequest)
	})
}

func TestIntrospect(t *testing.T) {
	t.Parallel()
	fake, c := setupEndpoints(t)
	ctx := context.Background()
	before := time.Now()
	s, err := c.ExchangeCode(ctx, fake.IssueCode(redirect, "read", "write"))
	require.NoError(t, err)

	in, err := c.Introspect(ctx, s.AccessToken, client.HintAccessToken)
	require.NoError(t, err)
	assert.True(t, in.Active)
	assert.Equal(t, fake.ClientID, in.ClientID)
	assert.Equal(t, "user-1", in.Subject)
	assert.Equal(t, []string{"read", "write"}, in.Scopes)
	assert.Equal(t, "Bearer", in.TokenType)
	assert.Equal(t, fake.URL, in.Issuer)
	assert.WithinDuration(t, before.Add(time.Hour), in.Expiry, 5*time.Second)
	assert.WithinDuration(t, before, in.IssuedAt, 5*time.Second)

	in, err = c.Introspect(ctx, s.RefreshToken, client.HintRefreshToken)
	require.NoError(t, err)
	assert.True(t, in.Active)

	_, err = c.Refresh(ctx, s)
	require.NoError(t, err)
	in, err = c.Introspect(ctx, s.RefreshToken, "")
	require.NoError(t, err)
	assert.Equal(t, &client.Introspection{}, in, "a rotated refresh token is inactive, and nothing more is said")

	in, err = c.Introspect(ctx, "never-issued", "")
	require.NoError(t, err)
	assert.False(t, in.Active)
	assert.Equal(t, 4, fake.Stats().Introspections)
}

func TestIntrospectAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		ans  answer
		want *client.Introspection
		err  error
	}{
		{"full answer", answer{200, nil, `{"active":true,"scope":"a b","client_id":"id","username":"jdoe","token_type":"DPoP",
			"exp":1700000060,"iat":1700000000,"nbf":1700000000,"sub":"u1","aud":["r1","r2"],"iss":"https://as","jti":"j1",
			"cnf":{"jkt":"thumb"},"ext":"x"}`}, &client.Introspection{Active: true, Scopes: []string{"a", "b"}, ClientID: "id",
			Username: "jdoe", TokenType: "DPoP", Expiry: time.Unix(1700000060, 0), IssuedAt: time.Unix(1700000000, 0),
			NotBefore: time.Unix(1700000000, 0), Subject: "u1", Audience: []string{"r1", "r2"}, Issuer: "https://as", JWTID: "j1",
			JKT: "thumb", Extra: map[string]any{"ext": "x"}}, nil},
		{"cnf keeps its untyped members", answer{200, nil, `{"active":true,"cnf":{"jkt":"thumb","x5t#S256":"cert"}}`},
			&client.Introspection{Active: true, JKT: "thumb", Extra: map[string]any{"cnf": map[string]any{"x5t#S256": "cert"}}}, nil},
		{"typed members are not extra", answer{200, nil, `{"active":true,"scope":"a","client_id":"id","username":"u","token_type":"Bearer",
			"exp":1700000060,"iat":1700000000,"nbf":1700000000,"sub":"s","aud":"r","iss":"i","jti":"j","cnf":{"jkt":"t"}}`},
			&client.Introspection{Active: true, Scopes: []string{"a"}, ClientID: "id", Username: "u", TokenType: "Bearer",
				Expiry: time.Unix(1700000060, 0), IssuedAt: time.Unix(1700000000, 0), NotBefore: time.Unix(1700000000, 0),
				Subject: "s", Audience: []string{"r"}, Issuer: "i", JWTID: "j", JKT: "t"}, nil},
		{"audience as a string", answer{200, nil, `{"active":true,"aud":"r1"}`}, &client.Introspection{Active: true, Audience: []string{"r1"}}, nil},
		{"inactive says nothing more", answer{200, nil, `{"active":false,"sub":"u1"}`}, &client.Introspection{}, nil},
		{"no active member", answer{200, nil, `{"sub":"u1"}`}, nil, client.ErrBadResponse},
		{"active as a string", answer{200, nil, `{"active":"true"}`}, nil, client.ErrBadResponse},
		{"empty body", answer{200, nil, ``}, nil, client.ErrBadResponse},
		{"HTML", answer{200, map[string]string{"Content-Type": "text/html"}, `<html></html>`}, nil, client.ErrBadResponse},
		{"401", answer{401, nil, `{"error":"invalid_client"}`}, nil, client.ErrInvalidClient},
		{"429", answer{429, map[string]string{"Retry-After": "3600"}, `{}`}, nil, client.ErrRateLimited},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t, tc.ans)
			c, err := client.New(client.Config{Provider: providers.Generic(rec.URL, providers.WithIntrospectionURL(rec.URL+"/introspect")),
				ClientID: "id", ClientSecret: "sec"}, client.WithRetryWait(time.Millisecond, 20*time.Millisecond))
			require.NoError(t, err)
			in, err := c.Introspect(context.Background(), "tok", client.HintAccessToken)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, in, "typed members are read into their fields and left out of Extra")
			assert.Equal(t, url.Values{"token": {"tok"}, "token_type_hint": {"access_token"}, "client_id": {"id"}, "client_secret": {"sec"}},
				rec.requests()[0].Form)
		})
	}
}

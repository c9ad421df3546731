package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

const redirect = "http://127.0.0.1:9999/callback"

// setup starts a fake generic provider and a Client for it.
func setup(t *testing.T, fakeOpts []providertest.GenericOption, genOpts []providers.GenericOption, opts ...client.Option) (*providertest.Generic, *client.Client) {
	t.Helper()
	fake := providertest.NewGeneric(fakeOpts...)
	t.Cleanup(fake.Close)
	opts = append([]client.Option{client.WithRetryWait(time.Millisecond, 50*time.Millisecond)}, opts...)
	c, err := client.New(client.Config{
		Provider: providers.Generic(fake.URL, genOpts...), ClientID: fake.ClientID,
		ClientSecret: fake.ClientSecret, RedirectURL: redirect,
	}, opts...)
	require.NoError(t, err)
	return fake, c
}

func TestExchangeCodeAndRefresh(t *testing.T) {
	t.Parallel()
	variants := []struct {
		name     string
		fakeOpts []providertest.GenericOption
		genOpts  []providers.GenericOption
	}{
		{"form body", nil, nil},
		{"json body", []providertest.GenericOption{providertest.WithJSONRequests()}, []providers.GenericOption{providers.WithJSONBody()}},
		{"basic auth", nil, []providers.GenericOption{providers.WithBasicAuth()}},
		{"message errors", []providertest.GenericOption{providertest.WithMessageErrors()}, nil},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			fake, c := setup(t, v.fakeOpts, v.genOpts)
			ctx := context.Background()
			before := time.Now()
			s, err := c.ExchangeCode(ctx, fake.IssueCode(redirect, "read", "write"))
			require.NoError(t, err)
			assert.Equal(t, "generic", s.Provider)
			assert.Equal(t, "generic", s.ID)
			assert.Equal(t, "Bearer", s.TokenType)
			assert.Equal(t, []string{"read", "write"}, s.Scopes)
			assert.NotEmpty(t, s.RefreshToken)
			assert.WithinDuration(t, before.Add(time.Hour), s.Expiry, 5*time.Second)
			assert.True(t, fake.AccessTokenValid(s.AccessToken))

			s2, err := c.Refresh(ctx, s, client.WithScopes("read"))
			require.NoError(t, err)
			assert.NotEqual(t, s.RefreshToken, s2.RefreshToken, "rotated")
			assert.Equal(t, []string{"read"}, s2.Scopes)
			assert.Equal(t, s.ID, s2.ID)

			_, err = c.Refresh(ctx, s)
			require.ErrorIs(t, err, client.ErrReauthorize)
			var e *client.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "invalid_token", e.Code)
			assert.Equal(t, 400, e.StatusCode)
			st := fake.Stats()
			assert.Equal(t, 1, st.CodeExchanges)
			assert.Equal(t, 1, st.Refreshes)
			assert.Equal(t, 1, st.ReusedRefreshTokens)
		})
	}
}

func TestExchangeCodeWithPKCE(t *testing.T) {
	t.Parallel()
	fake, c := setup(t, nil, nil)
	v := client.GenerateVerifier()
	_, err := c.ExchangeCode(context.Background(), fake.IssueCodeWithPKCE(redirect, v), client.WithCodeVerifier(v))
	require.NoError(t, err)

	_, err = c.ExchangeCode(context.Background(), fake.IssueCodeWithPKCE(redirect, v), client.WithCodeVerifier("wrong"+v))
	require.ErrorIs(t, err, client.ErrReauthorize)
}

func TestExchangeCodeRejections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(*providertest.Generic, *client.Client) error
		want error
		code string
	}{
		{"unknown code", func(f *providertest.Generic, c *client.Client) error {
			_, err := c.ExchangeCode(context.Background(), "no-such-code")
			return err
		}, client.ErrReauthorize, "invalid_code"},
		{"redirect mismatch", func(f *providertest.Generic, c *client.Client) error {
			_, err := c.ExchangeCode(context.Background(), f.IssueCode(redirect), client.WithRedirectURL("http://127.0.0.1/other"))
			return err
		}, client.ErrReauthorize, "invalid_grant"},
		{"wider scope on refresh", func(f *providertest.Generic, c *client.Client) error {
			s, err := c.ExchangeCode(context.Background(), f.IssueCode(redirect, "read"))
			if err != nil {
				return err
			}
			_, err = c.Refresh(context.Background(), s, client.WithScopes("read", "admin"))
			return err
		}, client.ErrInvalidRequest, "invalid_scope"},
		{"unexpected parameter", func(f *providertest.Generic, c *client.Client) error {
			_, err := c.ExchangeCode(context.Background(), f.IssueCode(redirect), client.WithParam("audience", "x"))
			return err
		}, client.ErrInvalidRequest, "invalid_request"},
		{"empty code", func(f *providertest.Generic, c *client.Client) error {
			_, err := c.ExchangeCode(context.Background(), "")
			return err
		}, client.ErrInvalidRequest, ""},
		{"expiring session without refresh token", func(f *providertest.Generic, c *client.Client) error {
			_, err := c.Refresh(context.Background(), &client.Session{ID: "x", AccessToken: "a", Expiry: time.Now().Add(time.Minute)})
			return err
		}, client.ErrReauthorize, ""},
		{"never-expiring session without refresh token", func(f *providertest.Generic, c *client.Client) error {
			_, err := c.Refresh(context.Background(), &client.Session{ID: "x", AccessToken: "a"})
			return err
		}, client.ErrInvalidRequest, ""},
		{"nil session", func(f *providertest.Generic, c *client.Client) error {
			_, err := c.Refresh(context.Background(), nil)
			return err
		}, client.ErrInvalidRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, c := setup(t, nil, nil)
			err := tt.run(fake, c)
			require.ErrorIs(t, err, tt.want)
			var e *client.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, "generic", e.Provider)
		})
	}
}

func TestInvalidClient(t *testing.T) {
	t.Parallel()
	fake := providertest.NewGeneric()
	t.Cleanup(fake.Close)
	c, err := client.New(client.Config{Provider: providers.Generic(fake.URL), ClientID: fake.ClientID, ClientSecret: "wrong"})
	require.NoError(t, err)
	_, err = c.ExchangeCode(context.Background(), fake.IssueCode(""))
	require.ErrorIs(t, err, client.ErrInvalidClient)
	assert.NotErrorIs(t, err, client.ErrReauthorize)
}

func TestTokenExchangeRFC8693(t *testing.T) {
	t.Parallel()
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		got = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"x","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":60}`))
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{Provider: providers.Generic(srv.URL), ClientID: "id", ClientSecret: "sec"})
	require.NoError(t, err)
	s, err := c.ExchangeToken(context.Background(), client.TokenExchangeRequest{
		SubjectToken: "subj", SubjectTokenType: client.TokenTypeIDToken,
		RequestedTokenType: client.TokenTypeAccessToken, Audience: []string{"a1", "a2"},
		Resource: []string{"https://api.example.com"}, Scopes: []string{"s1", "s2"}, SessionID: "sess-1",
	})
	require.NoError(t, err)
	assert.Equal(t, "sess-1", s.ID)
	assert.Equal(t, client.TokenTypeAccessToken, s.Extra["issued_token_type"])
	assert.Equal(t, url.Values{
		"grant_type": {client.GrantTokenExchange}, "client_id": {"id"}, "client_secret": {"sec"},
		"subject_token": {"subj"}, "subject_token_type": {client.TokenTypeIDToken},
		"requested_token_type": {client.TokenTypeAccessToken}, "audience": {"a1", "a2"},
		"resource": {"https://api.example.com"}, "scope": {"s1 s2"},
	}, got)

	for _, bad := range []client.TokenExchangeRequest{
		{SubjectTokenType: client.TokenTypeIDToken},
		{SubjectToken: "x"},
		{SubjectToken: "x", SubjectTokenType: "t", ActorToken: "a"},
	} {
		_, err := c.ExchangeToken(context.Background(), bad)
		require.ErrorIs(t, err, client.ErrInvalidRequest)
	}
}

func TestNewValidatesConfigAndOptions(t *testing.T) {
	t.Parallel()
	gen := providers.Generic("https://auth.example.com")
	tests := []struct {
		name string
		cfg  client.Config
		opts []client.Option
	}{
		{"no provider", client.Config{ClientID: "id"}, nil},
		{"no client id", client.Config{Provider: gen}, nil},
		{"nil http client", client.Config{Provider: gen, ClientID: "id"}, []client.Option{client.WithHTTPClient(nil)}},
		{"nil logger", client.Config{Provider: gen, ClientID: "id"}, []client.Option{client.WithLogger(nil)}},
		{"nil clock", client.Config{Provider: gen, ClientID: "id"}, []client.Option{client.WithClock(nil)}},
		{"negative retries", client.Config{Provider: gen, ClientID: "id"}, []client.Option{client.WithRetryMax(-1)}},
		{"bad retry wait", client.Config{Provider: gen, ClientID: "id"}, []client.Option{client.WithRetryWait(time.Second, time.Millisecond)}},
		{"plain http to a remote host", client.Config{Provider: providers.Generic("http://auth.example.com"), ClientID: "id"}, nil},
		{"empty base URL", client.Config{Provider: providers.Generic(""), ClientID: "id"}, nil},
		{"base URL with query", client.Config{Provider: providers.Generic("https://a.example.com?x=1"), ClientID: "id"}, nil},
		{"ftp base URL", client.Config{Provider: providers.Generic("ftp://a.example.com"), ClientID: "id"}, nil},
		{"user info in base URL", client.Config{Provider: providers.Generic("https://u:p@a.example.com"), ClientID: "id"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := client.New(tt.cfg, tt.opts...)
			require.ErrorIs(t, err, client.ErrInvalidRequest)
			assert.Nil(t, c)
		})
	}
	// A nil option is skipped.
	_, err := client.New(client.Config{Provider: gen, ClientID: "id"}, nil, client.WithRetryMax(1), nil)
	require.NoError(t, err)
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost", "http://[::1]:9", "https://auth.example.com/base/"} {
		_, err := client.New(client.Config{Provider: providers.Generic(ok), ClientID: "id"})
		assert.NoError(t, err, ok)
	}
}

func TestWithHTTPClientCopies(t *testing.T) {
	t.Parallel()
	fake := providertest.NewGeneric()
	t.Cleanup(fake.Close)
	var used atomic.Int32
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := client.New(client.Config{Provider: providers.Generic(fake.URL), ClientID: fake.ClientID, ClientSecret: fake.ClientSecret},
		client.WithHTTPClient(hc))
	require.NoError(t, err)
	hc.Transport = roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("changed after New") })
	_, err = c.ExchangeCode(context.Background(), fake.IssueCode(""))
	require.NoError(t, err)
	assert.Equal(t, int32(1), used.Load())
	assert.NotSame(t, hc, c.HTTPClient())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAuthCodeURL(t *testing.T) {
	t.Parallel()
	c, err := client.New(client.Config{
		Provider: providers.Generic("https://auth.example.com"), ClientID: "id",
		RedirectURL: "https://app.example.com/cb", Scopes: []string{"read", "write"},
	})
	require.NoError(t, err)
	v := client.GenerateVerifier()
	raw, err := c.AuthCodeURL("st4te", client.WithPKCE(v), client.WithAuthParam("prompt", "consent"))
	require.NoError(t, err)
	u, err := url.Parse(raw)
	require.NoError(t, err)
	assert.Equal(t, "auth.example.com", u.Host)
	assert.Equal(t, "/oauth2/authorize", u.Path)
	q := u.Query()
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, "id", q.Get("client_id"))
	assert.Equal(t, "https://app.example.com/cb", q.Get("redirect_uri"))
	assert.Equal(t, "read write", q.Get("scope"))
	assert.Equal(t, "st4te", q.Get("state"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.Len(t, q.Get("code_challenge"), 43)
	assert.NotContains(t, raw, v, "the verifier itself never goes in the URL")
	assert.Equal(t, "consent", q.Get("prompt"))

	_, err = c.AuthCodeURL("")
	assert.Error(t, err, "empty state")
}

// The authorize endpoint of the fake, driven by a plain HTTP client playing
// the browser, gives a code that the client exchanges with PKCE.
func TestAuthorizeRoundTripWithFake(t *testing.T) {
	t.Parallel()
	fake, c := setup(t, nil, nil)
	v := client.GenerateVerifier()
	raw, err := c.AuthCodeURL("xyz", client.WithPKCE(v))
	require.NoError(t, err)
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(raw)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(loc.String(), redirect))
	assert.Equal(t, "xyz", loc.Query().Get("state"))
	_, err = c.ExchangeCode(context.Background(), loc.Query().Get("code"), client.WithCodeVerifier(v))
	require.NoError(t, err)
	assert.Equal(t, 1, fake.Stats().CodeExchanges)
}

func TestAuthCodeURLWithoutEndpoint(t *testing.T) {
	t.Parallel()
	p, err := providers.New(providers.Spec{Name: "noauth", TokenURL: "https://a.example.com/token"})
	require.NoError(t, err)
	c, err := client.New(client.Config{Provider: p, ClientID: "id"})
	require.NoError(t, err)
	_, err = c.AuthCodeURL("state")
	assert.ErrorContains(t, err, "no authorization endpoint")
}

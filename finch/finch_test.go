package finch_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/providertest"
)

const redirect = "http://127.0.0.1:8787/callback"

// setup starts a Finch fake and a client for it.
func setup(t *testing.T, clientOpts ...client.Option) (*providertest.Finch, *finch.Client) {
	t.Helper()
	fake := providertest.NewFinch()
	t.Cleanup(fake.Close)
	opts := append([]client.Option{client.WithRetryWait(time.Millisecond, 20*time.Millisecond)}, clientOpts...)
	c, err := finch.New(finch.Config{
		ClientID:     fake.ClientID,
		ClientSecret: fake.ClientSecret,
		RedirectURL:  redirect,
		BaseURL:      fake.URL,
		ConnectURL:   fake.ConnectURL,
	}, opts...)
	require.NoError(t, err)
	return fake, c
}

func TestExchangeCode(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	code := fake.IssueCodeFor(redirect, providertest.FinchConnection{
		ConnectionID: "conn_1", CustomerID: "cust_9", CompanyID: "comp_1", AccountID: "acct_1",
		ProviderID: "adp_run", ClientType: "production", ConnectionType: "finch",
		Products: []string{"company", "directory", "pay_statement"}, EntityIDs: []string{"ent_1", "ent_2"},
	})
	s, err := c.ExchangeCode(context.Background(), code)
	require.NoError(t, err)

	assert.Equal(t, "finch", s.Provider)
	assert.Equal(t, "conn_1", s.Subject)
	assert.Equal(t, "finch:conn_1", s.ID)
	assert.Equal(t, "Bearer", s.TokenType)
	assert.True(t, s.Expiry.IsZero(), "Finch tokens never expire")
	assert.True(t, s.NeverExpires())
	assert.Empty(t, s.RefreshToken)
	assert.False(t, s.CanRefresh(time.Now()))
	assert.True(t, s.ValidAt(time.Now().Add(100*365*24*time.Hour), 0))
	assert.True(t, fake.AccessTokenValid(s.AccessToken))

	want := finch.Connection{
		ConnectionID: "conn_1", CustomerID: "cust_9", CompanyID: "comp_1", AccountID: "acct_1",
		ProviderID: "adp_run", ClientType: "production", ConnectionType: "finch",
		Products: []string{"company", "directory", "pay_statement"}, EntityIDs: []string{"ent_1", "ent_2"},
	}
	assert.Equal(t, want, finch.ConnectionOf(s))
	assert.Equal(t, "conn_1", finch.ConnectionID(s))
	assert.Equal(t, "cust_9", finch.CustomerID(s))
	assert.Equal(t, "comp_1", finch.CompanyID(s))
	assert.Equal(t, "adp_run", finch.ProviderID(s))
	assert.Equal(t, "production", finch.ClientType(s))
	assert.Equal(t, "finch", finch.ConnectionType(s))
	assert.Equal(t, []string{"company", "directory", "pay_statement"}, finch.Products(s))
	assert.Equal(t, []string{"ent_1", "ent_2"}, finch.EntityIDs(s))

	// The connection details survive the storage encoding.
	b, err := json.Marshal(s)
	require.NoError(t, err)
	var back client.Session
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, want, finch.ConnectionOf(&back))
	assert.True(t, back.NeverExpires())

	assert.Equal(t, providertest.FinchStats{Requests: 1, TokenRequests: 1, CodeExchanges: 1}, fake.Stats())
}

func TestExchangeCodeWithoutCustomerID(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	s, err := c.ExchangeCode(context.Background(), fake.IssueCode(redirect, "company"))
	require.NoError(t, err)
	assert.Empty(t, finch.CustomerID(s), "customer_id is null")
	assert.Equal(t, []string{"company"}, finch.Products(s))
	assert.NotEmpty(t, finch.ConnectionID(s))
}

func TestConnectionOfOtherSessions(t *testing.T) {
	t.Parallel()
	assert.Equal(t, finch.Connection{}, finch.ConnectionOf(nil))
	assert.Equal(t, finch.Connection{}, finch.ConnectionOf(&client.Session{Provider: "generic", Subject: "x"}))
	assert.Equal(t, "conn_x", finch.ConnectionID(&client.Session{Provider: "finch", Subject: "conn_x"}))
}

// The popup flow sends no redirect_uri; the fake requires it to be absent
// for a code issued without one, and present and equal otherwise.
func TestRedirectURIOnlyWhenGiven(t *testing.T) {
	t.Parallel()
	fake := providertest.NewFinch()
	t.Cleanup(fake.Close)
	noRedirect, err := client.New(client.Config{Provider: finch.Provider(finch.WithBaseURL(fake.URL)),
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret})
	require.NoError(t, err)
	ctx := context.Background()

	_, err = noRedirect.ExchangeCode(ctx, fake.IssueCode("", "company"))
	require.NoError(t, err)

	_, err = noRedirect.ExchangeCode(ctx, fake.IssueCode(redirect, "company"))
	require.ErrorIs(t, err, client.ErrReauthorize)

	_, err = noRedirect.ExchangeCode(ctx, fake.IssueCode(redirect, "company"), client.WithRedirectURL(redirect))
	require.NoError(t, err)
}

// capture records the one request a test server receives and answers it.
type capture struct {
	mu     sync.Mutex
	method string
	path   string
	header http.Header
	body   string
	reply  string
	status int
}

func (cp *capture) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cp.mu.Lock()
		cp.method, cp.path, cp.header, cp.body = r.Method, r.URL.RequestURI(), r.Header.Clone(), string(b)
		cp.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if cp.status != 0 {
			w.WriteHeader(cp.status)
		}
		_, _ = io.WriteString(w, cp.reply)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTokenRequestBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		opts        []finch.Option
		redirect    string
		wantBody    map[string]string
		wantVersion string
	}{
		{
			name:        "redirect flow",
			redirect:    redirect,
			wantBody:    map[string]string{"client_id": "id", "client_secret": "sec", "code": "the-code", "redirect_uri": redirect},
			wantVersion: "2020-09-17",
		},
		{
			name:        "popup flow without redirect_uri",
			wantBody:    map[string]string{"client_id": "id", "client_secret": "sec", "code": "the-code"},
			wantVersion: "2020-09-17",
		},
		{
			name:        "configured API version",
			opts:        []finch.Option{finch.WithAPIVersion("2024-01-01")},
			wantBody:    map[string]string{"client_id": "id", "client_secret": "sec", "code": "the-code"},
			wantVersion: "2024-01-01",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &capture{reply: `{"access_token":"tok","token_type":"bearer","connection_id":"c1","products":["company"]}`}
			srv := cp.server(t)
			c, err := client.New(client.Config{
				Provider: finch.Provider(append([]finch.Option{finch.WithBaseURL(srv.URL + "/")}, tt.opts...)...),
				ClientID: "id", ClientSecret: "sec", RedirectURL: tt.redirect,
			})
			require.NoError(t, err)
			_, err = c.ExchangeCode(context.Background(), "the-code")
			require.NoError(t, err)

			cp.mu.Lock()
			defer cp.mu.Unlock()
			assert.Equal(t, http.MethodPost, cp.method)
			assert.Equal(t, "/auth/token", cp.path)
			assert.Equal(t, "application/json", cp.header.Get("Content-Type"))
			assert.Equal(t, tt.wantVersion, cp.header.Get("Finch-API-Version"))
			assert.Empty(t, cp.header.Get("Authorization"))
			var got map[string]string
			require.NoError(t, json.Unmarshal([]byte(cp.body), &got), cp.body)
			assert.Equal(t, tt.wantBody, got)
			assert.NotContains(t, cp.body, "grant_type")
		})
	}
}

// An answer that (unlike Finch) carries expires_in or a refresh token
// still gives a never-expiring session that is never refreshed.
func TestNeverExpiresWhateverTheAnswer(t *testing.T) {
	t.Parallel()
	cp := &capture{reply: `{"access_token":"tok","token_type":"bearer","connection_id":"c1","expires_in":60,"refresh_token":"rt"}`}
	srv := cp.server(t)
	c, err := client.New(client.Config{Provider: finch.Provider(finch.WithBaseURL(srv.URL)), ClientID: "id", ClientSecret: "sec"})
	require.NoError(t, err)
	s, err := c.ExchangeCode(context.Background(), "code")
	require.NoError(t, err)
	assert.True(t, s.Expiry.IsZero())
	assert.Empty(t, s.RefreshToken)
	assert.Equal(t, "c1", s.Subject)
}

func TestRefreshIsRefused(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	ctx := context.Background()
	s, err := c.ExchangeCode(ctx, fake.IssueCode(redirect, "company"))
	require.NoError(t, err)
	before := fake.Stats().Requests

	_, err = c.TokenClient().Refresh(ctx, s)
	require.Error(t, err, "a session without refresh token cannot be refreshed")

	// Even a session that somehow carries a refresh token is not sent.
	withRT := s.Clone()
	withRT.RefreshToken = "rt-from-elsewhere"
	_, err = c.TokenClient().Refresh(ctx, withRT)
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "never expire and cannot be refreshed")
	assert.NotContains(t, err.Error(), "rt-from-elsewhere")

	_, err = c.TokenClient().ExchangeToken(ctx, client.TokenExchangeRequest{SubjectToken: "x", SubjectTokenType: client.TokenTypeAccessToken})
	require.ErrorIs(t, err, client.ErrInvalidRequest)

	assert.Equal(t, before, fake.Stats().Requests, "nothing was sent")
	assert.True(t, fake.AccessTokenValid(s.AccessToken))
}

func TestUnsupportedExchangeOptions(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	ctx := context.Background()
	_, err := c.TokenClient().ExchangeCode(ctx, fake.IssueCode(redirect), client.WithCodeVerifier(client.GenerateVerifier()))
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "PKCE")
	_, err = c.TokenClient().ExchangeCode(ctx, fake.IssueCode(redirect), client.WithScopes("company"))
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	assert.Equal(t, 0, fake.Stats().Requests)
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	const secret = "SENTINEL-client-secret-0123456789"
	tests := []struct {
		name       string
		fault      *providertest.Fault
		code       func(f *providertest.Finch) string
		secret     string
		wantKind   error
		wantStatus int
		wantCode   string
		wantRetry  time.Duration
	}{
		{
			name: "invalid_grant_error from the fake (unknown code)", code: func(*providertest.Finch) string { return "SENTINEL-code-unknown" },
			wantKind: client.ErrReauthorize, wantStatus: 400, wantCode: "invalid_grant_error",
		},
		{
			name: "invalid_client_error from the fake (wrong secret)", secret: secret + "-wrong",
			wantKind: client.ErrInvalidClient, wantStatus: 401, wantCode: "invalid_client_error",
		},
		{
			name:     "reauthenticate_user as finch_code",
			fault:    ptr(providertest.FinchError(401, "authentication_error", "reauthenticate_user", "The user must reauthenticate")),
			wantKind: client.ErrReauthorize, wantStatus: 401, wantCode: "reauthenticate_user",
		},
		{
			name:     "reauthenticate_user as name",
			fault:    ptr(providertest.FinchError(401, "reauthenticate_user", "", "reconnect")),
			wantKind: client.ErrReauthorize, wantStatus: 401, wantCode: "reauthenticate_user",
		},
		{
			name:     "invalid_grant_error with an unknown finch_code",
			fault:    ptr(providertest.FinchError(400, "invalid_grant_error", "code_expired", "expired")),
			wantKind: client.ErrReauthorize, wantStatus: 400, wantCode: "invalid_grant_error",
		},
		{
			name:     "rate limited with Retry-After",
			fault:    ptr(providertest.FinchRateLimited("30")),
			wantKind: client.ErrRateLimited, wantStatus: 429, wantCode: "rate_limit_exceeded_error", wantRetry: 30 * time.Second,
		},
		{
			name:     "unknown Finch error",
			fault:    ptr(providertest.FinchError(400, "invalid_request_error", "", "bad")),
			wantKind: client.ErrInvalidRequest, wantStatus: 400, wantCode: "invalid_request_error",
		},
		{
			name:     "HTML page",
			fault:    ptr(providertest.HTMLPage(502)),
			wantKind: client.ErrTransient, wantStatus: 502,
		},
		{
			name:     "200 without access_token",
			fault:    ptr(providertest.Raw(200, "application/json", `{"token_type":"bearer","connection_id":"c"}`)),
			wantKind: client.ErrBadResponse, wantStatus: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := providertest.NewFinch(providertest.WithFinchCredentials("id", secret))
			t.Cleanup(fake.Close)
			sec := secret
			if tt.secret != "" {
				sec = tt.secret
			}
			c, err := client.New(client.Config{Provider: finch.Provider(finch.WithBaseURL(fake.URL)),
				ClientID: "id", ClientSecret: sec, RedirectURL: redirect},
				client.WithRetryWait(time.Millisecond, 10*time.Millisecond))
			require.NoError(t, err)
			if tt.fault != nil {
				fake.Fail(*tt.fault)
			}
			code := fake.IssueCode(redirect)
			if tt.code != nil {
				code = tt.code(fake)
			}
			_, err = c.ExchangeCode(context.Background(), code)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantKind)
			var e *client.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, "finch", e.Provider)
			assert.Equal(t, tt.wantStatus, e.StatusCode)
			assert.Equal(t, tt.wantCode, e.Code)
			assert.Equal(t, tt.wantRetry, e.RetryAfter)
			for _, v := range []string{secret, code, sec} {
				assert.NotContains(t, err.Error(), v)
				assert.NotContains(t, e.Description, v)
			}
			assert.Equal(t, 1, fake.Stats().TokenRequests, "a code is never sent twice")
		})
	}
}

// A provider echoing the code or secret in its message has it scrubbed.
func TestErrorScrubsEchoedSecrets(t *testing.T) {
	t.Parallel()
	const secret = "SENTINEL-secret-abcdef"
	fake := providertest.NewFinch(providertest.WithFinchCredentials("id", secret))
	t.Cleanup(fake.Close)
	code := fake.IssueCode(redirect)
	fake.Fail(providertest.FinchError(400, "invalid_grant_error", "", "code "+code+" rejected for secret "+secret))
	c, err := client.New(client.Config{Provider: finch.Provider(finch.WithBaseURL(fake.URL)),
		ClientID: "id", ClientSecret: secret, RedirectURL: redirect})
	require.NoError(t, err)
	_, err = c.ExchangeCode(context.Background(), code)
	require.ErrorIs(t, err, client.ErrReauthorize)
	assert.NotContains(t, err.Error(), code)
	assert.NotContains(t, err.Error(), secret)
	assert.Contains(t, err.Error(), "<redacted>")
}

func TestCodeIsSingleUseAndExpires(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake := providertest.NewFinch(providertest.WithClock(clock))
	t.Cleanup(fake.Close)
	c, err := client.New(client.Config{Provider: finch.Provider(finch.WithBaseURL(fake.URL)),
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, RedirectURL: redirect})
	require.NoError(t, err)
	ctx := context.Background()

	code := fake.IssueCode(redirect)
	_, err = c.ExchangeCode(ctx, code)
	require.NoError(t, err)
	_, err = c.ExchangeCode(ctx, code)
	require.ErrorIs(t, err, client.ErrReauthorize)
	assert.Equal(t, 1, fake.Stats().ReusedCodes)

	old := fake.IssueCode(redirect)
	mu.Lock()
	now = now.Add(providertest.FinchCodeLifetime)
	mu.Unlock()
	_, err = c.ExchangeCode(ctx, old)
	require.ErrorIs(t, err, client.ErrReauthorize)
	assert.Contains(t, err.Error(), "expired")
}

func TestProviderValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []finch.Option
		want string
	}{
		{"plain http base", []finch.Option{finch.WithBaseURL("http://api.example.com")}, "plain http"},
		{"empty base", []finch.Option{finch.WithBaseURL("")}, "base URL"},
		{"plain http connect", []finch.Option{finch.WithConnectURL("http://connect.example.com/authorize")}, "Connect URL"},
		{"empty API version", []finch.Option{finch.WithAPIVersion("")}, "API version"},
		{"header injection", []finch.Option{finch.WithAPIVersion("2020-09-17\r\nX: y")}, "API version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := client.New(client.Config{Provider: finch.Provider(tt.opts...), ClientID: "id"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	p := finch.Provider()
	assert.Equal(t, "finch", p.Name())
	_, err := client.New(client.Config{Provider: p, ClientID: "id"})
	require.NoError(t, err)
}

func TestDisconnectAndIntrospect(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	ctx := context.Background()
	code := fake.IssueCodeFor(redirect, providertest.FinchConnection{ConnectionID: "conn_7", CustomerID: "cust_7",
		Products: []string{"company", "payment"}})
	s, err := c.ExchangeCode(ctx, code)
	require.NoError(t, err)

	info, err := c.Introspect(ctx, s)
	require.NoError(t, err)
	assert.Equal(t, fake.ClientID, info.ClientID)
	assert.Equal(t, "conn_7", info.ConnectionID)
	assert.Equal(t, "cust_7", info.CustomerID)
	assert.Equal(t, []string{"company", "payment"}, info.Products)
	assert.Equal(t, "connected", info.ConnectionStatus.Status)
	assert.False(t, info.NeedsReauthentication())
	require.Len(t, info.AuthenticationMethods, 1)
	assert.Equal(t, "credential", info.AuthenticationMethods[0].Type)

	require.NoError(t, c.Disconnect(ctx, s))
	assert.False(t, fake.AccessTokenValid(s.AccessToken))
	assert.Equal(t, 1, fake.Stats().Disconnects)

	// The token is dead now: both calls say so.
	err = c.Disconnect(ctx, s)
	require.ErrorIs(t, err, client.ErrReauthorize)
	assert.NotContains(t, err.Error(), s.AccessToken)
	_, err = c.Introspect(ctx, s)
	require.ErrorIs(t, err, client.ErrReauthorize)
	var e *client.Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, 401, e.StatusCode)
	assert.Equal(t, "finch", e.Provider)
}

// The Bearer calls as Finch documents them: POST /disconnect and GET
// /introspect carry no body (DisconnectEntities' is in
// TestDisconnectEntitiesRequestBody), the token as Bearer, the API
// version.
func TestAPICallRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, reply string
		call                      func(c *finch.Client, s *client.Session) error
	}{
		{"disconnect", http.MethodPost, "/disconnect", `{"status":"success"}`,
			func(c *finch.Client, s *client.Session) error { return c.Disconnect(context.Background(), s) }},
		{"introspect", http.MethodGet, "/introspect", `{"connection_id":"c","connection_status":{"status":"reauth","message":"password changed"}}`,
			func(c *finch.Client, s *client.Session) error {
				info, err := c.Introspect(context.Background(), s)
				if err == nil && (!info.NeedsReauthentication() || info.ConnectionStatus.Message != "password changed") {
					return errors.New("introspection not decoded")
				}
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &capture{reply: tt.reply}
			srv := cp.server(t)
			c, err := finch.New(finch.Config{ClientID: "id", ClientSecret: "sec", BaseURL: srv.URL, APIVersion: "2021-01-01"})
			require.NoError(t, err)
			require.NoError(t, tt.call(c, &client.Session{Provider: "finch", AccessToken: "the-token"}))
			cp.mu.Lock()
			defer cp.mu.Unlock()
			assert.Equal(t, tt.method, cp.method)
			assert.Equal(t, tt.path, cp.path)
			assert.Equal(t, "Bearer the-token", cp.header.Get("Authorization"))
			assert.Equal(t, "2021-01-01", cp.header.Get("Finch-API-Version"))
			assert.Empty(t, cp.body, "Finch documents no body")
			assert.Empty(t, cp.header.Get("Content-Type"))
		})
	}
}

func TestAPICallFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    providertest.Fault
		call     string
		wantKind error
		wantCode string
	}{
		{"disconnect not success", providertest.Raw(200, "application/json", `{"status":"pending"}`), "disconnect", client.ErrBadResponse, ""},
		{"disconnect HTML", providertest.HTMLPage(200), "disconnect", client.ErrBadResponse, ""},
		{"introspect rate limited", providertest.FinchRateLimited("3600"), "introspect", client.ErrRateLimited, "rate_limit_exceeded_error"},
		{"introspect reauthenticate", providertest.FinchError(401, "authentication_error", "reauthenticate_user", "x"), "introspect", client.ErrReauthorize, "reauthenticate_user"},
		{"introspect malformed", providertest.Raw(200, "application/json", `{"products":"not-a-list"}`), "introspect", client.ErrBadResponse, ""},
		{"disconnect server error", providertest.ServerError(500), "disconnect", client.ErrTransient, "server_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake, c := setup(t, client.WithRetryMax(0))
			ctx := context.Background()
			s, err := c.ExchangeCode(ctx, fake.IssueCode(redirect))
			require.NoError(t, err)
			fake.Fail(tt.fault)
			if tt.call == "disconnect" {
				err = c.Disconnect(ctx, s)
			} else {
				_, err = c.Introspect(ctx, s)
			}
			require.ErrorIs(t, err, tt.wantKind)
			var e *client.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tt.wantCode, e.Code)
			assert.Equal(t, "finch", e.Provider)
			assert.NotContains(t, err.Error(), s.AccessToken)
		})
	}
}

// Introspect is a GET: a 503 is retried; Disconnect after a rate limit is
// too (429 means Finch did not act).
func TestAPICallRetries(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	ctx := context.Background()
	s, err := c.ExchangeCode(ctx, fake.IssueCode(redirect))
	require.NoError(t, err)
	fake.Fail(providertest.Unavailable("0"))
	_, err = c.Introspect(ctx, s)
	require.NoError(t, err)
	fake.Fail(providertest.FinchRateLimited("0"))
	require.NoError(t, c.Disconnect(ctx, s))
}

func TestAPICallMisuse(t *testing.T) {
	t.Parallel()
	c, err := finch.New(finch.Config{ClientID: "id"})
	require.NoError(t, err)
	ctx := context.Background()
	require.ErrorIs(t, c.Disconnect(ctx, nil), client.ErrInvalidRequest)
	require.ErrorIs(t, c.Disconnect(ctx, &client.Session{}), client.ErrInvalidRequest)
	//lint:ignore SA1012 a nil context is the misuse under test
	_, err = c.Introspect(nil, &client.Session{AccessToken: "x"})
	require.ErrorIs(t, err, client.ErrInvalidRequest)
}

func TestConnectURL(t *testing.T) {
	t.Parallel()
	base := finch.ConnectParams{ClientID: "cid", RedirectURL: redirect, Products: []string{"company", "directory"}, State: "st4te"}
	tests := []struct {
		name    string
		mod     func(p *finch.ConnectParams)
		opts    []finch.Option
		want    url.Values
		host    string
		wantErr string
	}{
		{
			name: "defaults",
			want: url.Values{"client_id": {"cid"}, "products": {"company directory"}, "redirect_uri": {redirect}, "state": {"st4te"}},
			host: "connect.tryfinch.com",
		},
		{
			name: "sandbox and extra",
			mod: func(p *finch.ConnectParams) {
				p.Sandbox = finch.SandboxFinch
				p.Extra = url.Values{"payroll_provider": {"gusto"}, "state": {"ignored"}}
			},
			want: url.Values{"client_id": {"cid"}, "products": {"company directory"}, "redirect_uri": {redirect},
				"state": {"st4te"}, "sandbox": {"finch"}, "payroll_provider": {"gusto"}},
			host: "connect.tryfinch.com",
		},
		{
			name: "own connect URL",
			opts: []finch.Option{finch.WithConnectURL("https://connect.example.com/authorize")},
			want: url.Values{"client_id": {"cid"}, "products": {"company directory"}, "redirect_uri": {redirect}, "state": {"st4te"}},
			host: "connect.example.com",
		},
		{name: "no state", mod: func(p *finch.ConnectParams) { p.State = "" }, wantErr: "state"},
		{name: "no products", mod: func(p *finch.ConnectParams) { p.Products = nil }, wantErr: "product"},
		{name: "product with space", mod: func(p *finch.ConnectParams) { p.Products = []string{"a b"} }, wantErr: "product"},
		{name: "no redirect", mod: func(p *finch.ConnectParams) { p.RedirectURL = "" }, wantErr: "redirect"},
		{name: "no client", mod: func(p *finch.ConnectParams) { p.ClientID = "" }, wantErr: "client id"},
		{name: "bad sandbox", mod: func(p *finch.ConnectParams) { p.Sandbox = "true" }, wantErr: "Sandbox"},
		{name: "plain http", opts: []finch.Option{finch.WithConnectURL("http://connect.example.com/")}, wantErr: "plain http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base
			if tt.mod != nil {
				tt.mod(&p)
			}
			got, err := finch.ConnectURL(p, tt.opts...)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			u, err := url.Parse(got)
			require.NoError(t, err)
			assert.Equal(t, "https", u.Scheme)
			assert.Equal(t, tt.host, u.Host)
			assert.Equal(t, "/authorize", u.Path)
			assert.Equal(t, tt.want, u.Query())
			assert.Contains(t, got, "products=company+directory")
		})
	}
	c, err := finch.New(finch.Config{ClientID: "cid"})
	require.NoError(t, err)
	_, err = c.ConnectURL(finch.ConnectParams{ClientID: "other", RedirectURL: "x", Products: []string{"a"}, State: "s"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "differs")
}

func ptr[T any](v T) *T { return &v }

package passport_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/providertest"
)

const redirect = "http://127.0.0.1:8788/callback"

// clock is a settable clock shared by a fake and a client.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

type env struct {
	fake  *providertest.Passport
	c     *passport.Client
	clock *clock
	trips *atomic.Int64 // requests through the client's *http.Client
}

// countingTransport counts requests, to show which *http.Client was used.
type countingTransport struct{ n *atomic.Int64 }

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func setup(t *testing.T, opts ...client.Option) *env {
	t.Helper()
	clk := newClock()
	fake := providertest.NewPassport(providertest.WithClock(clk.Now))
	t.Cleanup(fake.Close)
	trips := &atomic.Int64{}
	all := append([]client.Option{
		client.WithClock(clk.Now),
		client.WithHTTPClient(&http.Client{Transport: countingTransport{trips}, Timeout: 10 * time.Second}),
		client.WithRetryWait(time.Millisecond, 20*time.Millisecond),
	}, opts...)
	c, err := passport.New(passport.Config{
		BaseURL: fake.URL, ClientID: fake.ClientID,
		ClientSecret: fake.ClientSecret, RedirectURL: redirect, Scopes: []string{"openid", "email"},
	}, all...)
	require.NoError(t, err)
	return &env{fake: fake, c: c, clock: clk, trips: trips}
}

func TestExchangeCode(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusCreated, http.StatusOK} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.fake.SetSuccessStatus(status)
			sub := providertest.NewSubject()
			s, err := e.c.ExchangeCode(context.Background(), e.fake.IssueCode(sub, "openid", "email"))
			require.NoError(t, err)
			assert.Equal(t, "passport", s.Provider)
			assert.Equal(t, sub, s.Subject)
			assert.Equal(t, "passport:"+sub, s.ID)
			assert.Equal(t, "Bearer", s.TokenType)
			assert.NotEmpty(t, s.RefreshToken)
			assert.NotEmpty(t, s.IDToken)
			assert.Equal(t, []string{"openid", "email"}, s.Scopes)
			assert.Equal(t, e.clock.Now().Add(time.Hour), s.Expiry, "Expiry is the access token's exp")
			assert.True(t, e.fake.AccessTokenValid(s.AccessToken))
			assert.Equal(t, 1, e.fake.Stats().CodeExchanges)
		})
	}
}

// capture records requests to a test server and answers with reply.
type capture struct {
	mu     sync.Mutex
	forms  []url.Values
	ctypes []string
	reply  string
	status int
}

func (cp *capture) server(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		cp.mu.Lock()
		cp.forms = append(cp.forms, form)
		cp.ctypes = append(cp.ctypes, r.Header.Get("Content-Type"))
		reply, status := cp.reply, cp.status
		cp.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTokenRequestBodies(t *testing.T) {
	t.Parallel()
	cp := &capture{status: 201, reply: `{"token_type":"Bearer","access_token":"opaque","refresh_token":"rt","id_token":"x.y.z"}`}
	srv := cp.server(t)
	c, err := passport.New(passport.Config{BaseURL: srv.URL,
		ClientID: "cid", ClientSecret: "csec", RedirectURL: redirect})
	require.NoError(t, err)
	ctx := context.Background()

	s, err := c.ExchangeCode(ctx, "the-code")
	require.NoError(t, err)
	_, err = c.ExchangeCode(ctx, "code-2", client.WithCodeVerifier("the-verifier"))
	require.NoError(t, err)
	_, err = c.Refresh(ctx, s)
	require.NoError(t, err)

	cp.mu.Lock()
	defer cp.mu.Unlock()
	require.Len(t, cp.forms, 3)
	for _, ct := range cp.ctypes {
		assert.Equal(t, "application/x-www-form-urlencoded", ct)
	}
	assert.Equal(t, url.Values{"client_id": {"cid"}, "client_secret": {"csec"}, "grant_type": {"authorization_code"},
		"code": {"the-code"}}, cp.forms[0], "code, not exchange_code; no redirect_uri")
	assert.Equal(t, url.Values{"client_id": {"cid"}, "client_secret": {"csec"}, "grant_type": {"authorization_code"},
		"code": {"code-2"}, "code_verifier": {"the-verifier"}}, cp.forms[1])
	assert.Equal(t, url.Values{"client_id": {"cid"}, "client_secret": {"csec"}, "grant_type": {"refresh_token"},
		"refresh_token": {"rt"}}, cp.forms[2])
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fake := providertest.NewPassport()
	t.Cleanup(fake.Close)
	jwt := fake.SignJWT(map[string]any{"sub": "s", "exp": now.Add(50 * time.Minute).Unix()})
	tests := []struct {
		name  string
		reply string
		want  time.Time
	}{
		{"JWT exp", `{"token_type":"Bearer","access_token":"` + jwt + `"}`, now.Add(50 * time.Minute)},
		{"opaque token: one hour", `{"token_type":"Bearer","access_token":"opaque"}`, now.Add(time.Hour)},
		{"JWT without exp: one hour", `{"token_type":"Bearer","access_token":"` + fake.SignJWT(map[string]any{"sub": "s"}) + `"}`, now.Add(time.Hour)},
		{"expires_in wins if ever sent", `{"token_type":"Bearer","access_token":"` + jwt + `","expires_in":60}`, now.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &capture{status: 200, reply: tt.reply}
			srv := cp.server(t)
			c, err := passport.New(passport.Config{BaseURL: srv.URL, ClientID: "c"},
				client.WithClock(func() time.Time { return now }))
			require.NoError(t, err)
			s, err := c.ExchangeCode(context.Background(), "code")
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(s.Expiry), "want %v, got %v", tt.want, s.Expiry)
		})
	}
}

func TestRefreshKeepsRefreshTokenAndIDToken(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	s, err := e.c.ExchangeCode(ctx, e.fake.IssueCode("", "openid"))
	require.NoError(t, err)

	e.clock.Add(59 * time.Minute)
	s2, err := e.c.Refresh(ctx, s)
	require.NoError(t, err)
	assert.NotEqual(t, s.AccessToken, s2.AccessToken)
	assert.Equal(t, s.RefreshToken, s2.RefreshToken, "not rotated: the old refresh token is kept")
	assert.Equal(t, s.IDToken, s2.IDToken, "the id_token is kept")
	assert.Equal(t, s.Subject, s2.Subject)
	assert.Equal(t, s.ID, s2.ID)
	assert.Equal(t, e.clock.Now().Add(time.Hour), s2.Expiry)

	// Passport does not rotate: the same refresh token works again.
	s3, err := e.c.Refresh(ctx, s)
	require.NoError(t, err)
	assert.Equal(t, s.RefreshToken, s3.RefreshToken)
	assert.Equal(t, 2, e.fake.Stats().Refreshes)
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      *providertest.Fault
		secret     string
		code       func(e *env) string
		refresh    bool
		advance    time.Duration
		verifier   string
		wantKind   error
		wantStatus int
		wantCode   string
		wantDesc   string
	}{
		{name: "bad client credentials", secret: "wrong-secret", wantKind: client.ErrInvalidClient, wantStatus: 400,
			wantCode: "BAD_REQUEST", wantDesc: "invalid client credentials"},
		{name: "invalid code", code: func(*env) string { return "SENTINEL-unknown-code" }, wantKind: client.ErrReauthorize,
			wantStatus: 401, wantCode: "UNAUTHORIZED", wantDesc: "invalid code"},
		{name: "expired code", advance: providertest.PassportCodeLifetime, wantKind: client.ErrReauthorize,
			wantStatus: 401, wantCode: "UNAUTHORIZED", wantDesc: "expired code"},
		{name: "PKCE mismatch", verifier: "wrong-verifier-wrong-verifier-wrong-verifier",
			code: func(e *env) string {
				return e.fake.IssueCodeWithPKCE("right-verifier-right-verifier-right-verifier", "")
			},
			wantKind: client.ErrReauthorize, wantStatus: 401, wantCode: "UNAUTHORIZED", wantDesc: "invalid code verifier"},
		{name: "invalid refresh token", refresh: true, wantKind: client.ErrReauthorize, wantStatus: 401,
			wantCode: "UNAUTHORIZED", wantDesc: "invalid refresh token"},
		{name: "missing field", fault: ptr(providertest.RollupError(400, "BAD_REQUEST", "missing code")),
			wantKind: client.ErrInvalidRequest, wantStatus: 400, wantCode: "BAD_REQUEST"},
		{name: "unrecognized 401", fault: ptr(providertest.RollupError(401, "UNAUTHORIZED", "nope")),
			wantKind: client.ErrInvalidClient, wantStatus: 401, wantCode: "UNAUTHORIZED"},
		{name: "rate limited", fault: ptr(providertest.RateLimited("60")), wantKind: client.ErrRateLimited, wantStatus: 429,
			wantCode: "rate_limited"},
		{name: "HTML", fault: ptr(providertest.HTMLPage(502)), wantKind: client.ErrTransient, wantStatus: 502},
		{name: "202 is not success", fault: ptr(providertest.Raw(202, "application/json", `{"token_type":"Bearer","access_token":"x"}`)),
			wantKind: client.ErrBadResponse, wantStatus: 202},
		{name: "201 without access_token", fault: ptr(providertest.Raw(201, "application/json", `{"token_type":"Bearer"}`)),
			wantKind: client.ErrBadResponse, wantStatus: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			const secret = "SENTINEL-passport-secret-42"
			fake := providertest.NewPassport(providertest.WithPassportCredentials("cid", secret), providertest.WithClock(clk.Now))
			t.Cleanup(fake.Close)
			sec := secret
			if tt.secret != "" {
				sec = tt.secret
			}
			c, err := passport.New(passport.Config{BaseURL: fake.URL, ClientID: "cid", ClientSecret: sec},
				client.WithClock(clk.Now), client.WithRetryWait(time.Millisecond, 10*time.Millisecond))
			require.NoError(t, err)
			e := &env{fake: fake, c: c, clock: clk}
			code := fake.IssueCode("")
			if tt.code != nil {
				code = tt.code(e)
			}
			clk.Add(tt.advance)
			if tt.fault != nil {
				fake.Fail(*tt.fault)
			}
			var opts []client.ExchangeOption
			if tt.verifier != "" {
				opts = append(opts, client.WithCodeVerifier(tt.verifier))
			}
			if tt.refresh {
				_, err = c.Refresh(context.Background(), &client.Session{ID: "passport:x", RefreshToken: "SENTINEL-refresh-token"})
			} else {
				_, err = c.ExchangeCode(context.Background(), code, opts...)
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantKind)
			var ce *client.Error
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, "passport", ce.Provider)
			assert.Equal(t, tt.wantStatus, ce.StatusCode)
			assert.Equal(t, tt.wantCode, ce.Code)
			if tt.wantDesc != "" {
				assert.Equal(t, tt.wantDesc, ce.Description)
			}
			for _, v := range []string{secret, code, "SENTINEL-refresh-token", tt.verifier} {
				if v != "" {
					assert.NotContains(t, err.Error(), v)
				}
			}
			assert.Equal(t, 1, fake.Stats().Requests, "a grant is never sent twice")
		})
	}
}

func TestUnsupportedRequests(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	_, err := e.c.TokenClient().ExchangeToken(ctx, client.TokenExchangeRequest{SubjectToken: "x", SubjectTokenType: client.TokenTypeIDToken})
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	_, err = e.c.ExchangeCode(ctx, e.fake.IssueCode(""), client.WithScopes("email"))
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	assert.Equal(t, 0, e.fake.Stats().Requests)
}

func TestProviderValidation(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]passport.Option{
		"plain http base":   {passport.WithBaseURL("http://passport.example.com")},
		"plain http issuer": {passport.WithIssuer("http://passport.example.com")},
		"empty base":        {passport.WithBaseURL("")},
	} {
		_, err := client.New(client.Config{Provider: passport.Provider(opts...), ClientID: "id"})
		assert.Error(t, err, name)
	}
	_, err := client.New(client.Config{Provider: passport.Provider(), ClientID: "id"})
	require.NoError(t, err)
}

func TestVerifyIDToken(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	v, err := e.c.NewVerifier(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, e.fake.Stats().Discovery)
	assert.Positive(t, e.trips.Load(), "discovery went through the client's *http.Client")

	sub := providertest.NewSubject()
	s, err := e.c.ExchangeCode(ctx, e.fake.IssueCode(sub, "openid", "email"))
	require.NoError(t, err)
	before := e.trips.Load()
	idt, err := v.VerifySession(ctx, s)
	require.NoError(t, err)
	assert.Equal(t, sub, idt.Subject)
	assert.Equal(t, e.fake.URL, idt.Issuer)
	assert.Equal(t, []string{e.fake.ClientID}, idt.Audience)
	assert.Equal(t, e.clock.Now().Add(time.Hour), idt.Expiry)
	assert.Equal(t, "test.user@example.com", idt.Email)
	assert.Equal(t, "Test User", idt.Name)
	var claims map[string]any
	require.NoError(t, idt.Claims(&claims))
	assert.Equal(t, sub, claims["sub"])
	assert.Equal(t, 1, e.fake.Stats().JWKS)
	assert.Greater(t, e.trips.Load(), before, "the JWKS fetch went through the client's *http.Client")

	// Keys are cached.
	_, err = v.Verify(ctx, e.fake.MintIDToken("", providertest.IDTokenValid))
	require.NoError(t, err)
	assert.Equal(t, 1, e.fake.Stats().JWKS)

	// A session whose Subject is not the token's.
	other := s.Clone()
	other.Subject = "urn:rollupid:account/0xother"
	_, err = v.VerifySession(ctx, other)
	require.ErrorIs(t, err, passport.ErrInvalidIDToken)
}

func TestVerifyIDTokenFailures(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	v, err := e.c.NewVerifier(ctx)
	require.NoError(t, err)
	tests := []struct {
		name   string
		token  func() string
		reason string
	}{
		{"wrong issuer", func() string { return e.fake.MintIDToken("", providertest.IDTokenWrongIssuer) }, "wrong issuer"},
		{"wrong audience", func() string { return e.fake.MintIDToken("", providertest.IDTokenWrongAudience) }, "wrong audience"},
		{"expired", func() string { return e.fake.MintIDToken("", providertest.IDTokenExpired) }, "expired at"},
		{"bad signature", func() string { return e.fake.MintIDToken("", providertest.IDTokenBadSignature) }, "bad signature"},
		{"signed by another key", func() string { return e.fake.MintIDToken("", providertest.IDTokenOtherKey) }, "bad signature"},
		{"alg swapped to HS256", func() string { return e.fake.MintIDToken("", providertest.IDTokenAlgHS256) }, "not ES256"},
		{"alg none", func() string { return e.fake.MintIDToken("", providertest.IDTokenAlgNone) }, "not ES256"},
		{"not a JWT", func() string { return "SENTINEL-not-a-jwt" }, "malformed"},
		{"empty", func() string { return "" }, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := tt.token()
			_, err := v.Verify(ctx, raw)
			require.Error(t, err)
			assert.ErrorIs(t, err, passport.ErrInvalidIDToken)
			var ve *passport.VerifyError
			require.True(t, errors.As(err, &ve))
			assert.Contains(t, ve.Reason, tt.reason, err.Error())
			if raw != "" {
				assert.NotContains(t, err.Error(), raw)
				for _, part := range strings.Split(raw, ".") {
					if len(part) > 8 {
						assert.NotContains(t, err.Error(), part)
					}
				}
			}
		})
	}

	// The client's clock decides expiry: a valid token, two hours later.
	valid := e.fake.MintIDToken("", providertest.IDTokenValid)
	e.clock.Add(2 * time.Hour)
	_, err = v.Verify(ctx, valid)
	require.ErrorIs(t, err, passport.ErrInvalidIDToken)
	assert.Contains(t, err.Error(), "expired")
}

func TestNewVerifierFailures(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()

	// An issuer the discovery document does not name.
	c, err := passport.New(passport.Config{BaseURL: e.fake.URL, Issuer: e.fake.URL + "/other", ClientID: "x"})
	require.NoError(t, err)
	_, err = c.NewVerifier(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "discovery")

	// Discovery pointing keys at a plain-http remote host is refused.
	bad := httptest.NewServer(nil)
	t.Cleanup(bad.Close)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"issuer":"`+srv.URL+`","authorization_endpoint":"`+srv.URL+`/authorize","token_endpoint":"`+
			srv.URL+`/token","jwks_uri":"http://keys.example.com/jwks.json","id_token_signing_alg_values_supported":["ES256"]}`)
	})
	c, err = passport.New(passport.Config{BaseURL: srv.URL, ClientID: "x"})
	require.NoError(t, err)
	_, err = c.NewVerifier(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "jwks_uri")

	// Discovery pointing userinfo (which gets the access token) at a
	// plain-http remote host is refused too.
	mux2 := http.NewServeMux()
	srv2 := httptest.NewServer(mux2)
	t.Cleanup(srv2.Close)
	mux2.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"issuer":"`+srv2.URL+`","authorization_endpoint":"`+srv2.URL+`/authorize","token_endpoint":"`+
			srv2.URL+`/token","jwks_uri":"`+srv2.URL+`/jwks.json","userinfo_endpoint":"http://userinfo.example.com/me","id_token_signing_alg_values_supported":["ES256"]}`)
	})
	c, err = passport.New(passport.Config{BaseURL: srv2.URL, ClientID: "x"})
	require.NoError(t, err)
	_, err = c.NewVerifier(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "userinfo_endpoint")
}

func TestUserinfo(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	sub := providertest.NewSubject()
	s, err := e.c.ExchangeCode(ctx, e.fake.IssueCode(sub, "openid", "email"))
	require.NoError(t, err)

	u, err := e.c.Userinfo(ctx, s)
	require.NoError(t, err)
	assert.Equal(t, sub, u.Subject)
	assert.Equal(t, "test.user@example.com", u.Email)
	assert.Equal(t, "Test User", u.Name)
	var all map[string]any
	require.NoError(t, u.Claims(&all))
	assert.Equal(t, sub, all["sub"])

	v, err := e.c.NewVerifier(ctx)
	require.NoError(t, err)
	u2, err := v.Userinfo(ctx, s)
	require.NoError(t, err)
	assert.Equal(t, u.Subject, u2.Subject)
	assert.Equal(t, 2, e.fake.Stats().Userinfo)

	// Without the email scope there is no email.
	s2, err := e.c.ExchangeCode(ctx, e.fake.IssueCode("", "openid"))
	require.NoError(t, err)
	u3, err := e.c.Userinfo(ctx, s2)
	require.NoError(t, err)
	assert.Empty(t, u3.Email)

	// An access token Passport does not know.
	forged := s.Clone()
	forged.AccessToken = e.fake.SignJWT(map[string]any{"sub": sub, "exp": e.clock.Now().Add(time.Hour).Unix()})
	_, err = e.c.Userinfo(ctx, forged)
	require.ErrorIs(t, err, client.ErrReauthorize)
	assert.NotContains(t, err.Error(), forged.AccessToken)

	// A session for someone else.
	mixed := s2.Clone()
	mixed.Subject = sub
	_, err = e.c.Userinfo(ctx, mixed)
	require.ErrorIs(t, err, client.ErrBadResponse)

	// An expired access token is not sent.
	n := e.fake.Stats().Userinfo
	e.clock.Add(2 * time.Hour)
	_, err = e.c.Userinfo(ctx, s)
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "refresh")
	assert.Equal(t, n, e.fake.Stats().Userinfo)
}

func TestAuthCodeURL(t *testing.T) {
	t.Parallel()
	c, err := passport.New(passport.Config{ClientID: "cid", RedirectURL: redirect,
		Scopes: []string{"email"}})
	require.NoError(t, err)
	tests := []struct {
		name string
		p    passport.AuthParams
		want url.Values
	}{
		{"config scopes get openid", passport.AuthParams{State: "st"},
			url.Values{"client_id": {"cid"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid email"}, "state": {"st"}}},
		{"own scopes", passport.AuthParams{State: "st", Scopes: []string{"profile", "openid"}},
			url.Values{"client_id": {"cid"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"profile openid"}, "state": {"st"}}},
		{"PKCE and nonce", passport.AuthParams{State: "st", Verifier: "v", Nonce: "n", Scopes: []string{"email"}},
			url.Values{"client_id": {"cid"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid email"},
				"state": {"st"}, "nonce": {"n"}, "code_challenge_method": {"S256"},
				"code_challenge": {s256("v")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.AuthCodeURL(tt.p)
			require.NoError(t, err)
			u, err := url.Parse(got)
			require.NoError(t, err)
			assert.Equal(t, "https://passport.rollup.id/authorize", u.Scheme+"://"+u.Host+u.Path)
			assert.Equal(t, tt.want, u.Query())
		})
	}
	_, err = c.AuthCodeURL(passport.AuthParams{})
	require.Error(t, err)
}

// The whole login in a browser: /login (login cookie) → authorize URL with
// PKCE and nonce → (fake) Passport → /callback → exchange → verify the
// id_token → refresh.
func TestLoginEndToEnd(t *testing.T) {
	t.Parallel()
	fake := providertest.NewPassport()
	t.Cleanup(fake.Close)
	state, err := client.NewBrowserState(client.BrowserStateConfig{Key: []byte("passport-test-state-key-01234567")})
	require.NoError(t, err)
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)
	c, err := passport.New(passport.Config{BaseURL: fake.URL,
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, RedirectURL: app.URL + "/callback"})
	require.NoError(t, err)
	ctx := context.Background()
	v, err := c.NewVerifier(ctx)
	require.NoError(t, err)

	saved := make(chan *client.Session, 1)
	h, err := client.NewCallbackHandler(client.CallbackConfig{Client: c.TokenClient(), State: state,
		Save: func(_ context.Context, s *client.Session) error { saved <- s; return nil },
		OnSuccess: func(w http.ResponseWriter, r *http.Request, s *client.Session) {
			if _, err := v.VerifySession(r.Context(), s); err != nil {
				http.Error(w, "bad id_token", http.StatusUnauthorized)
				return
			}
			_, _ = io.WriteString(w, "hello "+s.Subject)
		}})
	require.NoError(t, err)
	mux.Handle("/callback", h)
	nonce := client.GenerateVerifier()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		st, err := h.Begin(w, r, "", true)
		require.NoError(t, err)
		login, err := c.AuthCodeURL(passport.AuthParams{State: st.State, Verifier: st.Verifier, Nonce: nonce,
			Scopes: []string{"email"}})
		require.NoError(t, err)
		http.Redirect(w, r, login, http.StatusFound)
	})

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Jar: jar}).Get(app.URL + "/login")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	s := <-saved
	assert.Equal(t, "hello "+s.Subject, string(body))

	idt, err := v.VerifySession(ctx, s)
	require.NoError(t, err)
	require.NoError(t, idt.CheckNonce(nonce))
	require.ErrorIs(t, idt.CheckNonce("other"), passport.ErrInvalidIDToken)

	s2, err := c.Refresh(ctx, s)
	require.NoError(t, err)
	_, err = v.VerifySession(ctx, s2)
	require.NoError(t, err, "the kept id_token still verifies")
}

func ptr[T any](v T) *T { return &v }

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// RFC 6749 error bodies map by their code, not by their message.
func TestOAuthShapedErrors(t *testing.T) {
	t.Parallel()
	fake := providertest.NewPassport()
	t.Cleanup(fake.Close)
	c, err := passport.New(passport.Config{BaseURL: fake.URL,
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret})
	require.NoError(t, err)
	fake.Fail(providertest.Raw(400, "application/json", `{"error":"invalid_grant","error_description":"code issued to another client"}`))
	_, err = c.ExchangeCode(context.Background(), fake.IssueCode(""))
	require.ErrorIs(t, err, client.ErrReauthorize)
}

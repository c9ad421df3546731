package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// testStateKey signs the login cookies of these tests.
var testStateKey = []byte("0123456789abcdef0123456789abcdef")

// appUserKey is the context key of the application's signed-in user (the
// "app_user" cookie, set by appUser): what these tests' ID functions name
// sessions after.
type appUserKey struct{}

func appUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ck, err := r.Cookie("app_user"); err == nil {
			r = r.WithContext(context.WithValue(r.Context(), appUserKey{}, ck.Value))
		}
		next.ServeHTTP(w, r)
	})
}

// idFromAppUser names a session after the application's user.
func idFromAppUser(ctx context.Context, s *client.Session) (string, error) {
	u, _ := ctx.Value(appUserKey{}).(string)
	if u == "" {
		return "", errors.New("no application user")
	}
	return s.Provider + ":" + u, nil
}

// callbackSetup runs a fake provider (generic unless said otherwise) and
// an application (a real HTTP server) with /login (LoginHandler), /begin
// (Begin without filtering return_to) and /callback, whose Save records
// sessions (or fails with saveErr) and whose OnError records errors.
type callbackSetup struct {
	fake     *providertest.Generic  // the generic fake, or nil
	passport *providertest.Passport // the Passport fake, or nil
	// passportClient is the typed client for the Passport fake, or nil.
	passportClient *passport.Client
	authURL        string // the fake's authorize endpoint
	c              *client.Client
	h              *client.CallbackHandler
	srv            *httptest.Server
	mu             sync.Mutex
	errs           []*client.CallbackError
	saved          []*client.Session
	saveErr        error
}

func setupCallback(t *testing.T, mod func(*client.CallbackConfig)) *callbackSetup {
	t.Helper()
	return setupCallbackFor(t, "generic", mod)
}

// setupCallbackFor is setupCallback against the "generic" or "passport"
// fake.
func setupCallbackFor(t *testing.T, provider string, mod func(*client.CallbackConfig)) *callbackSetup {
	t.Helper()
	cs := &callbackSetup{}
	mux := http.NewServeMux()
	cs.srv = httptest.NewServer(appUser(mux))
	t.Cleanup(cs.srv.Close)
	cfg := client.Config{RedirectURL: cs.srv.URL + "/callback"}
	switch provider {
	case "generic":
		cs.fake = providertest.NewGeneric()
		t.Cleanup(cs.fake.Close)
		cfg.Provider, cfg.ClientID, cfg.ClientSecret = providers.Generic(cs.fake.URL), cs.fake.ClientID, cs.fake.ClientSecret
		cs.authURL = cs.fake.URL + "/oauth2/authorize?"
	case "passport":
		cs.passport = providertest.NewPassport()
		t.Cleanup(cs.passport.Close)
		cfg.ClientID, cfg.ClientSecret = cs.passport.ClientID, cs.passport.ClientSecret
		cs.authURL = cs.passport.URL + "/authorize?"
	default:
		t.Fatalf("unknown provider %q", provider)
	}
	var err error
	if cs.passport != nil {
		cs.passportClient, err = passport.New(passport.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			RedirectURL: cfg.RedirectURL, BaseURL: cs.passport.URL}, client.WithRetryWait(time.Millisecond, 5*time.Millisecond))
		require.NoError(t, err)
		cs.c = cs.passportClient.TokenClient()
	} else {
		cs.c, err = client.New(cfg, client.WithRetryWait(time.Millisecond, 5*time.Millisecond))
		require.NoError(t, err)
	}
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey})
	require.NoError(t, err)
	cbc := client.CallbackConfig{
		Client: cs.c,
		State:  bs,
		ID:     idFromAppUser,
		Save: func(_ context.Context, s *client.Session) error {
			cs.mu.Lock()
			defer cs.mu.Unlock()
			if cs.saveErr != nil {
				return cs.saveErr
			}
			cs.saved = append(cs.saved, s)
			return nil
		},
		SuccessURL: "/done",
	}
	cbc.OnError = func(w http.ResponseWriter, _ *http.Request, e *client.CallbackError) {
		cs.mu.Lock()
		cs.errs = append(cs.errs, e)
		cs.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(e.StatusCode)
		_, _ = io.WriteString(w, "recorded: "+e.Reason)
	}
	if mod != nil {
		mod(&cbc)
	}
	cs.h, err = client.NewCallbackHandler(cbc)
	require.NoError(t, err)
	mux.Handle("/login", cs.h.LoginHandler())
	mux.HandleFunc("/begin", func(w http.ResponseWriter, r *http.Request) {
		st, err := cs.h.Begin(w, r, r.URL.Query().Get("return_to"), true)
		require.NoError(t, err)
		u, err := cs.c.AuthCodeURL(st.State, client.WithPKCE(st.Verifier))
		require.NoError(t, err)
		http.Redirect(w, r, u, http.StatusFound)
	})
	mux.Handle("/callback", cs.h)
	return cs
}

// browser is a user agent with its own cookie jar that does not follow
// redirects, so each step can be looked at.
type browser struct {
	hc  *http.Client
	jar *cookiejar.Jar
}

func newBrowser(t *testing.T, cs *callbackSetup, appUser string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	if appUser != "" {
		u, _ := url.Parse(cs.srv.URL)
		jar.SetCookies(u, []*http.Cookie{{Name: "app_user", Value: appUser, Path: "/"}})
	}
	return &browser{jar: jar, hc: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := b.hc.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// authorize begins a login at path (/login or /begin) in b, lets the fake
// provider consent, and returns the callback URL it sent b back to,
// without opening it.
func (cs *callbackSetup) authorize(t *testing.T, b *browser, path string) *url.URL {
	t.Helper()
	resp, body := b.get(t, cs.srv.URL+path)
	require.Equal(t, http.StatusFound, resp.StatusCode, body)
	require.True(t, strings.HasPrefix(resp.Header.Get("Location"), cs.authURL), resp.Header.Get("Location"))
	resp, body = b.get(t, resp.Header.Get("Location"))
	require.Equal(t, http.StatusFound, resp.StatusCode, body)
	cb, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "/callback", cb.Path)
	return cb
}

// with returns u with its query's key set to value.
func with(u *url.URL, key, value string) string {
	cp := *u
	q := cp.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	cp.RawQuery = q.Encode()
	return cp.String()
}

func (cs *callbackSetup) lastError(t *testing.T) *client.CallbackError {
	t.Helper()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	require.NotEmpty(t, cs.errs, "no callback error recorded")
	return cs.errs[len(cs.errs)-1]
}

func (cs *callbackSetup) savedIDs() []string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	var ids []string
	for _, s := range cs.saved {
		ids = append(ids, s.ID)
	}
	return ids
}

// loginCookieCleared reports whether resp deletes the login cookie.
func loginCookieCleared(resp *http.Response) bool {
	for _, c := range resp.Cookies() {
		if c.Name == client.DefaultStateCookie && c.MaxAge < 0 {
			return true
		}
	}
	return false
}

func TestCallbackHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		callback   func(cb *url.URL) string
		saveErr    error
		wantStatus int
		wantErr    error
		wantReason string
		exchanges  int
	}{
		{
			name:       "missing code",
			callback:   func(cb *url.URL) string { return with(cb, "code", "") },
			wantStatus: http.StatusBadRequest, wantErr: client.ErrMissingCode, wantReason: "missing authorization code",
		},
		{
			name:       "missing state",
			callback:   func(cb *url.URL) string { return with(cb, "state", "") },
			wantStatus: http.StatusBadRequest, wantErr: client.ErrStateMismatch, wantReason: "invalid or expired state",
		},
		{
			name:       "wrong state",
			callback:   func(cb *url.URL) string { return with(cb, "state", cb.Query().Get("state")+"x") },
			wantStatus: http.StatusBadRequest, wantErr: client.ErrStateMismatch, wantReason: "invalid or expired state",
		},
		{
			name: "provider error in the query",
			callback: func(cb *url.URL) string {
				return with(cb, "code", "") + "&error=access_denied&error_description=%3Cscript%3Ex%3C%2Fscript%3E"
			},
			wantStatus: http.StatusForbidden, wantErr: client.ErrAuthorizationFailed, wantReason: "the provider reported access_denied",
		},
		{
			name:       "provider error with odd characters",
			callback:   func(cb *url.URL) string { return with(cb, "error", "server_error<b>") },
			wantStatus: http.StatusBadRequest, wantErr: client.ErrAuthorizationFailed, wantReason: "the provider reported server_errorb",
		},
		{
			name:       "code rejected by the provider",
			callback:   func(cb *url.URL) string { return with(cb, "code", "code_not-issued-by-the-fake") },
			wantStatus: http.StatusBadRequest, wantErr: client.ErrReauthorize, wantReason: "authorization code was rejected",
		},
		{
			name:       "save failure",
			callback:   func(cb *url.URL) string { return cb.String() },
			saveErr:    errors.New("redis: connection refused"),
			wantStatus: http.StatusInternalServerError, wantErr: client.ErrSaveFailed, wantReason: "could not be saved", exchanges: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := setupCallback(t, nil)
			cs.saveErr = tt.saveErr
			b := newBrowser(t, cs, "alice")
			resp, body := b.get(t, tt.callback(cs.authorize(t, b, "/login")))
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
			assert.True(t, loginCookieCleared(resp), "the login cookie is cleared whatever the outcome")
			e := cs.lastError(t)
			assert.ErrorIs(t, e, tt.wantErr)
			assert.Contains(t, e.Reason, tt.wantReason)
			assert.Contains(t, body, tt.wantReason)
			assert.NotContains(t, body, "script")
			assert.NotContains(t, body, "code_")
			assert.NotContains(t, e.Error(), cs.fake.ClientSecret)
			assert.Equal(t, tt.exchanges, cs.fake.Stats().CodeExchanges)
			assert.Empty(t, cs.saved)
		})
	}
}

func TestCallbackSuccessWithPKCEAndReturnTo(t *testing.T) {
	t.Parallel()
	cs := setupCallback(t, nil)
	b := newBrowser(t, cs, "alice")
	cb := cs.authorize(t, b, "/login?return_to="+url.QueryEscape("/settings?tab=hr"))
	resp, body := b.get(t, cb.String())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	assert.Equal(t, "/settings?tab=hr", resp.Header.Get("Location"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	assert.True(t, loginCookieCleared(resp))
	require.Len(t, cs.saved, 1)
	s := cs.saved[0]
	assert.Equal(t, "generic:alice", s.ID)
	assert.True(t, cs.fake.AccessTokenValid(s.AccessToken))
	assert.NotContains(t, body, s.AccessToken)
	assert.Equal(t, 1, cs.fake.Stats().CodeExchanges, "the fake checked the PKCE verifier")
}

func TestCallbackRedirectTargets(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, path, returnTo, want string }{
		{"no return path", "/login", "", "/done"},
		{"local path", "/login", "/app", "/app"},
		{"query and fragment kept", "/login", "/app?x=1#top", "/app?x=1#top"},
		{"absolute URL dropped at login", "/login", "https://evil.example/", "/done"},
		{"absolute URL ignored at callback", "/begin", "https://evil.example/", "/done"},
		{"protocol-relative ignored", "/begin", "//evil.example/", "/done"},
		{"backslash trick ignored", "/begin", "/\\evil.example", "/done"},
		{"backslash later ignored", "/begin", "/a/..\\\\evil.example", "/done"},
		{"tab trick ignored", "/begin", "/\t/evil.example", "/done"},
		{"newline trick ignored", "/begin", "/\n/evil.example", "/done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := setupCallback(t, nil)
			b := newBrowser(t, cs, "alice")
			resp, _ := b.get(t, cs.authorize(t, b, tt.path+"?return_to="+url.QueryEscape(tt.returnTo)).String())
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, tt.want, resp.Header.Get("Location"))
		})
	}
}

func TestCallbackOnSuccess(t *testing.T) {
	t.Parallel()
	cs := setupCallback(t, func(cfg *client.CallbackConfig) {
		cfg.OnSuccess = func(w http.ResponseWriter, _ *http.Request, s *client.Session) {
			_, _ = io.WriteString(w, "welcome "+s.ID)
		}
	})
	b := newBrowser(t, cs, "alice")
	resp, body := b.get(t, cs.authorize(t, b, "/login").String())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "welcome generic:alice", body)
	assert.Len(t, cs.saved, 1)
}

func TestCallbackRateLimitedExchange(t *testing.T) {
	t.Parallel()
	cs := setupCallback(t, nil)
	b := newBrowser(t, cs, "alice")
	cb := cs.authorize(t, b, "/login")
	cs.fake.Fail(providertest.RateLimited("120"))
	resp, _ := b.get(t, cb.String())
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.ErrorIs(t, cs.lastError(t), client.ErrRateLimited)
}

// The default error page (no OnError), seen through a real server.
func TestCallbackDefaultErrorPage(t *testing.T) {
	t.Parallel()
	cs := setupCallback(t, func(cfg *client.CallbackConfig) { cfg.OnError = nil })
	b := newBrowser(t, cs, "alice")
	cb := cs.authorize(t, b, "/login")
	cs.fake.Fail(providertest.RateLimited("7"))
	resp, body := b.get(t, cb.String())
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "Service Unavailable: the provider is rate limiting; try again later\n", body)
	assert.NotContains(t, body, cb.Query().Get("code"))

	resp, err := b.hc.Post(cs.srv.URL+"/callback", "text/plain", strings.NewReader(""))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET", resp.Header.Get("Allow"))

	// A HEAD (a link prefetcher) neither spends the login cookie nor the
	// code: the GET after it completes the sign-in.
	cb = cs.authorize(t, b, "/login")
	req, err := http.NewRequest(http.MethodHead, cb.String(), nil)
	require.NoError(t, err)
	resp, err = b.hc.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.False(t, loginCookieCleared(resp))
	resp, body = b.get(t, cb.String())
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
}

func TestNewCallbackHandlerValidates(t *testing.T) {
	t.Parallel()
	c, err := client.New(client.Config{Provider: providers.Generic("https://auth.example.com"), ClientID: "id"})
	require.NoError(t, err)
	save := func(context.Context, *client.Session) error { return nil }
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey})
	require.NoError(t, err)
	states := client.NewMemoryStates(0, nil)
	tests := []struct {
		name string
		cfg  client.CallbackConfig
	}{
		{"no client", client.CallbackConfig{State: bs, Save: save}},
		{"no state", client.CallbackConfig{Client: c, Save: save}},
		{"state and states", client.CallbackConfig{Client: c, State: bs, States: states, Save: save}},
		{"states that cannot save", client.CallbackConfig{Client: c, States: takeOnly{}, Save: save}},
		{"no save", client.CallbackConfig{Client: c, State: bs}},
		{"negative timeout", client.CallbackConfig{Client: c, State: bs, Save: save, Timeout: -1}},
		{"one session ID for everyone", client.CallbackConfig{Client: c, State: bs, Save: save,
			ExchangeOptions: []client.ExchangeOption{client.WithSessionID("generic")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := client.NewCallbackHandler(tt.cfg)
			assert.ErrorIs(t, err, client.ErrInvalidRequest)
		})
	}
	// The deprecated States field still works with a MemoryStates.
	_, err = client.NewCallbackHandler(client.CallbackConfig{Client: c, States: states, Save: save,
		ExchangeOptions: []client.ExchangeOption{nil, client.WithScopes("a")}})
	assert.NoError(t, err)
}

type takeOnly struct{}

func (takeOnly) Take(context.Context, string) (*client.AuthState, error) {
	return nil, client.ErrInvalidState
}

// Failures are logged without the code, the secret or any token, even
// when the provider echoes them.
func TestCallbackLogsNoSecrets(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	cs := setupCallback(t, func(cfg *client.CallbackConfig) {
		cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg.OnError = nil
	})
	b := newBrowser(t, cs, "alice")
	cb := cs.authorize(t, b, "/login")
	code, state := cb.Query().Get("code"), cb.Query().Get("state")
	cs.fake.Fail(providertest.Raw(400, "application/json",
		`{"error":"invalid_grant","error_description":"code `+code+` and secret `+cs.fake.ClientSecret+` rejected"}`))
	resp, body := b.get(t, cb.String())
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	logged := buf.String()
	assert.Contains(t, logged, "callback failed")
	assert.Contains(t, logged, "<redacted>")
	for _, secret := range []string{code, cs.fake.ClientSecret, state} {
		assert.NotContains(t, logged, secret)
		assert.NotContains(t, body, secret)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLoginHandler(t *testing.T) {
	t.Parallel()
	cs := setupCallback(t, nil)
	noAuthURL, err := providers.New(providers.Spec{Name: "tokens-only", TokenURL: cs.fake.URL + "/oauth2/token"})
	require.NoError(t, err)
	c, err := client.New(client.Config{Provider: noAuthURL, ClientID: "id"})
	require.NoError(t, err)
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey})
	require.NoError(t, err)
	var failed []*client.CallbackError
	broken, err := client.NewCallbackHandler(client.CallbackConfig{Client: c, State: bs, ID: idFromAppUser,
		Save: func(context.Context, *client.Session) error { return nil },
		OnError: func(w http.ResponseWriter, _ *http.Request, e *client.CallbackError) {
			failed = append(failed, e)
			w.WriteHeader(e.StatusCode)
		}})
	require.NoError(t, err)
	tests := []struct {
		name       string
		h          http.Handler
		method     string
		wantStatus int
		wantCookie bool
	}{
		{"GET begins", cs.h.LoginHandler(), http.MethodGet, http.StatusFound, true},
		{"POST begins", cs.h.LoginHandler(), http.MethodPost, http.StatusFound, true},
		{"HEAD does not replace a login in flight", cs.h.LoginHandler(), http.MethodHead, http.StatusMethodNotAllowed, false},
		{"a provider without an authorize endpoint", broken.LoginHandler(), http.MethodGet, http.StatusInternalServerError, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.h.ServeHTTP(rec, httptest.NewRequest(tt.method, "http://127.0.0.1/login?return_to=/x", nil))
			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, tt.wantCookie, len(rec.Result().Cookies()) == 1)
			if tt.wantStatus == http.StatusFound {
				u, err := url.Parse(rec.Header().Get("Location"))
				require.NoError(t, err)
				assert.Equal(t, "S256", u.Query().Get("code_challenge_method"))
				assert.Len(t, u.Query().Get("state"), 43)
			}
		})
	}
	require.Len(t, failed, 1)
	assert.Equal(t, "the sign-in could not be started", failed[0].Reason)
}

package client_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

const callbackRedirect = "http://127.0.0.1:9999/callback"

// callbackSetup runs a fake generic provider, a client for it, a state
// store and a callback handler (behind a real HTTP server) whose Save
// records sessions (or fails with saveErr).
type callbackSetup struct {
	fake    *providertest.Generic
	states  *client.MemoryStates
	srv     *httptest.Server
	errs    []*client.CallbackError
	saved   []*client.Session
	saveErr error
	mu      sync.Mutex
}

func setupCallback(t *testing.T, mod func(*client.CallbackConfig)) *callbackSetup {
	t.Helper()
	cs := &callbackSetup{fake: providertest.NewGeneric(), states: client.NewMemoryStates(0, nil)}
	t.Cleanup(cs.fake.Close)
	c, err := client.New(client.Config{
		Provider: providers.Generic(cs.fake.URL), ClientID: cs.fake.ClientID,
		ClientSecret: cs.fake.ClientSecret, RedirectURL: callbackRedirect,
	}, client.WithRetryWait(time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	cfg := client.CallbackConfig{
		Client: c,
		States: cs.states,
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
	cfg.OnError = func(w http.ResponseWriter, _ *http.Request, e *client.CallbackError) {
		cs.mu.Lock()
		cs.errs = append(cs.errs, e)
		cs.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(e.StatusCode)
		_, _ = io.WriteString(w, "recorded: "+e.Reason)
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := client.NewCallbackHandler(cfg)
	require.NoError(t, err)
	cs.srv = httptest.NewServer(h)
	t.Cleanup(cs.srv.Close)
	return cs
}

func (cs *callbackSetup) get(t *testing.T, query url.Values) (*http.Response, string) {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(cs.srv.URL + "/callback?" + query.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func (cs *callbackSetup) lastError(t *testing.T) *client.CallbackError {
	t.Helper()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	require.NotEmpty(t, cs.errs, "no callback error recorded")
	return cs.errs[len(cs.errs)-1]
}

func TestCallbackHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		query      func(cs *callbackSetup) url.Values
		saveErr    error
		wantStatus int
		wantErr    error
		wantReason string
		exchanges  int
	}{
		{
			name: "missing code",
			query: func(cs *callbackSetup) url.Values {
				st, _ := cs.states.Begin("", false)
				return url.Values{"state": {st.State}}
			},
			wantStatus: http.StatusBadRequest, wantErr: client.ErrMissingCode, wantReason: "missing authorization code",
		},
		{
			name: "missing state",
			query: func(cs *callbackSetup) url.Values {
				return url.Values{"code": {cs.fake.IssueCode(callbackRedirect)}}
			},
			wantStatus: http.StatusBadRequest, wantErr: client.ErrInvalidState, wantReason: "invalid or expired state",
		},
		{
			name: "wrong state",
			query: func(cs *callbackSetup) url.Values {
				st, _ := cs.states.Begin("", false)
				return url.Values{"state": {st.State + "x"}, "code": {cs.fake.IssueCode(callbackRedirect)}}
			},
			wantStatus: http.StatusBadRequest, wantErr: client.ErrInvalidState, wantReason: "invalid or expired state",
		},
		{
			name: "provider error in the query",
			query: func(cs *callbackSetup) url.Values {
				st, _ := cs.states.Begin("", false)
				return url.Values{"state": {st.State}, "error": {"access_denied"}, "error_description": {"<script>x</script>"}}
			},
			wantStatus: http.StatusForbidden, wantErr: client.ErrAuthorizationFailed, wantReason: "the provider reported access_denied",
		},
		{
			name: "provider error with odd characters",
			query: func(cs *callbackSetup) url.Values {
				st, _ := cs.states.Begin("", false)
				return url.Values{"state": {st.State}, "error": {"server_error<b>"}}
			},
			wantStatus: http.StatusBadRequest, wantErr: client.ErrAuthorizationFailed, wantReason: "the provider reported server_errorb",
		},
		{
			name: "code rejected by the provider",
			query: func(cs *callbackSetup) url.Values {
				st, _ := cs.states.Begin("", false)
				return url.Values{"state": {st.State}, "code": {"code_not-issued-by-the-fake"}}
			},
			wantStatus: http.StatusBadRequest, wantErr: client.ErrReauthorize, wantReason: "authorization code was rejected", exchanges: 0,
		},
		{
			name: "save failure",
			query: func(cs *callbackSetup) url.Values {
				st, _ := cs.states.Begin("", false)
				return url.Values{"state": {st.State}, "code": {cs.fake.IssueCode(callbackRedirect)}}
			},
			saveErr:    errors.New("redis: connection refused"),
			wantStatus: http.StatusInternalServerError, wantErr: client.ErrSaveFailed, wantReason: "could not be saved", exchanges: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := setupCallback(t, nil)
			cs.saveErr = tt.saveErr
			resp, body := cs.get(t, tt.query(cs))
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
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
	st, err := cs.states.Begin("/settings?tab=hr", true)
	require.NoError(t, err)
	code := cs.fake.IssueCodeWithPKCE(callbackRedirect, st.Verifier, "read")

	resp, body := cs.get(t, url.Values{"state": {st.State}, "code": {code}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	assert.Equal(t, "/settings?tab=hr", resp.Header.Get("Location"))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Len(t, cs.saved, 1)
	s := cs.saved[0]
	assert.Equal(t, []string{"read"}, s.Scopes)
	assert.True(t, cs.fake.AccessTokenValid(s.AccessToken))
	assert.NotContains(t, body, s.AccessToken)

	// The state is single-use: replaying the whole callback URL fails
	// before the (already spent) code is sent again.
	resp, _ = cs.get(t, url.Values{"state": {st.State}, "code": {code}})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.ErrorIs(t, cs.lastError(t), client.ErrInvalidState)
	assert.Equal(t, 1, cs.fake.Stats().Requests)
}

func TestCallbackRedirectTargets(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, returnTo, want string }{
		{"no return path", "", "/done"},
		{"local path", "/app", "/app"},
		{"absolute URL ignored", "https://evil.example/", "/done"},
		{"protocol-relative ignored", "//evil.example/", "/done"},
		{"backslash trick ignored", "/\\evil.example", "/done"},
		{"backslash later ignored", "/a/..\\\\evil.example", "/done"},
		{"tab trick ignored", "/\t/evil.example", "/done"},
		{"newline trick ignored", "/\n/evil.example", "/done"},
		{"query and fragment kept", "/app?x=1#top", "/app?x=1#top"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := setupCallback(t, nil)
			st, err := cs.states.Begin(tt.returnTo, false)
			require.NoError(t, err)
			resp, _ := cs.get(t, url.Values{"state": {st.State}, "code": {cs.fake.IssueCode(callbackRedirect)}})
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, tt.want, resp.Header.Get("Location"))
		})
	}
}

func TestCallbackOnSuccess(t *testing.T) {
	t.Parallel()
	cs := setupCallback(t, func(cfg *client.CallbackConfig) {
		cfg.OnSuccess = func(w http.ResponseWriter, _ *http.Request, s *client.Session) {
			_, _ = io.WriteString(w, "welcome "+s.Provider)
		}
	})
	st, err := cs.states.Begin("", false)
	require.NoError(t, err)
	resp, body := cs.get(t, url.Values{"state": {st.State}, "code": {cs.fake.IssueCode(callbackRedirect)}})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "welcome generic", body)
	assert.Len(t, cs.saved, 1)
}

func TestCallbackRateLimitedExchange(t *testing.T) {
	t.Parallel()
	cs := setupCallback(t, nil)
	cs.fake.Fail(providertest.RateLimited("120"))
	st, err := cs.states.Begin("", false)
	require.NoError(t, err)
	resp, _ := cs.get(t, url.Values{"state": {st.State}, "code": {cs.fake.IssueCode(callbackRedirect)}})
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.ErrorIs(t, cs.lastError(t), client.ErrRateLimited)
}

// The default error page (no OnError), seen through a plain server.
func TestCallbackDefaultErrorPage(t *testing.T) {
	t.Parallel()
	fake := providertest.NewGeneric()
	t.Cleanup(fake.Close)
	fake.Fail(providertest.RateLimited("7"))
	c, err := client.New(client.Config{Provider: providers.Generic(fake.URL), ClientID: fake.ClientID,
		ClientSecret: fake.ClientSecret, RedirectURL: callbackRedirect}, client.WithRetryMax(0))
	require.NoError(t, err)
	states := client.NewMemoryStates(0, nil)
	h, err := client.NewCallbackHandler(client.CallbackConfig{Client: c, States: states,
		Save: func(context.Context, *client.Session) error { return nil }})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	st, err := states.Begin("", false)
	require.NoError(t, err)
	code := fake.IssueCode(callbackRedirect)
	resp, err := http.Get(srv.URL + "/callback?" + url.Values{"state": {st.State}, "code": {code}}.Encode())
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "7", resp.Header.Get("Retry-After"))
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "Service Unavailable: the provider is rate limiting; try again later\n", string(body))
	assert.NotContains(t, string(body), code)

	resp, err = http.Post(srv.URL+"/callback", "text/plain", strings.NewReader(""))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET", resp.Header.Get("Allow"))

	// A HEAD does not spend the state.
	st2, err := states.Begin("", false)
	require.NoError(t, err)
	resp, err = http.Head(srv.URL + "/callback?" + url.Values{"state": {st2.State}, "code": {fake.IssueCode(callbackRedirect)}}.Encode())
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, 1, states.Len())
}

func TestNewCallbackHandlerValidates(t *testing.T) {
	t.Parallel()
	c, err := client.New(client.Config{Provider: providers.Generic("https://auth.example.com"), ClientID: "id"})
	require.NoError(t, err)
	save := func(context.Context, *client.Session) error { return nil }
	states := client.NewMemoryStates(0, nil)
	tests := []struct {
		name string
		cfg  client.CallbackConfig
	}{
		{"no client", client.CallbackConfig{States: states, Save: save}},
		{"no states", client.CallbackConfig{Client: c, Save: save}},
		{"no save", client.CallbackConfig{Client: c, States: states}},
		{"negative timeout", client.CallbackConfig{Client: c, States: states, Save: save, Timeout: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := client.NewCallbackHandler(tt.cfg)
			assert.Error(t, err)
		})
	}
}

func TestMemoryStates(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	m := client.NewMemoryStates(time.Minute, clock)
	ctx := context.Background()

	st, err := m.Begin("/x", true)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(st.State), 43)
	assert.NotEmpty(t, st.Verifier)
	assert.NotEqual(t, st.State, st.Verifier)

	got, err := m.Take(ctx, st.State)
	require.NoError(t, err)
	assert.Equal(t, "/x", got.ReturnTo)
	assert.Equal(t, st.Verifier, got.Verifier)
	_, err = m.Take(ctx, st.State)
	assert.ErrorIs(t, err, client.ErrInvalidState, "a state is single-use")

	st2, err := m.Begin("", false)
	require.NoError(t, err)
	assert.Empty(t, st2.Verifier)
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	_, err = m.Take(ctx, st2.State)
	assert.ErrorIs(t, err, client.ErrInvalidState, "expired")
	assert.Equal(t, 0, m.Len())

	_, err = m.Take(ctx, "")
	assert.ErrorIs(t, err, client.ErrInvalidState)
	assert.Error(t, m.Put(&client.AuthState{State: "short"}))
	assert.Error(t, m.Put(nil))
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
	code := cs.fake.IssueCode(callbackRedirect)
	cs.fake.Fail(providertest.Raw(400, "application/json",
		`{"error":"invalid_grant","error_description":"code `+code+` and secret `+cs.fake.ClientSecret+` rejected"}`))
	st, err := cs.states.Begin("", false)
	require.NoError(t, err)
	resp, body := cs.get(t, url.Values{"state": {st.State}, "code": {code}})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	logged := buf.String()
	assert.Contains(t, logged, "callback failed")
	assert.Contains(t, logged, "<redacted>")
	for _, secret := range []string{code, cs.fake.ClientSecret, st.State} {
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

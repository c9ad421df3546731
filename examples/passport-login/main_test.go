package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoginRefreshLogout(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	a, cleanup, err := newApp(context.Background(), config{publicURL: srv.URL, fake: true},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(cleanup)
	mux.Handle("/", a.routes())

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	page := func(resp *http.Response, err error) string {
		t.Helper()
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		return string(b)
	}

	body := page(hc.Get(srv.URL + "/"))
	assert.Contains(t, body, "Sign in with Passport")

	// /login → fake Passport (PKCE) → /callback → verified → home.
	body = page(hc.Get(srv.URL + "/login"))
	assert.Contains(t, body, "Signed in")
	assert.Contains(t, body, "urn:rollupid:account/0x")
	assert.Contains(t, body, "test.user@example.com")
	assert.Contains(t, body, "Test User")

	a.mu.Lock()
	require.Len(t, a.sessions, 1)
	var before string
	for _, s := range a.sessions {
		before = s.AccessToken
		assert.NotContains(t, body, s.AccessToken)
		assert.NotContains(t, body, s.RefreshToken)
	}
	a.mu.Unlock()

	body = page(hc.Post(srv.URL+"/refresh", "text/plain", strings.NewReader("")))
	assert.Contains(t, body, "Signed in")
	a.mu.Lock()
	for _, s := range a.sessions {
		assert.NotEqual(t, before, s.AccessToken, "refreshed")
		assert.NotEmpty(t, s.IDToken)
	}
	a.mu.Unlock()

	body = page(hc.Post(srv.URL+"/logout", "text/plain", strings.NewReader("")))
	assert.Contains(t, body, "Sign in with Passport")
}

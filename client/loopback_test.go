package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
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

// loopbackBrowser is a browser simulated by an HTTP client with a cookie
// jar: it remembers the pages it ended on.
type loopbackBrowser struct {
	hc    *http.Client
	mu    sync.Mutex
	pages []string
	codes []int
}

func newLoopbackBrowser(t *testing.T, follow bool) *loopbackBrowser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	b := &loopbackBrowser{hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	if !follow {
		b.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return b
}

func (b *loopbackBrowser) get(u string) (*http.Response, error) {
	resp, err := b.hc.Get(u)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.mu.Lock()
	b.pages, b.codes = append(b.pages, string(body)), append(b.codes, resp.StatusCode)
	b.mu.Unlock()
	return resp, nil
}

func (b *loopbackBrowser) last() (int, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.codes[len(b.codes)-1], b.pages[len(b.pages)-1]
}

func loopbackClient(t *testing.T, f *providertest.Generic) *client.Client {
	c, err := client.New(client.Config{Provider: providers.Generic(f.URL), ClientID: f.ClientID, ClientSecret: f.ClientSecret})
	require.NoError(t, err)
	return c
}

func TestLoopbackLoginSucceedsAndIgnoresStrayRequests(t *testing.T) {
	t.Parallel()
	f := providertest.NewGeneric()
	defer f.Close()
	b := newLoopbackBrowser(t, true)
	var saved []*client.Session
	var out strings.Builder
	s, err := client.LoopbackLogin(context.Background(), client.LoopbackConfig{
		Client: loopbackClient(t, f), SessionID: "me", Out: &out,
		Save: func(_ context.Context, s *client.Session) error { saved = append(saved, s); return nil },
		Browser: func(login string) error {
			base := strings.TrimSuffix(login, "/login")
			// Stray requests: a favicon, a callback this browser never began.
			resp, err := b.get(base + "/favicon.ico")
			require.NoError(t, err)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
			resp, err = b.get(base + "/callback?code=x&state=forged")
			require.NoError(t, err)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			_, err = b.get(login)
			return err
		},
	})
	require.NoError(t, err)
	assert.Equal(t, "me", s.ID)
	require.Len(t, saved, 1)
	assert.Same(t, s, saved[0])
	assert.True(t, f.AccessTokenValid(s.AccessToken))
	assert.Equal(t, 1, f.Stats().CodeExchanges)
	assert.Contains(t, out.String(), "/login")
	code, page := b.last()
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, "<h1>Logged in</h1>")
	assert.Contains(t, page, "<style>")
}

func TestLoopbackLoginDenialShowsTheProvidersErrorEscaped(t *testing.T) {
	t.Parallel()
	f := providertest.NewGeneric()
	defer f.Close()
	b := newLoopbackBrowser(t, false)
	_, err := client.LoopbackLogin(context.Background(), client.LoopbackConfig{
		Client: loopbackClient(t, f),
		// The user refuses at the provider: it redirects back with an error.
		Browser: func(login string) error {
			resp, err := b.get(login)
			if err != nil {
				return err
			}
			authz, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				return err
			}
			q := authz.Query()
			back := q.Get("redirect_uri") + "?" + url.Values{
				"error": {"access_denied"}, "error_description": {"<b>you</b> said no"}, "state": {q.Get("state")},
			}.Encode()
			_, err = b.get(back)
			return err
		},
	})
	var ce *client.CallbackError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, client.ErrAuthorizationFailed)
	assert.Equal(t, "access_denied", ce.ProviderError)
	assert.Equal(t, "<b>you</b> said no", ce.ProviderDescription)
	code, page := b.last()
	assert.Equal(t, http.StatusForbidden, code)
	assert.Contains(t, page, "access_denied: &lt;b&gt;you&lt;/b&gt; said no")
	assert.NotContains(t, page, "<b>you</b>")
	assert.Equal(t, 0, f.Stats().CodeExchanges)
}

func TestLoopbackLoginGivesUp(t *testing.T) {
	t.Parallel()
	f := providertest.NewGeneric()
	defer f.Close()
	c := loopbackClient(t, f)
	_, err := client.LoopbackLogin(context.Background(), client.LoopbackConfig{Client: c, Timeout: time.Millisecond})
	assert.ErrorIs(t, err, client.ErrLoginTimeout)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = client.LoopbackLogin(ctx, client.LoopbackConfig{Client: c})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestLoopbackLoginRefusesBadConfig(t *testing.T) {
	t.Parallel()
	f := providertest.NewGeneric()
	defer f.Close()
	c := loopbackClient(t, f)
	for name, cfg := range map[string]client.LoopbackConfig{
		"no client":        {},
		"negative port":    {Client: c, Port: -1},
		"port too big":     {Client: c, Port: 70000},
		"negative timeout": {Client: c, Timeout: -time.Second},
		"authorize fails":  {Client: c, AuthURL: func(*client.AuthState) (string, error) { return "", errors.New("no") }},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := client.LoopbackLogin(context.Background(), cfg)
			require.Error(t, err)
			if name != "authorize fails" {
				assert.ErrorIs(t, err, client.ErrInvalidRequest)
			}
		})
	}
}

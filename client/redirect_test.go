package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// recordingTransport records every request's URL and body and sends only
// to loopback hosts: a request anywhere else is what a followed redirect
// would have leaked, and is answered with an error instead of the network.
type recordingTransport struct {
	mu   sync.Mutex
	urls []string
	base http.RoundTripper
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.urls = append(rt.urls, r.URL.String())
	rt.mu.Unlock()
	if !client.IsLoopback(r.URL.Hostname()) {
		return nil, errors.New("recordingTransport: not a loopback host")
	}
	return rt.base.RoundTrip(r)
}

func (rt *recordingTransport) seen() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]string(nil), rt.urls...)
}

// countingServer answers every request with answer and counts them.
type countingServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newCountingServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *countingServer {
	cs := &countingServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cs.mu.Lock()
		cs.bodies = append(cs.bodies, string(b))
		n := len(cs.bodies)
		cs.mu.Unlock()
		answer(w, r, n)
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *countingServer) requests() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.bodies)
}

func tokenAnswer(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"access_token":"at-from-the-redirect-target","token_type":"bearer","expires_in":3600,"refresh_token":"rt-new"}`)
}

// Grant requests never follow a redirect, whatever *http.Client the user
// passes: the secret and the single-use grant reach the endpoint that
// passed the checks exactly once, and nowhere else.
func TestGrantRequestsNeverFollowRedirects(t *testing.T) {
	t.Parallel()
	const secret, code, refresh = "SENTINEL-redirect-secret-1f2e", "SENTINEL-redirect-code-3d4c", "SENTINEL-redirect-refresh-5b6a"
	clients := []struct {
		name string
		hc   func(rt http.RoundTripper) *http.Client // nil: no WithHTTPClient
	}{
		{"default client", nil},
		{"user client, Go's default CheckRedirect", func(rt http.RoundTripper) *http.Client { return &http.Client{Transport: rt} }},
		{"user client whose CheckRedirect follows everything", func(rt http.RoundTripper) *http.Client {
			return &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
		}},
		{"user client with a cookie jar and timeout", func(rt http.RoundTripper) *http.Client {
			jar, _ := cookiejar.New(nil)
			return &http.Client{Transport: rt, Jar: jar, Timeout: time.Minute}
		}},
	}
	targets := []string{"another host", "plain http elsewhere", "the same endpoint"}
	grants := []string{"code", "refresh"}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, hcase := range clients {
			for _, target := range targets {
				for _, grant := range grants {
					if hcase.hc == nil && target == "plain http elsewhere" {
						continue // only a recording transport can see it without the network
					}
					name := fmt.Sprintf("%d/%s/%s/%s", status, hcase.name, target, grant)
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						elsewhere := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { tokenAnswer(w) })
						var endpointURL string
						endpoint := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
							if n > 1 { // a second request: answer it as a real server would
								tokenAnswer(w)
								return
							}
							loc := map[string]string{
								"another host":         elsewhere.URL + "/oauth2/token",
								"plain http elsewhere": "http://idp-mirror.example/oauth2/token",
								"the same endpoint":    endpointURL,
							}[target]
							w.Header().Set("Location", loc)
							w.WriteHeader(status)
						})
						endpointURL = endpoint.URL + "/oauth2/token"
						rt := &recordingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
						var opts []client.Option
						var hc *http.Client
						userCheck := false
						if hcase.hc != nil {
							hc = hcase.hc(rt)
							userCheck = hc.CheckRedirect != nil
							opts = append(opts, client.WithHTTPClient(hc))
						}
						c, err := client.New(client.Config{Provider: providers.Generic(endpoint.URL), ClientID: "id",
							ClientSecret: secret, RedirectURL: redirect}, opts...)
						require.NoError(t, err)
						ctx := context.Background()
						var s *client.Session
						if grant == "code" {
							s, err = c.ExchangeCode(ctx, code)
						} else {
							s, err = c.Refresh(ctx, &client.Session{ID: "s", RefreshToken: refresh, Expiry: time.Now()})
						}
						require.Nil(t, s, "the redirect target's answer was taken as the session")
						require.ErrorIs(t, err, client.ErrBadResponse)
						var e *client.Error
						require.ErrorAs(t, err, &e)
						assert.Equal(t, status, e.StatusCode)
						assert.True(t, e.MaybeConsumed, "the endpoint may have used the grant before redirecting")
						assert.Equal(t, 1, endpoint.requests(), "the grant reaches the endpoint exactly once")
						assert.Zero(t, elsewhere.requests(), "the secret and the grant went to the redirect target")
						if hc != nil {
							assert.Equal(t, []string{endpointURL}, rt.seen(), "every URL the client sent to")
							assert.Equal(t, userCheck, hc.CheckRedirect != nil, "the user's client is left as it was")
						}
						assert.NotContains(t, err.Error(), secret)
					})
				}
			}
		}
	}
}

// Send (userinfo, introspection, disconnect) does not follow redirects
// either: the 3xx comes back as the answer.
func TestSendNeverFollowsRedirects(t *testing.T) {
	t.Parallel()
	elsewhere := newCountingServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) { tokenAnswer(w) })
	api := newCountingServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, elsewhere.URL+"/userinfo", http.StatusTemporaryRedirect)
	})
	c, err := client.New(client.Config{Provider: providers.Generic(api.URL), ClientID: "id", ClientSecret: "s"},
		client.WithHTTPClient(&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}))
	require.NoError(t, err)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, err := http.NewRequestWithContext(context.Background(), method, api.URL+"/userinfo", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer SENTINEL-bearer-7a8b")
		resp, err := c.Send(req)
		require.NoError(t, err, method)
		assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode, method)
	}
	assert.Equal(t, 2, api.requests())
	assert.Zero(t, elsewhere.requests(), "the bearer token went to the redirect target")
}

// A 101 answer is never read as a body (it would be the raw connection)
// and may have consumed the grant.
func TestSwitchingProtocolsIsMaybeConsumed(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		buf := make([]byte, 4096)
		_, _ = conn.Read(buf)
		_, _ = io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
		<-done // keep the "upgraded" connection open: reading it would hang
	}()
	c, err := client.New(client.Config{Provider: providers.Generic("http://" + l.Addr().String()), ClientID: "id", ClientSecret: "s"},
		client.WithHTTPClient(&http.Client{Timeout: time.Minute}))
	require.NoError(t, err)
	_, err = c.ExchangeCode(context.Background(), "SENTINEL-code-101")
	require.ErrorIs(t, err, client.ErrBadResponse)
	var e *client.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 101, e.StatusCode)
	assert.True(t, e.MaybeConsumed)
}

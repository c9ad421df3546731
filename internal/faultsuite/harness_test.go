package faultsuite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

// Sentinel credentials: every client of the suites uses them, and the leak
// scan looks for them (and every code and token the fakes hand out).
const (
	sentinelClientID     = "sentinel-client-id-7f3a"
	sentinelClientSecret = "SENTINEL-CLIENT-SECRET-0c9d1e"
	sentinelShop         = "sentinel-shop.myshopify.com"
	redirectURL          = "http://127.0.0.1:9/callback"
	clientTimeout        = 2 * time.Second
	liveTimeout          = 30 * time.Second
)

// Providers, in the order the suites run them.
var providerNames = []string{"generic", "shopify", "finch", "passport"}

// env is one provider's fake and a client for it, instrumented.
type env struct {
	provider string
	// fakeURL is the fake's base URL (the client under test may send
	// elsewhere).
	fakeURL string
	// c is the client under test; its endpoint may be overridden (a dead
	// port, a listener that resets). live talks to the fake.
	c, live  *client.Client
	shop     *shopify.Client  // Shopify only: the client under test
	finch    *finch.Client    // the client under test, for finch
	passport *passport.Client // the client under test, for passport
	// fail queues faults on the fake's token endpoint.
	fail func(...providertest.Fault)
	// served counts token endpoint requests the fake saw; reused counts
	// single-use grants (codes, refresh tokens) it saw twice.
	served, reused func() int
	// code issues a fresh single-use authorization code.
	code func() string
	// exchange runs the provider's code grant with the client under test.
	exchange func(ctx context.Context, code string) (*client.Session, error)
	// sessionToken and tokenExchange: Shopify's session-token exchange
	// (nil for other providers).
	sessionToken  func() string
	tokenExchange func(ctx context.Context, sessionToken string) (*client.Session, error)
	// refreshable reports whether the provider's sessions refresh.
	refreshable bool
	// login returns a live session from the fake (with a refresh token
	// when refreshable).
	login func(t *testing.T) *client.Session
	// attempts counts the round trips of the client under test.
	attempts atomic.Int64
	logs     *syncBuffer
	secrets  *secretSet
}

// newEnv starts provider's fake. base, if not "", replaces the fake's URL
// for the client under test.
func newEnv(t *testing.T, provider, base string) *env {
	t.Helper()
	return newEnvWithSecret(t, provider, base, sentinelClientSecret)
}

// newEnvWithSecret is newEnv with another client secret (the fake's and
// the clients').
func newEnvWithSecret(t *testing.T, provider, base, secret string) *env {
	t.Helper()
	e := &env{provider: provider, logs: &syncBuffer{}, secrets: &secretSet{}}
	e.secrets.add(secret)
	hc := &http.Client{Transport: countingTransport{n: &e.attempts, base: http.DefaultTransport.(*http.Transport).Clone()}, Timeout: clientTimeout}
	opts := []client.Option{
		client.WithHTTPClient(hc),
		client.WithRetryMax(2),
		client.WithRetryWait(10*time.Millisecond, 1500*time.Millisecond),
		client.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
	// The live client sets up logins against the fake: not under test, so
	// not held to clientTimeout (a loaded machine can take longer).
	liveOpts := append(append([]client.Option(nil), opts...), client.WithHTTPClient(&http.Client{Timeout: liveTimeout}))
	pick := func(fakeURL string) string {
		if base != "" {
			return base
		}
		return fakeURL
	}
	ctx := context.Background()
	switch provider {
	case "generic":
		g := providertest.NewGeneric(providertest.WithClientCredentials(sentinelClientID, secret))
		t.Cleanup(g.Close)
		mk := func(u string, opts []client.Option) *client.Client {
			c, err := client.New(client.Config{Provider: providers.Generic(u), ClientID: sentinelClientID,
				ClientSecret: secret, RedirectURL: redirectURL}, opts...)
			require.NoError(t, err)
			return c
		}
		e.fakeURL = g.URL
		e.c, e.live = mk(pick(g.URL), opts), mk(g.URL, liveOpts)
		e.fail = g.Fail
		e.served = func() int { return g.Stats().Requests }
		e.reused = func() int { s := g.Stats(); return s.ReusedCodes + s.ReusedRefreshTokens }
		e.code = func() string { return e.secrets.add(g.IssueCode(redirectURL)) }
		e.exchange = func(ctx context.Context, code string) (*client.Session, error) { return e.c.ExchangeCode(ctx, code) }
		e.refreshable = true
		e.login = func(t *testing.T) *client.Session {
			s, err := e.live.ExchangeCode(ctx, e.code())
			require.NoError(t, err)
			return e.secrets.session(s)
		}
	case "shopify":
		f := providertest.NewShopify(providertest.WithShopifyCredentials(sentinelClientID, secret))
		t.Cleanup(f.Close)
		mk := func(u string, opts []client.Option) *shopify.Client {
			c, err := shopify.New(shopify.Config{APIKey: sentinelClientID, APISecret: secret,
				Scopes: []string{"read_products"}, InsecureShopBaseURL: u}, opts...)
			require.NoError(t, err)
			return c
		}
		e.fakeURL = f.URL
		live := mk(f.URL, liveOpts)
		e.shop = mk(pick(f.URL), opts)
		e.c, e.live = e.shop.TokenClient(), live.TokenClient()
		e.fail = f.Fail
		e.served = func() int { return f.Stats().Requests }
		e.reused = func() int { return f.Stats().ReusedRefreshTokens }
		e.code = func() string { return e.secrets.add(f.IssueCode(sentinelShop)) }
		e.exchange = func(ctx context.Context, code string) (*client.Session, error) {
			return e.shop.ExchangeCode(ctx, sentinelShop, code, true)
		}
		e.sessionToken = func() string { return e.secrets.add(f.SessionToken(sentinelShop, 7)) }
		e.tokenExchange = func(ctx context.Context, st string) (*client.Session, error) {
			return e.shop.ExchangeToken(ctx, shopify.TokenExchangeParams{Shop: sentinelShop, SessionToken: st,
				RequestedTokenType: shopify.OfflineAccessToken, Expiring: true})
		}
		e.refreshable = true
		e.login = func(t *testing.T) *client.Session {
			s, err := live.ExchangeToken(ctx, shopify.TokenExchangeParams{Shop: sentinelShop,
				SessionToken: e.secrets.add(f.SessionToken(sentinelShop, 1)), RequestedTokenType: shopify.OfflineAccessToken, Expiring: true})
			require.NoError(t, err)
			require.NotEmpty(t, s.RefreshToken)
			return e.secrets.session(s)
		}
	case "finch":
		f := providertest.NewFinch(providertest.WithFinchCredentials(sentinelClientID, secret))
		t.Cleanup(f.Close)
		mk := func(u string, opts []client.Option) *finch.Client {
			c, err := finch.New(finch.Config{BaseURL: u, ClientID: sentinelClientID,
				ClientSecret: secret, RedirectURL: redirectURL}, opts...)
			require.NoError(t, err)
			return c
		}
		e.fakeURL = f.URL
		e.finch = mk(pick(f.URL), opts)
		e.c, e.live = e.finch.TokenClient(), mk(f.URL, liveOpts).TokenClient()
		e.fail = f.Fail
		e.served = func() int { return f.Stats().TokenRequests }
		e.reused = func() int { return f.Stats().ReusedCodes }
		e.code = func() string { return e.secrets.add(f.IssueCode(redirectURL, "company", "directory")) }
		e.exchange = func(ctx context.Context, code string) (*client.Session, error) { return e.c.ExchangeCode(ctx, code) }
		e.login = func(t *testing.T) *client.Session {
			s, err := e.live.ExchangeCode(ctx, e.code())
			require.NoError(t, err)
			return e.secrets.session(s)
		}
	case "passport":
		p := providertest.NewPassport(providertest.WithPassportCredentials(sentinelClientID, secret))
		t.Cleanup(p.Close)
		mk := func(u string, opts []client.Option) *passport.Client {
			c, err := passport.New(passport.Config{BaseURL: u, Issuer: p.URL,
				ClientID: sentinelClientID, ClientSecret: secret, RedirectURL: redirectURL,
				Scopes: []string{"openid", "email"}}, opts...)
			require.NoError(t, err)
			return c
		}
		e.fakeURL = p.URL
		e.passport = mk(pick(p.URL), opts)
		e.c, e.live = e.passport.TokenClient(), mk(p.URL, liveOpts).TokenClient()
		e.fail = p.Fail
		e.served = func() int { return p.Stats().Requests }
		e.reused = func() int { return p.Stats().ReusedCodes }
		e.code = func() string { return e.secrets.add(p.IssueCode("", "openid", "email")) }
		e.exchange = func(ctx context.Context, code string) (*client.Session, error) { return e.c.ExchangeCode(ctx, code) }
		e.refreshable = true
		e.login = func(t *testing.T) *client.Session {
			s, err := e.live.ExchangeCode(ctx, e.code())
			require.NoError(t, err)
			require.NotEmpty(t, s.RefreshToken)
			return e.secrets.session(s)
		}
	default:
		t.Fatalf("unknown provider %q", provider)
	}
	return e
}

// answer is a successful token response in the provider's shape, changed
// by edit (nil: as is). Its tokens are sentinels.
func (e *env) answer(edit func(map[string]any)) string {
	at := e.secrets.add("at-SENTINEL-raw-" + e.provider + "-4b1f")
	rt := e.secrets.add("rt-SENTINEL-raw-" + e.provider + "-93ac")
	var m map[string]any
	switch e.provider {
	case "generic":
		m = map[string]any{"access_token": at, "token_type": "bearer", "expires_in": 3600, "refresh_token": rt, "scope": "read"}
	case "shopify":
		m = map[string]any{"access_token": at, "scope": "read_products", "expires_in": 3600, "refresh_token": rt,
			"refresh_token_expires_in": 7776000}
	case "finch":
		m = map[string]any{"access_token": at, "token_type": "bearer", "connection_id": "conn-1", "customer_id": nil,
			"company_id": "co-1", "client_type": "production", "connection_type": "provider", "products": []string{"company"},
			"provider_id": "gusto", "entity_ids": []string{"co-1"}}
	case "passport":
		m = map[string]any{"token_type": "Bearer", "access_token": at, "refresh_token": rt, "expires_in": 3600}
	}
	if edit != nil {
		edit(m)
	}
	return mustJSON(m)
}

// countingTransport counts round trips (each attempt of the retry policy).
type countingTransport struct {
	n    *atomic.Int64
	base http.RoundTripper
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// deadURL is an http:// loopback URL nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// resetURL is an http:// loopback URL whose listener accepts each
// connection, waits until the client's request has arrived (it reads one
// byte of it, at most 10 s), and resets the connection without reading
// the rest; accepted counts the connections.
//
// Waiting for the request's first byte is what makes the case
// deterministic. The listener used to sleep 20 ms after Accept and reset
// then; on a loaded machine the client's goroutine sometimes had not yet
// checked its connect(2) result by then, saw the reset there ("dial tcp
// …: connect: connection reset by peer", a dial error: not a byte of the
// request written) and rightly retried on a second connection. A reset
// during the handshake is such a dial error, and is retried by design.
func resetURL(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var accepted atomic.Int64
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, _ = conn.Read(make([]byte, 1))
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST instead of FIN
			}
			_ = conn.Close()
		}
	}()
	t.Cleanup(func() { _ = l.Close() })
	return "http://" + l.Addr().String(), &accepted
}

// rawServer is an http:// loopback URL whose listener reads one request
// per connection and answers with the bytes answer makes of its body and
// Authorization header (malformed answers net/http would never write),
// then closes the connection.
func rawServer(t *testing.T, answer func(body, auth string) string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				b, _ := io.ReadAll(req.Body)
				_, _ = io.WriteString(conn, answer(string(b), req.Header.Get("Authorization")))
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// redirectingURL is an http:// loopback URL whose server answers every
// request with status and a Location on target (set later, once the fake
// it points at exists) plus the request's path: following it would hand
// the grant to the fake.
func redirectingURL(t *testing.T, status int) (string, func(target string)) {
	t.Helper()
	var target atomic.Value
	target.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", target.Load().(string)+r.URL.Path)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func(u string) { target.Store(u) }
}

// syncBuffer is a bytes.Buffer safe for a logger used by many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// secretSet collects every secret a test handled.
type secretSet struct {
	mu   sync.Mutex
	vals map[string]bool
}

func (s *secretSet) add(v string) string {
	if len(v) < 8 {
		return v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vals == nil {
		s.vals = map[string]bool{}
	}
	s.vals[v] = true
	return v
}

// session adds s's tokens and returns s.
func (s *secretSet) session(sess *client.Session) *client.Session {
	if sess != nil {
		s.add(sess.AccessToken)
		s.add(sess.RefreshToken)
		s.add(sess.IDToken)
	}
	return sess
}

func (s *secretSet) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.vals))
	for v := range s.vals {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// requireNoSecret fails if text holds any secret of set, in any form a
// server may echo it (raw, form- or percent-encoded, JSON-escaped, base64
// in either alphabet, padded or not), or a JWT part of one (an id_token's
// payload alone is a leak too).
func requireNoSecret(t *testing.T, set *secretSet, what, text string) {
	t.Helper()
	for _, sec := range set.list() {
		for _, f := range echoForms(sec) {
			if strings.Contains(text, f) {
				t.Fatalf("%s holds a secret (%.12s…) as %q:\n%s", what, sec, f, text)
			}
		}
		if parts := strings.Split(sec, "."); len(parts) == 3 {
			for _, p := range parts[:2] {
				if len(p) >= 16 && strings.Contains(text, p) {
					t.Fatalf("%s holds part of a token (%.12s…):\n%s", what, p, text)
				}
			}
		}
	}
}

// echoForms are the forms of sec the scans look for. They are written
// here, apart from the library's scrubber, so that a scrubber missing one
// fails.
func echoForms(sec string) []string {
	j, _ := json.Marshal(sec)
	forms := []string{sec, url.QueryEscape(sec), url.PathEscape(sec), string(j[1 : len(j)-1])}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		forms = append(forms, enc.EncodeToString([]byte(sec)))
	}
	return forms
}

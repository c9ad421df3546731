package finch_test

import (
	"bytes"
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
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

// countingStore counts the writes the handlers make.
type countingStore struct {
	tokenstore.Store
	mu                 sync.Mutex
	saves, compareSets int
}

func (c *countingStore) Save(ctx context.Context, s *client.Session) error {
	c.mu.Lock()
	c.saves++
	c.mu.Unlock()
	return c.Store.Save(ctx, s)
}

func (c *countingStore) CompareAndSave(ctx context.Context, old, s *client.Session) error {
	c.mu.Lock()
	c.compareSets++
	c.mu.Unlock()
	return c.Store.CompareAndSave(ctx, old, s)
}

func (c *countingStore) writes() (saves, compareSets int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.saves, c.compareSets
}

// connectApp is a Finch app over real HTTP: /connect and /callback from
// ConnectHandlers (the customer and a reauthentication come from the
// query, standing in for the app's signed-in user), /connected after a
// save, /webhook for Finch's deliveries.
type connectApp struct {
	t     *testing.T
	fake  *providertest.Finch
	c     *finch.Client
	store *countingStore
	srv   *httptest.Server
	logs  bytes.Buffer // guarded by mu
	mu    sync.Mutex
	errs  []*client.CallbackError
	hooks []*finch.Webhook
	// rejected are the refused webhooks' errors.
	rejected []error
}

// newConnectApp starts the app; wrap, if set, wraps its memory store.
func newConnectApp(t *testing.T, now func() time.Time, wrap func(tokenstore.Store) tokenstore.Store) *connectApp {
	t.Helper()
	var st tokenstore.Store = tokenstore.NewMemory()
	if wrap != nil {
		st = wrap(st)
	}
	a := &connectApp{t: t, store: &countingStore{Store: st}}
	a.fake = providertest.NewFinch(providertest.WithClock(now))
	t.Cleanup(a.fake.Close)
	mux := http.NewServeMux()
	a.srv = httptest.NewServer(mux)
	t.Cleanup(a.srv.Close)
	var err error
	a.c, err = finch.New(finch.Config{ClientID: a.fake.ClientID, ClientSecret: a.fake.ClientSecret,
		RedirectURL: a.srv.URL + "/callback", BaseURL: a.fake.URL})
	require.NoError(t, err)
	state, err := client.NewBrowserState(client.BrowserStateConfig{Key: []byte("finch-connect-test-key-0123456789")})
	require.NoError(t, err)
	connect, callback, err := a.c.ConnectHandlers(finch.ConnectConfig{
		State: state, Store: a.store, Products: []string{"company", "directory"}, SuccessURL: "/connected",
		Customer: func(r *http.Request) (finch.ConnectRequest, error) {
			q := r.URL.Query()
			if q.Get("customer") == "" {
				return finch.ConnectRequest{}, errors.New("not signed in")
			}
			return finch.ConnectRequest{CustomerID: q.Get("customer"), CustomerName: "Acme Inc",
				Reauthenticate: q.Get("reauth"), ReturnTo: q.Get("return")}, nil
		},
		OnError: func(w http.ResponseWriter, _ *http.Request, err *client.CallbackError) {
			a.mu.Lock()
			a.errs = append(a.errs, err)
			a.mu.Unlock()
			http.Error(w, err.Reason, err.StatusCode)
		},
		Logger: slog.New(slog.NewTextHandler(lockedWriter{a}, nil)),
	})
	require.NoError(t, err)
	hooks, err := finch.NewWebhookHandler(finch.WebhookHandlerConfig{
		Secret: providertest.FinchWebhookSecret, Now: now,
		Handle: func(w http.ResponseWriter, _ *http.Request, wh *finch.Webhook) {
			a.mu.Lock()
			a.hooks = append(a.hooks, wh)
			a.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		},
		OnReject: func(_ *http.Request, err error) {
			a.mu.Lock()
			a.rejected = append(a.rejected, err)
			a.mu.Unlock()
		},
	})
	require.NoError(t, err)
	mux.Handle("/connect", connect)
	mux.Handle("/callback", callback)
	mux.Handle("/webhook", hooks)
	mux.HandleFunc("/connected", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "connected") })
	mux.HandleFunc("/settings", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "settings") })
	return a
}

type lockedWriter struct{ a *connectApp }

func (l lockedWriter) Write(p []byte) (int, error) {
	l.a.mu.Lock()
	defer l.a.mu.Unlock()
	return l.a.logs.Write(p)
}

// lastErr is the last failure OnError saw.
func (a *connectApp) lastErr() *client.CallbackError {
	a.mu.Lock()
	defer a.mu.Unlock()
	require.NotEmpty(a.t, a.errs)
	return a.errs[len(a.errs)-1]
}

// browser is a cookie-keeping HTTP client that records every URL it is
// redirected to (codes included, to check nothing repeats them).
type browser struct {
	hc   *http.Client
	mu   sync.Mutex
	seen []string
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	b := &browser{}
	b.hc = &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		b.mu.Lock()
		b.seen = append(b.seen, r.URL.String())
		b.mu.Unlock()
		return nil
	}}
	return b
}

// get follows redirects from u and returns the final status and body.
func (b *browser) get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := b.hc.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

// start GETs u without following its redirect and returns the answer.
func (b *browser) start(t *testing.T, u string) *http.Response {
	t.Helper()
	hc := *b.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(u)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// codes are the authorization codes the browser carried to callbacks.
func (b *browser) codes() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, s := range b.seen {
		if u, err := url.Parse(s); err == nil && u.Query().Get("code") != "" {
			out = append(out, u.Query().Get("code"))
		}
	}
	return out
}

// TestConnectHandlersEndToEnd runs the whole Finch app over real HTTP
// against the strict fake: a Connect Session for the customer → its
// connect URL → consent → callback → exchange → one stored session keyed
// by the connection id; a reauthentication → that same stored session now
// holds the new token (written by compare-and-set), no second one; an
// entity disconnected → introspection shows it; webhooks the fake signed
// are accepted, tampered or stale ones refused with typed errors.
func TestConnectHandlersEndToEnd(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Second)
	clock := func() time.Time { return now }
	a := newConnectApp(t, clock, nil)
	ctx := context.Background()
	b := newBrowser(t)

	// /connect answers 303 to Finch's connect_url, only a state added.
	resp := b.start(t, a.srv.URL+"/connect?customer=cust-9")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, a.fake.ConnectURL, loc.Scheme+"://"+loc.Host+loc.Path)
	q := loc.Query()
	assert.Len(t, q, 2, "Finch's session parameter and the state, nothing built: %v", q)
	assert.True(t, strings.HasPrefix(q.Get("session"), "sess_"))
	assert.GreaterOrEqual(t, len(q.Get("state")), 32)
	assert.Equal(t, 1, a.fake.Stats().ConnectSessions)

	// Consent at the fake, back to /callback, exchanged, saved.
	status, body := b.get(t, loc.String())
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "connected", body)
	stored, err := a.store.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, stored, 1)
	first := stored[0]
	connID := first.Subject
	require.NotEmpty(t, connID)
	assert.Equal(t, finch.SessionID(connID), first.ID)
	assert.Equal(t, "finch:"+connID, first.ID)
	assert.Equal(t, "cust-9", finch.CustomerID(first))
	assert.Equal(t, "Acme Inc", finch.CustomerName(first))
	assert.Equal(t, []string{"company", "directory"}, finch.Products(first))
	assert.True(t, a.fake.AccessTokenValid(first.AccessToken))

	// Reauthenticate the connection: the same stored session now holds a
	// new live token, written by compare-and-set against the first.
	status, body = b.get(t, a.srv.URL+"/connect?customer=cust-9&reauth="+url.QueryEscape(connID)+"&return=/settings")
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "settings", body, "ReturnTo is honoured")
	stored, err = a.store.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, stored, 1, "a reauthentication replaces the stored session, no second one")
	again := stored[0]
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, connID, again.Subject)
	assert.NotEqual(t, first.AccessToken, again.AccessToken)
	assert.True(t, a.fake.AccessTokenValid(again.AccessToken))
	saves, sets := a.store.writes()
	assert.Equal(t, 0, saves, "the handlers never write blindly")
	assert.Equal(t, 2, sets, "each callback writes once, by compare-and-set")
	st := a.fake.Stats()
	assert.Equal(t, 1, st.ConnectSessions)
	assert.Equal(t, 1, st.Reauthentications)
	assert.Equal(t, 2, st.CodeExchanges)

	// Disconnect an entity: introspection shows it, the connection stays.
	ents := finch.EntityIDs(again)
	require.NotEmpty(t, ents)
	require.NoError(t, a.c.DisconnectEntities(ctx, again, ents[:1]))
	info, err := a.c.Introspect(ctx, again)
	require.NoError(t, err)
	e, ok := info.Entity(ents[0])
	require.True(t, ok)
	assert.Equal(t, "disconnected", e.Status)
	assert.Equal(t, connID, info.ConnectionID)
	assert.Equal(t, "cust-9", info.CustomerID)
	assert.Equal(t, "Acme Inc", info.CustomerName)
	assert.Equal(t, 1, a.fake.Stats().EntityDisconnects)

	// Webhooks: the fake's signed delivery is accepted; a tampered body
	// and a stale timestamp are refused with typed errors.
	send := func(req *http.Request) int {
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	hook := []byte(`{"connection_id":"` + connID + `","event_type":"account.updated"}`)
	req, err := a.fake.WebhookRequest(ctx, a.srv.URL+"/webhook", "evt_1", hook)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, send(req))
	req, err = a.fake.WebhookRequest(ctx, a.srv.URL+"/webhook", "evt_2", hook)
	require.NoError(t, err)
	req.Body = io.NopCloser(bytes.NewReader(bytes.Replace(hook, []byte(connID), []byte("conn_someone_else"), 1)))
	req.ContentLength = -1
	assert.Equal(t, http.StatusUnauthorized, send(req))
	now = now.Add(-10 * time.Minute) // the fake signs with a timestamp 10 minutes old
	req, err = a.fake.WebhookRequest(ctx, a.srv.URL+"/webhook", "evt_3", hook)
	require.NoError(t, err)
	now = now.Add(10 * time.Minute)
	assert.Equal(t, http.StatusUnauthorized, send(req))
	a.mu.Lock()
	require.Len(t, a.hooks, 1)
	assert.Equal(t, "evt_1", a.hooks[0].EventID)
	require.Len(t, a.rejected, 2)
	assert.ErrorIs(t, a.rejected[0], finch.ErrWebhookSignature)
	assert.ErrorIs(t, a.rejected[1], finch.ErrWebhookStale)
	var we *finch.WebhookError
	assert.ErrorAs(t, a.rejected[1], &we)
	a.mu.Unlock()
}

// TestConnectHandlersRefusals: each way a /connect or /callback request
// is refused answers its typed error and leaves Finch and the store as
// they were.
func TestConnectHandlersRefusals(t *testing.T) {
	t.Parallel()
	a := newConnectApp(t, time.Now, nil)
	ctx := context.Background()
	b := newBrowser(t)
	status, body := b.get(t, a.srv.URL+"/connect?customer=cust-1")
	require.Equal(t, http.StatusOK, status, body)
	stored, err := a.store.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, stored, 1)
	connID := stored[0].Subject
	before := a.fake.Stats()

	tests := []struct {
		name   string
		method string
		query  string
		status int
		want   error
	}{
		{"no customer", http.MethodGet, "", http.StatusForbidden, finch.ErrConnectRefused},
		{"HEAD creates nothing", http.MethodHead, "customer=cust-1", http.StatusMethodNotAllowed, nil},
		{"reauthenticate another customer's connection", http.MethodGet, "customer=cust-2&reauth=" + connID, http.StatusForbidden, finch.ErrCustomerMismatch},
		{"reauthenticate a connection not stored", http.MethodGet, "customer=cust-1&reauth=conn_unknown", http.StatusNotFound, finch.ErrUnknownConnection},
		{"reauthenticate a malformed connection id", http.MethodGet, "customer=cust-1&reauth=%20", http.StatusBadRequest, finch.ErrInvalidParams},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(ctx, tt.method, a.srv.URL+"/connect?"+tt.query, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tt.status, resp.StatusCode, tt.name)
		ce := a.lastErr()
		assert.Equal(t, tt.status, ce.StatusCode, tt.name)
		if tt.want != nil {
			assert.ErrorIs(t, ce, tt.want, tt.name)
		}
		assert.Empty(t, resp.Cookies(), "%s: no login begun", tt.name)
	}
	assert.Equal(t, before, a.fake.Stats(), "nothing was sent to Finch")

	// A connect URL opened in another browser (no login cookie) is refused
	// before the code is exchanged.
	resp := b.start(t, a.srv.URL+"/connect?customer=cust-1")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	other := newBrowser(t)
	status, _ = other.get(t, resp.Header.Get("Location"))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.ErrorIs(t, a.lastErr(), client.ErrInvalidState)
	assert.Equal(t, before.CodeExchanges, a.fake.Stats().CodeExchanges)

	// A token for another customer than the session's, or a
	// reauthentication that answers another connection, is not saved.
	for name, tc := range map[string]struct {
		query, answer string
		want          error
	}{
		"another customer": {"customer=cust-1",
			`{"access_token":"at_x","token_type":"bearer","connection_id":"conn_x","customer_id":"cust-other"}`, finch.ErrCustomerMismatch},
		"another connection": {"customer=cust-1&reauth=" + connID,
			`{"access_token":"at_y","token_type":"bearer","connection_id":"conn_y","customer_id":"cust-1"}`, finch.ErrConnectionMismatch},
	} {
		resp := b.start(t, a.srv.URL+"/connect?"+tc.query)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, name)
		a.fake.Fail(providertest.Raw(http.StatusOK, "application/json", tc.answer))
		status, _ := b.get(t, resp.Header.Get("Location"))
		assert.Equal(t, http.StatusInternalServerError, status, name)
		assert.ErrorIs(t, a.lastErr(), tc.want, name)
		assert.ErrorIs(t, a.lastErr(), client.ErrNoSessionID, name)
	}
	after, err := a.store.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	assert.Equal(t, stored, after, "the store holds the first session only")

	// Nothing the handlers answered or logged holds a code, token or
	// secret.
	codes := append(b.codes(), other.codes()...)
	require.Len(t, codes, 4, "the first connection's, the other browser's and the two refused ones")
	a.mu.Lock()
	defer a.mu.Unlock()
	require.Len(t, a.errs, len(tests)+3)
	require.NotEmpty(t, a.logs.String())
	for _, s := range append(codes, stored[0].AccessToken, "at_x", "at_y", a.fake.ClientSecret) {
		assert.NotContains(t, a.logs.String(), s)
		for _, e := range a.errs {
			assert.NotContains(t, e.Error(), s)
			assert.NotContains(t, e.Reason, s)
		}
	}
}

// A compare-and-set conflict (someone saved the connection meanwhile) is
// retried against the newly stored session; a store that always conflicts
// fails the save after three tries, typed.
func TestConnectHandlersSaveConflicts(t *testing.T) {
	t.Parallel()
	var conflicts *conflictingStore
	a := newConnectApp(t, time.Now, func(st tokenstore.Store) tokenstore.Store {
		conflicts = &conflictingStore{Store: st, left: 1}
		return conflicts
	})
	b := newBrowser(t)
	status, body := b.get(t, a.srv.URL+"/connect?customer=cust-1")
	require.Equal(t, http.StatusOK, status, body)
	stored, err := conflicts.List(context.Background(), tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, stored, 1)
	assert.Equal(t, 2, conflicts.tries())

	conflicts.set(100)
	status, _ = b.get(t, a.srv.URL+"/connect?customer=cust-1&reauth="+url.QueryEscape(stored[0].Subject))
	assert.Equal(t, http.StatusInternalServerError, status)
	ce := a.lastErr()
	assert.ErrorIs(t, ce, client.ErrSaveFailed)
	assert.ErrorIs(t, ce, tokenstore.ErrConflict)
	assert.Equal(t, 2+3, conflicts.tries())
}

// conflictingStore fails the next left CompareAndSave calls with a
// conflict.
type conflictingStore struct {
	tokenstore.Store
	mu         sync.Mutex
	left, seen int
}

func (c *conflictingStore) CompareAndSave(ctx context.Context, old, s *client.Session) error {
	c.mu.Lock()
	c.seen++
	conflict := c.left > 0
	c.left--
	c.mu.Unlock()
	if conflict {
		return &tokenstore.ConflictError{ID: s.ID}
	}
	return c.Store.CompareAndSave(ctx, old, s)
}

func (c *conflictingStore) set(n int) { c.mu.Lock(); c.left = n; c.mu.Unlock() }
func (c *conflictingStore) tries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen
}

func TestConnectHandlersConfig(t *testing.T) {
	t.Parallel()
	state, err := client.NewBrowserState(client.BrowserStateConfig{Key: []byte("finch-connect-test-key-0123456789")})
	require.NoError(t, err)
	store := tokenstore.NewMemory()
	customer := func(*http.Request) (finch.ConnectRequest, error) { return finch.ConnectRequest{}, nil }
	withRedirect, err := finch.New(finch.Config{ClientID: "id", ClientSecret: "sec", RedirectURL: "https://app.example/callback"})
	require.NoError(t, err)
	noRedirect, err := finch.New(finch.Config{ClientID: "id", ClientSecret: "sec"})
	require.NoError(t, err)
	ok := finch.ConnectConfig{State: state, Store: store, Customer: customer}
	with := func(f func(c *finch.ConnectConfig)) finch.ConnectConfig { c := ok; f(&c); return c }
	for name, tc := range map[string]struct {
		c     *finch.Client
		cfg   finch.ConnectConfig
		field string
	}{
		"no state":          {withRedirect, with(func(c *finch.ConnectConfig) { c.State = nil }), "ConnectConfig.State"},
		"no store":          {withRedirect, with(func(c *finch.ConnectConfig) { c.Store = nil }), "ConnectConfig.Store"},
		"no customer":       {withRedirect, with(func(c *finch.ConnectConfig) { c.Customer = nil }), "ConnectConfig.Customer"},
		"bad sandbox":       {withRedirect, with(func(c *finch.ConnectConfig) { c.Sandbox = "yes" }), "ConnectConfig.Sandbox"},
		"negative timeout":  {withRedirect, with(func(c *finch.ConnectConfig) { c.Timeout = -1 }), "ConnectConfig.Timeout"},
		"no redirect":       {noRedirect, ok, "ConnectConfig.RedirectURI"},
		"plain http":        {noRedirect, with(func(c *finch.ConnectConfig) { c.RedirectURI = "http://app.example/cb" }), "redirect_uri"},
		"unknown product":   {withRedirect, with(func(c *finch.ConnectConfig) { c.Products = []string{"payroll"} }), "products"},
		"repeated products": {withRedirect, with(func(c *finch.ConnectConfig) { c.Products = []string{"ssn", "ssn"} }), "products"},
	} {
		_, _, err := tc.c.ConnectHandlers(tc.cfg)
		var pe *finch.ParamError
		require.ErrorAs(t, err, &pe, name)
		assert.Equal(t, tc.field, pe.Field, name)
		assert.ErrorIs(t, err, client.ErrInvalidRequest, name)
	}
	connect, callback, err := noRedirect.ConnectHandlers(with(func(c *finch.ConnectConfig) { c.RedirectURI = "http://127.0.0.1:9/cb" }))
	require.NoError(t, err)
	assert.NotNil(t, connect)
	assert.NotNil(t, callback)
}

func TestConnectSessionURLWithState(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ connect, state, want string }{
		"finch's url":     {"https://connect.tryfinch.com/authorize?session=sess_1", "st-4_te", "https://connect.tryfinch.com/authorize?session=sess_1&state=st-4_te"},
		"kept as sent":    {"https://connect.example/authorize?b=2&a=%2F", "s", "https://connect.example/authorize?b=2&a=%2F&state=s"},
		"no query":        {"https://connect.example/authorize", "s", "https://connect.example/authorize?state=s"},
		"empty query":     {"https://connect.example/authorize?", "s", "https://connect.example/authorize?state=s"},
		"empty state":     {"https://connect.example/authorize?session=x", "", ""},
		"state with &":    {"https://connect.example/authorize?session=x", "a&b=c", ""},
		"has a state":     {"https://connect.example/authorize?session=x&state=theirs", "s", ""},
		"has a fragment":  {"https://connect.example/authorize?session=x#f", "s", ""},
		"no connect url":  {"", "s", ""},
		"not a url":       {"https://connect.example/%zz", "s", ""},
		"space in state":  {"https://connect.example/authorize?session=x", "a b", ""},
		"unicode in stat": {"https://connect.example/authorize?session=x", "é", ""},
	} {
		got, err := (&finch.ConnectSession{SessionID: "x", ConnectURL: tc.connect}).URLWithState(tc.state)
		if tc.want == "" {
			assert.ErrorIs(t, err, finch.ErrInvalidParams, name)
			continue
		}
		require.NoError(t, err, name)
		assert.Equal(t, tc.want, got, name)
	}
	var nilSession *finch.ConnectSession
	_, err := nilSession.URLWithState("s")
	assert.ErrorIs(t, err, finch.ErrInvalidParams)
}

package faultsuite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// faultCase is one failure (or odd answer) served to a grant request.
type faultCase struct {
	name string
	// endpoint, if set, replaces the provider: "dead" (connection
	// refused), "reset" (a listener that resets every connection),
	// "redirect" (a server answering status with a Location on the fake:
	// following it would hand the grant to the fake) or "raw" (a server
	// answering every request with rawAnswer's bytes).
	endpoint  string
	status    int
	rawAnswer func(e *env, body, auth string) string
	// faults are queued on the fake; body, if set, builds one Raw answer
	// from the provider's successful answer.
	faults []providertest.Fault
	body   func(e *env) providertest.Fault

	// kind is the expected sentinel (nil: success).
	kind error
	// maybeConsumed is the expected Error.MaybeConsumed: true whenever
	// the provider read the request and may have acted on it, which
	// includes every 2xx that is no usable token answer.
	maybeConsumed bool
	// served is how many requests the provider must see; attempts how
	// many the client must make (0: same as served).
	served, attempts int
	// retryAfter is the expected Error.RetryAfter (at least).
	retryAfter time.Duration
	// minElapsed: the client must have waited this long (Retry-After).
	minElapsed time.Duration
	// check inspects a successful session.
	check func(t *testing.T, e *env, s *client.Session, issued time.Time)
	// conns is how many connections the resetting listener must see (0: 1).
	conns int64
}

// replayed is fc served to a replay-safe grant (Shopify's refresh, see
// client.ReplaySafe): after an ambiguous failure the client sends the
// same grant again and the provider answers it as it did (or would have)
// the first time, so the refresh succeeds with one more request. A
// listener that resets every connection still fails every attempt.
func replayed(fc faultCase) faultCase {
	if fc.kind != client.ErrTransient || !fc.maybeConsumed {
		return fc
	}
	switch fc.endpoint {
	case "reset":
		fc.attempts, fc.conns = 3, 3
		return fc
	case "raw": // it answers every attempt the same way
		fc.attempts = 3
		return fc
	}
	fc.kind, fc.maybeConsumed = nil, false
	fc.served++
	fc.check = expiresAbout(time.Hour)
	return fc
}

func raw(status int, ctype string, edit func(map[string]any)) func(e *env) providertest.Fault {
	return func(e *env) providertest.Fault { return providertest.Raw(status, ctype, e.answer(edit)) }
}

func rawText(status int, ctype, body string) func(e *env) providertest.Fault {
	return func(*env) providertest.Fault { return providertest.Raw(status, ctype, body) }
}

func set(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }

func del(k string) func(map[string]any) { return func(m map[string]any) { delete(m, k) } }

// expiresAbout checks Expiry ≈ issued+d; Finch sessions never expire
// whatever the answer says.
func expiresAbout(d time.Duration) func(t *testing.T, e *env, s *client.Session, issued time.Time) {
	return func(t *testing.T, e *env, s *client.Session, issued time.Time) {
		if e.provider == "finch" {
			assert.True(t, s.NeverExpires(), "Finch sessions never expire")
			return
		}
		assert.WithinDuration(t, issued.Add(d), s.Expiry, 5*time.Second)
	}
}

func httpDate(d time.Duration) string { return time.Now().Add(d).UTC().Format(http.TimeFormat) }

// echoed is a malformed answer quoting the request (body and
// Authorization header) and fresh sentinel tokens, as a broken server or
// proxy might: net/http would quote it in its error.
func echoed(format string) func(e *env, body, auth string) string {
	return func(e *env, body, auth string) string {
		at := e.secrets.add("at-SENTINEL-malformed-" + e.provider + "-5c2d")
		rt := e.secrets.add("rt-SENTINEL-malformed-" + e.provider + "-6e3f")
		return fmt.Sprintf(format, body+auth+at+rt)
	}
}

func redirectCase(status int) faultCase {
	return faultCase{name: fmt.Sprintf("Redirect%d", status), endpoint: "redirect", status: status,
		kind: client.ErrBadResponse, maybeConsumed: true, served: 0, attempts: 1}
}

func faultCases() []faultCase {
	ok := expiresAbout(time.Hour)
	return []faultCase{
		redirectCase(301), redirectCase(302), redirectCase(303), redirectCase(307), redirectCase(308),
		{name: "408", faults: []providertest.Fault{providertest.Raw(408, "application/json", `{"error":"request_timeout"}`)},
			kind: client.ErrTransient, maybeConsumed: true, served: 1},
		{name: "SwitchingProtocols", endpoint: "raw", rawAnswer: func(*env, string, string) string {
			return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
		}, kind: client.ErrBadResponse, maybeConsumed: true, served: 0, attempts: 1},
		{name: "MalformedStatusLine", endpoint: "raw", rawAnswer: echoed("HTTP/1.1_%s\r\n\r\n"),
			kind: client.ErrTransient, maybeConsumed: true, served: 0, attempts: 1},
		{name: "MalformedStatusCode", endpoint: "raw", rawAnswer: echoed("HTTP/1.1 2%s OK\r\n\r\n"),
			kind: client.ErrTransient, maybeConsumed: true, served: 0, attempts: 1},
		{name: "MalformedHeaderLine", endpoint: "raw", rawAnswer: echoed("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX Echo %s\r\n\r\n"),
			kind: client.ErrTransient, maybeConsumed: true, served: 0, attempts: 1},

		{name: "ConnectionRefused", endpoint: "dead", kind: client.ErrTransient, served: 0, attempts: 3},
		{name: "ResetBeforeRequestRead", endpoint: "reset", kind: client.ErrTransient, maybeConsumed: true, served: 0, attempts: 1},
		{name: "ResetBeforeHandling", faults: []providertest.Fault{providertest.ResetBeforeHandling()}, kind: client.ErrTransient, maybeConsumed: true, served: 1},
		{name: "ResetAfterHandling", faults: []providertest.Fault{providertest.ResetAfterHandling()}, kind: client.ErrTransient, maybeConsumed: true, served: 1},
		{name: "Timeout", faults: []providertest.Fault{providertest.Slow(3 * clientTimeout)}, kind: client.ErrTransient, maybeConsumed: true, served: 1},

		{name: "429ThenOK", faults: []providertest.Fault{providertest.RateLimited("")}, served: 2, check: ok},
		{name: "429RetryAfterSecondsThenOK", faults: []providertest.Fault{providertest.RateLimited("1")}, served: 2, minElapsed: 900 * time.Millisecond, check: ok},
		{name: "429RetryAfterDateThenOK", faults: []providertest.Fault{providertest.RateLimited(httpDate(time.Second))}, served: 2, check: ok},
		{name: "429RetryAfterTooLong", faults: []providertest.Fault{providertest.RateLimited("3600")}, kind: client.ErrRateLimited, served: 1, retryAfter: time.Hour},
		{name: "429RetryAfterDateTooLong", faults: []providertest.Fault{providertest.RateLimited(httpDate(2 * time.Hour))}, kind: client.ErrRateLimited, served: 1, retryAfter: 90 * time.Minute},
		{name: "429Persistent", faults: []providertest.Fault{providertest.RateLimited(""), providertest.RateLimited(""), providertest.RateLimited("")}, kind: client.ErrRateLimited, served: 3},
		{name: "503ThenOK", faults: []providertest.Fault{providertest.Unavailable("")}, served: 2, check: ok},
		{name: "503RetryAfterSecondsThenOK", faults: []providertest.Fault{providertest.Unavailable("1")}, served: 2, minElapsed: 900 * time.Millisecond, check: ok},
		{name: "503RetryAfterDateThenOK", faults: []providertest.Fault{providertest.Unavailable(httpDate(time.Second))}, served: 2, check: ok},
		{name: "503RetryAfterTooLong", faults: []providertest.Fault{providertest.Unavailable("3600")}, kind: client.ErrTransient, served: 1, retryAfter: time.Hour},
		{name: "503Persistent", faults: []providertest.Fault{providertest.Unavailable(""), providertest.Unavailable(""), providertest.Unavailable("")}, kind: client.ErrTransient, served: 3},

		{name: "500", faults: []providertest.Fault{providertest.ServerError(500)}, kind: client.ErrTransient, maybeConsumed: true, served: 1},
		{name: "502", faults: []providertest.Fault{providertest.ServerError(502)}, kind: client.ErrTransient, maybeConsumed: true, served: 1},
		{name: "504", faults: []providertest.Fault{providertest.ServerError(504)}, kind: client.ErrTransient, maybeConsumed: true, served: 1},
		{name: "500AfterHandling", faults: []providertest.Fault{providertest.ServerErrorAfterHandling(500)}, kind: client.ErrTransient, maybeConsumed: true, served: 1},
		{name: "502AfterHandling", faults: []providertest.Fault{providertest.ServerErrorAfterHandling(502)}, kind: client.ErrTransient, maybeConsumed: true, served: 1},
		{name: "504AfterHandling", faults: []providertest.Fault{providertest.ServerErrorAfterHandling(504)}, kind: client.ErrTransient, maybeConsumed: true, served: 1},

		{name: "HTMLPage200", faults: []providertest.Fault{providertest.HTMLPage(200)}, kind: client.ErrBadResponse, maybeConsumed: true, served: 1},
		{name: "HTMLPage502", faults: []providertest.Fault{providertest.HTMLPage(502)}, kind: client.ErrTransient, maybeConsumed: true, served: 1},
		{name: "HTMLPage400", faults: []providertest.Fault{providertest.HTMLPage(400)}, kind: client.ErrBadResponse, served: 1},
		{name: "EmptyBody", body: rawText(200, "application/json", ""), kind: client.ErrBadResponse, maybeConsumed: true, served: 1},
		{name: "EmptyBody400", body: rawText(400, "application/json", ""), kind: client.ErrBadResponse, served: 1},
		{name: "TruncatedJSON", body: func(e *env) providertest.Fault {
			a := e.answer(nil)
			return providertest.Raw(200, "application/json", a[:len(a)/2])
		}, kind: client.ErrBadResponse, maybeConsumed: true, served: 1},
		{name: "BodyOver1MiB", body: raw(200, "application/json", set("pad", strings.Repeat("x", client.MaxResponseBytes))), kind: client.ErrBadResponse, maybeConsumed: true, served: 1},
		{name: "WrongContentTypeJSONBody", body: raw(200, "text/plain", nil), served: 1, check: ok},
		{name: "FormEncodedBody", body: func(e *env) providertest.Fault {
			return providertest.Raw(200, "application/x-www-form-urlencoded",
				"access_token="+e.secrets.add("at-SENTINEL-form-2e7d")+"&token_type=bearer&expires_in=3600")
		}, kind: client.ErrBadResponse, maybeConsumed: true, served: 1},

		{name: "ExpiresInString", body: raw(200, "application/json", set("expires_in", "3600")), served: 1, check: ok},
		{name: "ExpiresInFloat", body: raw(200, "application/json", set("expires_in", 3600.5)), served: 1, check: ok},
		{name: "ExpiresInNegative", body: raw(200, "application/json", set("expires_in", -60)), served: 1, check: expiresAbout(0)},
		{name: "ExpiresInHuge", body: raw(200, "application/json", set("expires_in", 1e300)), served: 1,
			check: func(t *testing.T, e *env, s *client.Session, issued time.Time) {
				if e.provider != "finch" {
					assert.True(t, s.Expiry.After(issued.Add(50*365*24*time.Hour)) && s.Expiry.Year() < 9999, "capped far future: %v", s.Expiry)
				}
			}},
		{name: "ExpiresInGarbage", body: raw(200, "application/json", set("expires_in", map[string]any{"x": 1})), served: 1,
			check: func(t *testing.T, e *env, s *client.Session, issued time.Time) {
				if e.provider != "finch" {
					assert.False(t, s.Expiry.IsZero(), "an expiring provider's session never expires")
				}
			}},
		{name: "MissingAccessToken", body: raw(200, "application/json", del("access_token")), kind: client.ErrBadResponse, maybeConsumed: true, served: 1},
		{name: "AccessTokenNotString", body: raw(200, "application/json", set("access_token", 12345678)), kind: client.ErrBadResponse, maybeConsumed: true, served: 1},
		{name: "TokenTypeMAC", body: raw(200, "application/json", set("token_type", "mac")), kind: client.ErrBadResponse, maybeConsumed: true, served: 1},
		{name: "SuccessCarryingError", body: raw(200, "application/json", set("error", "server_error")), kind: client.ErrBadResponse, maybeConsumed: true, served: 1},
	}
}

// flows are the grants every fault is served to: a code exchange, the
// same through client.CallbackHandler (its Save writes the store), a
// refresh through tokenstore.TokenSource, and Shopify's session-token
// exchange.
var flows = []string{"code", "callback", "refresh", "token-exchange"}

func TestFaults(t *testing.T) {
	t.Parallel()
	for _, provider := range providerNames {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			for _, flow := range flows {
				t.Run(flow, func(t *testing.T) {
					t.Parallel()
					for _, fc := range faultCases() {
						t.Run(fc.name, func(t *testing.T) {
							t.Parallel()
							runFault(t, provider, flow, fc)
						})
					}
				})
			}
		})
	}
}

// runFault serves fc to one grant of provider and checks the error, the
// requests, the store and the logs.
func runFault(t *testing.T, provider, flow string, fc faultCase) {
	base := ""
	var resetConns *atomic.Int64
	var setTarget func(string)
	var setEnv func(*env)
	switch fc.endpoint {
	case "dead":
		base = deadURL(t)
	case "reset":
		u, n := resetURL(t)
		base, resetConns = u, n
	case "redirect":
		base, setTarget = redirectingURL(t, fc.status)
	case "raw":
		// The answer needs the env (its secrets), made just below.
		var ep atomic.Pointer[env]
		base = rawServer(t, func(body, auth string) string { return fc.rawAnswer(ep.Load(), body, auth) })
		setEnv = func(e *env) { ep.Store(e) }
	}
	e := newEnv(t, provider, base)
	if setTarget != nil {
		setTarget(e.fakeURL)
	}
	if setEnv != nil {
		setEnv(e)
	}
	if flow == "refresh" && provider == "shopify" {
		fc = replayed(fc)
	}
	if flow == "refresh" && !e.refreshable {
		t.Skipf("%s sessions do not refresh", provider)
	}
	if flow == "token-exchange" && provider != "shopify" {
		t.Skip("session-token exchange is Shopify's")
	}
	if flow == "callback" && provider == "shopify" {
		t.Skip("Shopify's OAuth callback is VerifyCallback + ExchangeCode: the code flow")
	}
	ctx := context.Background()
	st := tokenstore.NewMemory()
	var orig *client.Session
	var code string
	if flow == "refresh" {
		orig = e.login(t)
		orig.Expiry = time.Now().Add(-time.Second) // due
		require.NoError(t, st.Save(ctx, orig))
	} else if flow == "token-exchange" {
		code = e.sessionToken()
	} else {
		code = e.code()
	}
	queued := fc.faults
	if fc.body != nil {
		queued = append(queued, fc.body(e))
	}
	e.fail(queued...)
	servedBefore, attemptsBefore := e.served(), e.attempts.Load()

	start := time.Now()
	var s *client.Session
	var err error
	if flow == "refresh" {
		ts := tokenstore.NewTokenSource(st, e.c, orig.ID)
		var tok *oauth2.Token
		tok, err = ts.Token()
		if err == nil {
			s, err = st.Load(ctx, orig.ID)
			require.NoError(t, err)
			assert.Equal(t, s.AccessToken, tok.AccessToken, "the token handed out is the one saved")
		}
	} else if flow == "token-exchange" {
		s, err = e.tokenExchange(ctx, code)
		if err == nil {
			err = st.Save(ctx, s)
		}
	} else if flow == "callback" {
		s, err = runCallback(t, e, st, code, fc.kind)
	} else {
		s, err = e.exchange(ctx, code)
		if err == nil {
			err = st.Save(ctx, s) // what an application does on success only
		}
	}
	elapsed := time.Since(start)
	served := e.served() - servedBefore
	attempts := int(e.attempts.Load() - attemptsBefore)
	e.secrets.session(s)

	wantAttempts := fc.attempts
	if wantAttempts == 0 {
		wantAttempts = fc.served
	}
	assert.Equal(t, fc.served, served, "requests the provider saw")
	assert.Equal(t, wantAttempts, attempts, "requests the client sent")
	if resetConns != nil {
		assert.EqualValues(t, max(fc.conns, 1), resetConns.Load(), "connections the resetting listener saw")
	}
	assert.Zero(t, e.reused(), "a single-use grant was presented twice")
	if fc.minElapsed > 0 {
		assert.GreaterOrEqual(t, elapsed, fc.minElapsed, "Retry-After was not honoured")
	}

	if fc.kind == nil {
		require.NoError(t, err)
		require.NotNil(t, s)
		if fc.check != nil {
			fc.check(t, e, s, start)
		}
		got, lerr := st.Load(ctx, s.ID)
		require.NoError(t, lerr)
		assert.Equal(t, s.AccessToken, got.AccessToken, "the new session is what the store holds")
	} else {
		require.Error(t, err)
		require.ErrorIs(t, err, fc.kind)
		var ce *client.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, fc.maybeConsumed, ce.MaybeConsumed, "MaybeConsumed")
		if fc.retryAfter > 0 {
			assert.GreaterOrEqual(t, ce.RetryAfter, fc.retryAfter, "RetryAfter")
		}
		// Nothing saved: the store holds exactly what it held.
		if flow == "refresh" {
			got, lerr := st.Load(ctx, orig.ID)
			require.NoError(t, lerr, "the stored session was lost")
			storetest.Equal(t, orig, got)
		} else {
			list, lerr := st.List(ctx, tokenstore.Filter{})
			require.NoError(t, lerr)
			assert.Empty(t, list, "a failed exchange saved something")
		}
		requireNoSecret(t, e.secrets, "error", err.Error())
		requireNoSecret(t, e.secrets, "%+v of the error", fmt.Sprintf("%+v", err))
		requireNoSecret(t, e.secrets, "%#v of the error", fmt.Sprintf("%#v", ce))
	}
	requireNoSecret(t, e.secrets, "log", e.logs.String())
	for _, v := range []any{e.c, st, s} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			requireNoSecret(t, e.secrets, verb+" of the client, store and session", fmt.Sprintf(verb, v))
		}
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // test helper: only maps of plain values reach it
	}
	return string(b)
}

// TestFaultsCoverEveryProvider guards the table: a provider without a
// harness would silently run nothing.
func TestFaultsCoverEveryProvider(t *testing.T) {
	t.Parallel()
	for _, p := range providerNames {
		e := newEnv(t, p, "")
		require.NotNil(t, e.c)
		s := e.login(t)
		require.NotEmpty(t, s.AccessToken)
	}
}

// callbackState is the signed login state of the suite's callback
// handlers.
func callbackState(t *testing.T) *client.BrowserState {
	t.Helper()
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: []byte("faultsuite-callback-state-key-0123456789")})
	require.NoError(t, err)
	return bs
}

// callbackUser names every callback's session after the one signed-in
// user of the suite's application.
func callbackUser(_ context.Context, s *client.Session) (string, error) {
	return s.Provider + ":faultsuite-user", nil
}

// beginLogin begins a login at h as the browser's GET /login on a
// loopback host would, and returns its state and login cookie.
func beginLogin(t *testing.T, h *client.CallbackHandler) (string, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	st, err := h.Begin(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/login", nil), "/home", false)
	require.NoError(t, err)
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)
	return st.State, cookies[0]
}

// runCallback sends the provider's redirect with code, a valid state and
// the browser's login cookie to
// a CallbackHandler saving into st, and returns the saved session or the
// handler's error, after checking the status it answered.
func runCallback(t *testing.T, e *env, st tokenstore.Store, code string, kind error) (*client.Session, error) {
	t.Helper()
	var cbErr *client.CallbackError
	h, err := client.NewCallbackHandler(client.CallbackConfig{Client: e.c, State: callbackState(t), ID: callbackUser,
		Save: func(ctx context.Context, s *client.Session) error { return st.Save(ctx, s) },
		OnError: func(w http.ResponseWriter, _ *http.Request, ce *client.CallbackError) {
			cbErr = ce
			http.Error(w, ce.Reason, ce.StatusCode)
		}})
	require.NoError(t, err)
	state, cookie := beginLogin(t, h)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/callback?state="+url.QueryEscape(state)+"&code="+url.QueryEscape(code), nil)
	req.AddCookie(cookie)
	h.ServeHTTP(rec, req)
	if kind == nil {
		require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
		require.Equal(t, "/home", rec.Header().Get("Location"))
		list, err := st.List(context.Background(), tokenstore.Filter{})
		require.NoError(t, err)
		require.Len(t, list, 1)
		return list[0], nil
	}
	require.NotNil(t, cbErr, "status %d without a callback error", rec.Code)
	want := http.StatusBadGateway
	if errors.Is(kind, client.ErrRateLimited) {
		want = http.StatusServiceUnavailable
	}
	assert.Equal(t, want, rec.Code, "callback status")
	requireNoSecret(t, e.secrets, "callback page", rec.Body.String())
	return nil, cbErr
}

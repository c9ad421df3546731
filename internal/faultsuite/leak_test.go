package faultsuite

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

// scan collects everything a user could print or log: error texts and
// every verb of fmt on the values involved.
type scan struct {
	t     *testing.T
	e     *env
	texts []string
}

// vals records %v, %+v, %#v, %s and %q of each value.
func (s *scan) vals(what string, vs ...any) {
	for i, v := range vs {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			s.texts = append(s.texts, fmt.Sprintf("%s[%d] %s: "+verb, what, i, verb, v))
		}
	}
}

// err records an error's text, its fmt verbs and those of every error it
// wraps, and checks it is typed.
func (s *scan) err(what string, err error) {
	s.t.Helper()
	require.Error(s.t, err, what)
	for e := err; e != nil; e = errors.Unwrap(e) {
		s.texts = append(s.texts, what+": "+e.Error())
		s.vals(what, e)
	}
	var je interface{ Unwrap() []error }
	if errors.As(err, &je) {
		for _, e := range je.Unwrap() {
			s.vals(what+" (joined)", e)
		}
	}
}

// session records s (and its token) and learns its secrets.
func (s *scan) session(what string, sess *client.Session) {
	s.t.Helper()
	require.NotNil(s.t, sess, what)
	s.e.secrets.session(sess)
	s.vals(what, sess, *sess, sess.Clone())
	s.texts = append(s.texts, fmt.Sprintf("%s slog: %s", what, slogText(sess)))
}

func slogText(v any) string {
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "v", v)
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "v", v)
	return b.String()
}

func (s *scan) check() {
	s.t.Helper()
	for _, text := range s.texts {
		requireNoSecret(s.t, s.e.secrets, "printed value", text)
	}
	requireNoSecret(s.t, s.e.secrets, "log", s.e.logs.String())
	require.NotEmpty(s.t, s.e.logs.String(), "the debug logger saw nothing: is it wired?")
}

// TestLeakScan runs every flow of every provider, successes and failures,
// with sentinel credentials, and fails if any code, secret or token shows
// in a log line, an error, or a printed value.
func TestLeakScan(t *testing.T) {
	t.Parallel()
	flowsOf := map[string]func(t *testing.T, s *scan){
		"generic":  leakGeneric,
		"shopify":  leakShopify,
		"finch":    leakFinch,
		"passport": leakPassport,
	}
	for _, p := range providerNames {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, p, "")
			s := &scan{t: t, e: e}
			s.vals("client", e.c, e.c.Provider())
			leakCommon(t, s)
			flowsOf[p](t, s)
			s.check()
		})
	}
}

// leakCommon: a code exchange, a refresh through a TokenSource (and a
// dead grant ending it), a reused code, bad client credentials and the
// callback handler, for any provider.
func leakCommon(t *testing.T, s *scan) {
	e := s.e
	ctx := context.Background()
	code := e.code()
	sess, err := e.exchange(ctx, code)
	require.NoError(t, err)
	s.session("exchanged session", sess)
	// sess.Token() is an *oauth2.Token: x/oauth2's type prints its tokens
	// in clear, so it is not scanned.
	_, err = e.exchange(ctx, code)
	s.err("reused code", err)

	_, err = e.exchange(ctx, e.secrets.add("SENTINEL-unknown-code-5e2f"))
	s.err("unknown code", err)

	if e.refreshable {
		st := tokenstore.NewMemory()
		old := e.login(t)
		old.Expiry = time.Now().Add(-time.Second)
		require.NoError(t, st.Save(ctx, old))
		ts := tokenstore.NewTokenSource(st, e.c, old.ID)
		_, err = ts.Token()
		require.NoError(t, err)
		s.vals("token source", ts)
		ns, err := ts.Session(ctx)
		require.NoError(t, err)
		s.session("refreshed session", ns)
		// A dead refresh token: the source ends the session.
		dead := ns.Clone()
		dead.RefreshToken = e.secrets.add("SENTINEL-dead-refresh-token-71b0")
		dead.Expiry = time.Now().Add(-time.Second)
		require.NoError(t, st.Save(ctx, dead))
		ts.Forget()
		_, err = ts.Token()
		s.err("dead refresh token", err)
		_, err = e.c.Refresh(ctx, dead)
		s.err("dead refresh token (client)", err)
	}

	// Wrong client secret.
	wrong, err := client.New(client.Config{Provider: e.c.Provider(), ClientID: sentinelClientID,
		ClientSecret: e.secrets.add("SENTINEL-WRONG-SECRET-8d4c"), RedirectURL: redirectURL},
		client.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	s.vals("wrong client", wrong)
	if e.provider != "shopify" { // Shopify's code grant needs its own client (the shop)
		_, err = wrong.ExchangeCode(ctx, e.code())
		s.err("wrong secret", err)
	}

	if e.provider == "shopify" {
		return // Shopify's OAuth callback is shopify.VerifyCallback, scanned in leakShopify
	}
	// The generic callback handler, logging at debug.
	st := tokenstore.NewMemory()
	h, err := client.NewCallbackHandler(client.CallbackConfig{Client: e.c, State: callbackState(t), ID: callbackUser,
		Save:   func(ctx context.Context, sess *client.Session) error { return st.Save(ctx, sess) },
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnError: func(w http.ResponseWriter, r *http.Request, ce *client.CallbackError) {
			s.err("callback error", ce)
			http.Error(w, ce.Reason, ce.StatusCode)
		}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	get := func(q url.Values, cookie *http.Cookie) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/callback?"+q.Encode(), nil)
		require.NoError(t, err)
		req.AddCookie(cookie)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = fmt.Fprint(&b, resp.Header)
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		s.texts = append(s.texts, "callback page: "+b.String()+string(buf[:n]))
	}
	login := func() (string, *http.Cookie) {
		state, cookie := beginLogin(t, h)
		s.e.secrets.add(state)
		s.e.secrets.add(cookie.Value)
		return state, cookie
	}
	state, cookie := login()
	get(url.Values{"state": {state}, "code": {e.code()}}, cookie)
	_, cookie = login()
	get(url.Values{"state": {e.secrets.add("SENTINEL-forged-state-0a9b")}, "code": {e.code()}}, cookie)
	state, cookie = login()
	get(url.Values{"state": {state}, "code": {e.secrets.add("SENTINEL-bad-callback-code-3c1d")}}, cookie)
	list, err := st.List(context.Background(), tokenstore.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1, "the good callback saved its session")
	s.session("callback session", list[0])
	s.vals("memory store", st, h)
}

func leakGeneric(t *testing.T, s *scan) {
	// Errors in the {message, description} shape echo what they like.
	g := providertest.NewGeneric(providertest.WithClientCredentials(sentinelClientID, sentinelClientSecret), providertest.WithMessageErrors())
	t.Cleanup(g.Close)
	c, err := client.New(client.Config{Provider: providers.Generic(g.URL), ClientID: sentinelClientID, ClientSecret: sentinelClientSecret},
		client.WithLogger(slog.New(slog.NewTextHandler(s.e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	_, err = c.ExchangeCode(context.Background(), s.e.secrets.add("SENTINEL-msg-shape-code-6f2a"))
	s.err("message-shaped error", err)
	// A provider echoing the secret and the code in its error.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"invalid_grant %s","error_description":"code %s secret %s refresh %s","error_uri":"https://x/%s"}`,
			r.Form.Get("code"), r.Form.Get("code"), r.Form.Get("client_secret"), r.Form.Get("refresh_token"), r.Form.Get("client_secret"))
	}))
	t.Cleanup(echo.Close)
	ec, err := client.New(client.Config{Provider: providers.Generic(echo.URL), ClientID: sentinelClientID, ClientSecret: sentinelClientSecret},
		client.WithLogger(slog.New(slog.NewTextHandler(s.e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	_, err = ec.ExchangeCode(context.Background(), s.e.secrets.add("SENTINEL-echoed-code-aa01"))
	s.err("echoing provider (code)", err)
	_, err = ec.Refresh(context.Background(), &client.Session{ID: "x", RefreshToken: s.e.secrets.add("SENTINEL-echoed-refresh-bb02")})
	s.err("echoing provider (refresh)", err)
}

func leakShopify(t *testing.T, s *scan) {
	e := s.e
	ctx := context.Background()
	f := providertest.NewShopify(providertest.WithShopifyCredentials(sentinelClientID, sentinelClientSecret))
	t.Cleanup(f.Close)
	sc, err := shopify.New(shopify.Config{APIKey: sentinelClientID, APISecret: sentinelClientSecret,
		Scopes: []string{"read_products"}, InsecureShopBaseURL: f.URL},
		client.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	s.vals("shopify client", sc)
	for _, p := range []shopify.TokenExchangeParams{
		{Shop: sentinelShop, RequestedTokenType: shopify.OfflineAccessToken, Expiring: true},
		{Shop: sentinelShop, RequestedTokenType: shopify.OfflineAccessToken},
		{Shop: sentinelShop, RequestedTokenType: shopify.OnlineAccessToken},
	} {
		p.SessionToken = e.secrets.add(f.SessionToken(sentinelShop, 42))
		sess, err := sc.ExchangeToken(ctx, p)
		require.NoError(t, err)
		s.session("shopify session", sess)
		if u, ok := shopify.UserOf(sess); ok {
			s.vals("associated user", u)
		}
		if sess.RefreshToken != "" {
			ns, err := sc.Refresh(ctx, sess)
			require.NoError(t, err)
			s.session("shopify refreshed", ns)
			// The first use of the new access token retires the old
			// refresh token (Shopify's retention rule).
			ac, err := sc.AdminClient(ns, nil)
			require.NoError(t, err)
			u, err := sc.AdminURL(sentinelShop, "api/2025-01/shop.json")
			require.NoError(t, err)
			resp, err := ac.Get(u)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, http.StatusOK, resp.StatusCode)
			_, err = sc.Refresh(ctx, sess) // the retired refresh token
			s.err("shopify reused refresh token", err)
		}
	}
	for b := providertest.BreakSignature; b <= providertest.BreakMissingExp; b++ {
		tok := e.secrets.add(f.BrokenSessionToken(sentinelShop, 42, b))
		_, err := sc.DecodeSessionToken(tok)
		s.err(fmt.Sprintf("broken session token %d", b), err)
		_, err = sc.ExchangeToken(ctx, shopify.TokenExchangeParams{Shop: sentinelShop, SessionToken: tok, RequestedTokenType: shopify.OfflineAccessToken})
		s.err(fmt.Sprintf("exchange of broken session token %d", b), err)
	}
	good := e.secrets.add(f.SessionToken(sentinelShop, 42))
	claims, err := sc.DecodeSessionToken(good)
	require.NoError(t, err)
	s.vals("session token claims", claims)
	r := httptest.NewRequest(http.MethodGet, "/?shop="+sentinelShop, nil)
	r.Header.Set("Authorization", "Bearer "+good)
	tok, err := shopify.SessionTokenFromRequest(r)
	require.NoError(t, err)
	require.Equal(t, good, tok)

	offline := e.secrets.add(f.IssueOfflineToken(sentinelShop))
	migrated, err := sc.MigrateToExpiringToken(ctx, sentinelShop, offline)
	require.NoError(t, err)
	s.session("migrated", migrated)
	again, err := sc.MigrateToExpiringToken(ctx, sentinelShop, offline) // retried: the same pair
	require.NoError(t, err)
	s.session("migration retried", again)
	_, err = sc.MigrateToExpiringToken(ctx, sentinelShop, e.secrets.add("shpat_SENTINEL-never-issued-7c1d"))
	s.err("migration of an unknown token", err)

	code := e.secrets.add(f.IssueCode(sentinelShop))
	q := url.Values{"code": {code}, "shop": {sentinelShop}, "state": {"s"}, "timestamp": {fmt.Sprint(time.Now().Unix())}, "hmac": {"00"}}
	_, err = sc.VerifyCallback(q)
	s.err("callback with a bad hmac", err)
	_, err = sc.ExchangeCode(ctx, "evil.example.com", code, true)
	s.err("code exchange for a bad shop", err)
}

func leakFinch(t *testing.T, s *scan) {
	e := s.e
	ctx := context.Background()
	sess := e.login(t)
	s.vals("connection", finch.ConnectionOf(sess))
	in, err := e.finch.Introspect(ctx, sess)
	require.NoError(t, err)
	s.vals("introspection", in)
	require.NoError(t, e.finch.Disconnect(ctx, sess))
	_, err = e.finch.Introspect(ctx, sess)
	s.err("introspect after disconnect", err)
	s.err("disconnect twice", e.finch.Disconnect(ctx, sess))
	_, err = e.c.Refresh(ctx, sess)
	s.err("refresh of a never-expiring session", err)
}

func leakPassport(t *testing.T, s *scan) {
	e := s.e
	ctx := context.Background()
	sess := e.login(t)
	v, err := e.passport.NewVerifier(ctx)
	require.NoError(t, err)
	s.vals("verifier", v)
	idt, err := v.VerifySession(ctx, sess)
	require.NoError(t, err)
	s.vals("id token", idt)
	ui, err := e.passport.Userinfo(ctx, sess)
	require.NoError(t, err)
	s.vals("userinfo", ui)
	fake := providertest.NewPassport(providertest.WithPassportCredentials(sentinelClientID, sentinelClientSecret))
	t.Cleanup(fake.Close)
	for b := providertest.IDTokenWrongIssuer; b <= providertest.IDTokenAlgNone; b++ {
		tok := e.secrets.add(fake.MintIDToken("", b))
		_, err := v.Verify(ctx, tok)
		s.err(fmt.Sprintf("broken id_token %d", b), err)
	}
	bad := sess.Clone()
	bad.AccessToken = e.secrets.add("SENTINEL-passport-dead-access-c3d4")
	_, err = e.passport.Userinfo(ctx, bad)
	s.err("userinfo with a dead token", err)
}

// Secrets with every character the encodings change ("+", "/", "=", a
// space, "%", "&"), so an echo in each form differs from the raw value;
// their first 10 bytes differ too, so a clipped prefix is found.
const (
	echoClientSecret = "cs+Echo/Secret=9f %&ab-cdef"
	echoCode         = "cd+Echo/Code=7e %&gh-ijkl"
	echoRefresh      = "rt+Echo/Refresh=5d %&mn-opqr"
	echoAccess       = "at+Echo/Access=4c %&st-uvwx"
	echoNewAccess    = "na+Echo/NewAccess=3b-yz12"
	echoNewRefresh   = "nr+Echo/NewRefresh=2a-3456"
)

// echoRequest is what an echoing server received.
type echoRequest struct {
	body, auth string
	values     []string // every parameter value, and the Basic credentials
}

func parseEcho(body, auth string) echoRequest {
	r := echoRequest{body: body, auth: auth}
	var obj map[string]any
	if json.Unmarshal([]byte(body), &obj) == nil {
		for _, v := range obj {
			if sv, ok := v.(string); ok {
				r.values = append(r.values, sv)
			}
		}
	} else if q, err := url.ParseQuery(body); err == nil {
		for _, vs := range q {
			r.values = append(r.values, vs...)
		}
	}
	if u, p, ok := (&http.Request{Header: http.Header{"Authorization": {auth}}}).BasicAuth(); ok {
		r.values = append(r.values, u, p)
	}
	sort.Strings(r.values)
	return r
}

// errorBody is a 400 answer in provider's own error shape, carrying desc.
func errorBody(provider, desc string) string {
	var m map[string]any
	switch provider {
	case "finch":
		m = map[string]any{"code": 400, "name": "invalid_request_error", "message": desc}
	case "passport":
		m = map[string]any{"code": "BAD_REQUEST", "message": desc, "name": "RollupError"}
	default:
		m = map[string]any{"error": "invalid_request", "error_description": desc}
	}
	return mustJSON(m)
}

func httpAnswer(status int, body string) string {
	return fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}

// encodedEcho is a 400 whose description holds every value the request
// carried in the forms enc makes of it.
func encodedEcho(enc ...func(string) string) func(provider string, r echoRequest) string {
	return func(provider string, r echoRequest) string {
		var parts []string
		for _, v := range r.values {
			for _, f := range enc {
				parts = append(parts, f(v))
			}
		}
		return httpAnswer(400, errorBody(provider, "echo: "+strings.Join(parts, " | ")))
	}
}

// straddling is a 400 whose description puts pick(r) across byte cut of
// the description, 12 bytes before it (for Shopify, in its {"errors": …} shape, whose text
// used to be cut at 200 bytes before scrubbing).
func straddling(cut int, pick func(r echoRequest) string) func(provider string, r echoRequest) string {
	return func(provider string, r echoRequest) string {
		sec := pick(r)
		if provider == "shopify" {
			// The description is the re-encoded object: {"detail":" is 11 bytes.
			d := strings.Repeat("x", cut-11-12) + sec + strings.Repeat("y", 600)
			return httpAnswer(400, mustJSON(map[string]any{"errors": map[string]any{"detail": d}}))
		}
		d := strings.Repeat("x", cut-12) + sec + strings.Repeat("y", 600)
		return httpAnswer(400, errorBody(provider, d))
	}
}

// grantOf is the single-use grant the request carried.
func grantOf(r echoRequest) string {
	for _, v := range r.values {
		if v == echoCode || v == echoRefresh || strings.Count(v, ".") == 2 {
			return v
		}
	}
	return echoCode
}

func b64(enc *base64.Encoding) func(string) string {
	return func(s string) string { return enc.EncodeToString([]byte(s)) }
}

// TestLeakEchoes sends every grant of every provider to a server that
// echoes what it received — in a malformed status or header line, form-,
// percent-, JSON- or base64-encoded, straddling a length cut, or beside
// the new tokens of a 2xx answer — and fails if the client secret, the
// code, the refresh token, the session token, the old or the new tokens
// reach an error, its printed forms or the logs, in any form.
func TestLeakEchoes(t *testing.T) {
	t.Parallel()
	answers := []struct {
		name   string
		answer func(provider string, r echoRequest) string
	}{
		{"malformed status line", func(_ string, r echoRequest) string {
			return "HTTP/1.1_" + r.body + r.auth + echoNewAccess + "\r\n\r\n"
		}},
		{"malformed status code", func(_ string, r echoRequest) string {
			return "HTTP/1.1 2" + url.QueryEscape(r.body+r.auth+echoNewAccess) + " OK\r\n\r\n"
		}},
		{"malformed header line", func(_ string, r echoRequest) string {
			return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX Echo " + r.body + " " + r.auth + " " + echoNewAccess + "\r\n\r\n"
		}},
		{"header line without colon", func(_ string, r echoRequest) string {
			return "HTTP/1.1 200 OK\r\nX-Echo-" + url.QueryEscape(r.body+r.auth+echoNewAccess) + "\r\n\r\n"
		}},
		{"raw echo of the body", func(provider string, r echoRequest) string {
			return httpAnswer(400, errorBody(provider, "got "+r.body+" auth "+r.auth))
		}},
		{"form-encoded echo", encodedEcho(url.QueryEscape)},
		{"percent-encoded echo", encodedEcho(url.PathEscape, func(s string) string { return strings.ToLower(url.PathEscape(s)) })},
		{"base64 echo", encodedEcho(b64(base64.StdEncoding), b64(base64.RawStdEncoding), b64(base64.URLEncoding), b64(base64.RawURLEncoding))},
		{"client secret across byte 200", straddling(200, func(echoRequest) string { return echoClientSecret })},
		{"grant across byte 200", straddling(200, grantOf)},
		{"client secret across byte 512", straddling(512, func(echoRequest) string { return echoClientSecret })},
		{"grant across byte 512", straddling(512, grantOf)},
		{"2xx echoing its own tokens", func(_ string, r echoRequest) string {
			return httpAnswer(200, mustJSON(map[string]any{"access_token": echoNewAccess, "refresh_token": echoNewRefresh,
				"token_type": "bearer", "error": "server_error",
				"error_description": "issued " + echoNewAccess + " and " + echoNewRefresh + " for " + r.body}))
		}},
	}
	type grant struct {
		name string
		run  func(ctx context.Context, e *env) error
	}
	grantsOf := func(e *env) []grant {
		gs := []grant{{"code", func(ctx context.Context, e *env) error { _, err := e.exchange(ctx, echoCode); return err }}}
		if e.refreshable {
			gs = append(gs, grant{"refresh", func(ctx context.Context, e *env) error {
				old := &client.Session{ID: "echo", Provider: e.provider, AccessToken: echoAccess, RefreshToken: echoRefresh,
					Expiry: time.Now().Add(-time.Second)}
				if e.provider == "shopify" {
					old.Subject = sentinelShop
				}
				_, err := e.c.Refresh(ctx, old)
				return err
			}})
		}
		if e.tokenExchange != nil {
			gs = append(gs, grant{"session token", func(ctx context.Context, e *env) error {
				_, err := e.tokenExchange(ctx, e.sessionToken())
				return err
			}})
		}
		return gs
	}
	for _, p := range providerNames {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			for _, a := range answers {
				t.Run(a.name, func(t *testing.T) {
					t.Parallel()
					var ep atomic.Pointer[env]
					base := rawServer(t, func(body, auth string) string { return a.answer(ep.Load().provider, parseEcho(body, auth)) })
					e := newEnvWithSecret(t, p, base, echoClientSecret)
					ep.Store(e)
					for _, sec := range []string{echoCode, echoRefresh, echoAccess, echoNewAccess, echoNewRefresh} {
						e.secrets.add(sec)
					}
					for _, g := range grantsOf(e) {
						s := &scan{t: t, e: e}
						err := g.run(context.Background(), e)
						var ce *client.Error
						require.ErrorAs(t, err, &ce, g.name)
						s.err(g.name, err)
						s.check()
						// A clipped prefix: the first 10 bytes of every secret.
						for _, text := range s.texts {
							for _, sec := range e.secrets.list() {
								require.NotContains(t, text, sec[:min(len(sec), 10)], "%s: a prefix of a secret", g.name)
							}
						}
					}
				})
			}
		})
	}
}

// TestErrorTypesPrintRedacted: every error type of the module that holds
// a caller's input or a session prints without its secrets under every
// fmt verb, as a pointer or a value, wrapped or nested.
func TestErrorTypesPrintRedacted(t *testing.T) {
	t.Parallel()
	const at, rt, input = "at-SENTINEL-errtype-access-1a2b", "rt-SENTINEL-errtype-refresh-3c4d", "shpat_SENTINEL-errtype-input-5e6f"
	sess := &client.Session{ID: "s", Provider: "generic", AccessToken: at, RefreshToken: rt}
	shopErr := &shopify.ShopError{Reason: "not a shop", Input: input}
	saveErr := &tokenstore.SaveError{ID: "s", Session: sess, Err: errors.New("disk full")}
	errs := []any{
		shopErr, *shopErr,
		&shopify.RequestError{Kind: shopify.ErrInvalidWebhook, Reason: shopify.ErrInvalidShop, Err: shopErr},
		saveErr, *saveErr,
		&client.CallbackError{StatusCode: 500, Reason: "save failed", Err: saveErr},
		&client.Error{Kind: client.ErrTransient, Description: "d", Err: saveErr},
		fmt.Errorf("wrapped: %w", shopErr), errors.Join(shopErr, saveErr),
		struct{ E error }{shopErr}, []error{saveErr, shopErr},
	}
	var out strings.Builder
	for _, e := range errs {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X"} {
			fmt.Fprintf(&out, verb+"\n", e)
		}
	}
	set := &secretSet{}
	for _, s := range []string{at, rt, input} {
		set.add(s)
		require.NotContains(t, out.String(), fmt.Sprintf("%x", s), "hex of a secret")
		require.NotContains(t, out.String(), fmt.Sprintf("%X", s), "hex of a secret")
	}
	requireNoSecret(t, set, "printed error", out.String())
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

// cmdDemo starts the providertest fakes in this process and walks every
// flow against them, saving to a temporary file store. Each step checks its
// own result against the fake; the command fails unless every step held.
// It needs no network, no credentials and no keyring.
func cmdDemo(c *cli, args []string) error {
	fs := c.flagSet("demo", "[--keep] [flags]", useJSON)
	keep := fs.Bool("keep", false, "keep the temporary session store and print its path")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("demo takes no arguments")
	}
	dir, err := os.MkdirTemp("", "oauthx-demo-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	st, err := tokenstore.NewFile(dir)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.ctx, 2*time.Minute)
	defer cancel()
	d := &demo{ctx: ctx, c: c, st: st, dir: dir}
	if !c.json {
		fmt.Fprintf(c.stdout, "oauthx demo: every flow against in-process fake providers; sessions saved to a temporary file store (%s).\nTokens are shown as fingerprints.\n", dir)
	}
	d.generic()
	d.shopify()
	d.finch()
	d.passport()
	d.listAll()

	failed := 0
	for _, s := range d.steps {
		if !s.OK {
			failed++
		}
	}
	if c.json {
		if err := c.printJSON(map[string]any{"ok": failed == 0, "steps": d.steps, "store": dir}); err != nil {
			return err
		}
	} else if failed == 0 {
		fmt.Fprintf(c.stdout, "\nall %d steps held.\n", len(d.steps))
	}
	if *keep && !c.json {
		fmt.Fprintf(c.stdout, "store kept: --store file:%s\n", dir)
	}
	if failed > 0 {
		return fmt.Errorf("demo: %d of %d steps failed", failed, len(d.steps))
	}
	return nil
}

type demoStep struct {
	Flow   string `json:"flow"`
	Step   string `json:"step"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	Error  string `json:"error,omitempty"`
}

type demo struct {
	ctx   context.Context
	c     *cli
	st    tokenstore.Store
	dir   string
	flow  string
	steps []demoStep
}

// oauthx runs the CLI in-process through its public entry, as a user
// would: `oauthx --store file:DIR [--base-url …] [--client-id …] args…`
// with the secret in $OAUTHX_CLIENT_SECRET. A failure is the message the
// command printed on stderr.
func (d *demo) oauthx(stdout, stderr io.Writer, baseURL, clientID, secret string, args ...string) error {
	all := []string{"--store", "file:" + d.dir}
	if baseURL != "" {
		all = append(all, "--base-url", baseURL)
	}
	if clientID != "" {
		all = append(all, "--client-id", clientID)
	}
	env := func(k string) string {
		if k == envClientSecret {
			return secret
		}
		return ""
	}
	var errb bytes.Buffer
	code := run(d.ctx, append(all, args...), strings.NewReader(""), stdout, io.MultiWriter(stderr, &errb), env)
	if code != exitOK {
		return fmt.Errorf("oauthx %s exited %d: %s", args[0], code, strings.TrimSpace(errb.String()))
	}
	return nil
}

// login runs `oauthx login <provider> [extra flags]` in-process and plays
// the browser: it reads the authorize URL the command prints, follows it
// through the fake's consent redirect to the command's loopback server,
// and waits for the command to save the session.
func (d *demo) login(provider, name, baseURL, clientID, secret string, extra ...string) (*client.Session, error) {
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- d.oauthx(io.Discard, pw, baseURL, clientID, secret, append([]string{"login", provider, "--name", name, "--timeout", "30s"}, extra...)...)
		_ = pw.Close()
	}()
	var loginURL string // the loopback /login page, which sends the browser on
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); strings.HasPrefix(l, "http://127.0.0.1:") && strings.HasSuffix(l, "/login") {
			loginURL = l
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if loginURL == "" {
		return nil, fmt.Errorf("login printed no URL to open: %v", <-errc)
	}
	jar, err := cookiejar.New(nil) // the login cookie binds the state to this browser
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second} // follows /login → provider → loopback callback
	req, err := http.NewRequestWithContext(d.ctx, http.MethodGet, loginURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if err := <-errc; err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Hostname() != "127.0.0.1" || resp.Request.URL.Path != "/callback" {
		return nil, fmt.Errorf("the browser ended at %s with %d, not on the loopback callback", resp.Request.URL.Redacted(), resp.StatusCode)
	}
	return d.st.Load(d.ctx, name)
}

// section starts a flow.
func (d *demo) section(flow, title string) {
	d.flow = flow
	if !d.c.json {
		fmt.Fprintf(d.c.stdout, "\n== %s\n", title)
	}
}

// step runs f and records whether it held. A step after a failed one of
// the same flow is skipped (it would only fail for the same reason).
func (d *demo) step(title string, f func() (string, error)) bool {
	if n := len(d.steps); n > 0 && d.steps[n-1].Flow == d.flow && !d.steps[n-1].OK {
		d.record(demoStep{Flow: d.flow, Step: title, Error: "skipped: an earlier step of this flow failed"})
		return false
	}
	detail, err := f()
	s := demoStep{Flow: d.flow, Step: title, OK: err == nil, Detail: detail}
	if err != nil {
		s.Error = err.Error()
	}
	d.record(s)
	return s.OK
}

func (d *demo) record(s demoStep) {
	d.steps = append(d.steps, s)
	if d.c.json {
		return
	}
	mark := "ok  "
	if !s.OK {
		mark = "FAIL"
	}
	fmt.Fprintf(d.c.stdout, "  %s %s", mark, s.Step)
	if s.Detail != "" {
		fmt.Fprintf(d.c.stdout, ": %s", s.Detail)
	}
	fmt.Fprintln(d.c.stdout)
	if s.Error != "" {
		fmt.Fprintf(d.c.stdout, "       %s\n", s.Error)
	}
}

// save stamps and stores s as the CLI does, then reads it back.
func (d *demo) save(s *client.Session, name string, m sessionMeta) error {
	stamp(s, name, m)
	if err := d.st.Save(d.ctx, s); err != nil {
		return err
	}
	back, err := d.st.Load(d.ctx, name)
	if err != nil {
		return err
	}
	if back.AccessToken != s.AccessToken || back.RefreshToken != s.RefreshToken {
		return errors.New("the stored session differs from the one saved")
	}
	if bm, ok := metaOf(back); !ok || bm != m {
		return errors.New("the stored session lost its CLI metadata")
	}
	return nil
}

// browse plays the browser at an authorize URL: GET it, and return the
// query of the redirect the provider answers with (not followed).
func browse(ctx context.Context, authURL string) (url.Values, error) {
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("authorize page answered %d, not a redirect", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, err
	}
	return loc.Query(), nil
}

// authorize builds nothing itself: it follows authURL and checks that the
// redirect carries a code and the state sent.
func authorize(ctx context.Context, authURL, state string) (string, error) {
	q, err := browse(ctx, authURL)
	if err != nil {
		return "", err
	}
	if q.Get("state") != state {
		return "", errors.New("the redirect's state differs from the one sent")
	}
	if q.Get("code") == "" {
		return "", errors.New("the redirect carries no code")
	}
	return q.Get("code"), nil
}

// authorizeAndExchange follows authURL (unless building it failed with
// urlErr), checks the redirect's state and exchanges its code with opts.
func (d *demo) authorizeAndExchange(tokens *client.Client, authURL string, urlErr error, state string, opts ...client.ExchangeOption) (*client.Session, error) {
	if urlErr != nil {
		return nil, urlErr
	}
	code, err := authorize(d.ctx, authURL, state)
	if err != nil {
		return nil, err
	}
	return tokens.ExchangeCode(d.ctx, code, opts...)
}

const demoRedirect = "http://127.0.0.1:8976/callback"

func (d *demo) generic() {
	d.section("generic", "Generic OAuth2: authorization code with PKCE, rotating single-use refresh tokens")
	fake := providertest.NewGeneric()
	defer fake.Close()
	m := sessionMeta{Provider: provGeneric, BaseURL: fake.URL, ClientID: fake.ClientID}
	cl, err := newClients(target{meta: m, secret: fake.ClientSecret, redirectURL: demoRedirect, scopes: []string{"read", "write"}})
	if !d.step("build the client", func() (string, error) { return "token endpoint " + fake.URL + "/oauth2/token", err }) {
		return
	}
	var s *client.Session
	d.step("authorize (state + PKCE S256) and exchange the code", func() (string, error) {
		const state = "demo-state-generic-0123456789"
		verifier := client.GenerateVerifier()
		u, err := cl.tokens.AuthCodeURL(state, client.WithPKCE(verifier))
		if s, err = d.authorizeAndExchange(cl.tokens, u, err, state, client.WithCodeVerifier(verifier)); err != nil {
			return "", err
		}
		if !fake.AccessTokenValid(s.AccessToken) || s.RefreshToken == "" {
			return "", errors.New("the provider does not know the access token, or no refresh token came back")
		}
		return fmt.Sprintf("access %s, refresh %s, %s", redact(s.AccessToken), redact(s.RefreshToken), expiryText(s, time.Now())), nil
	})
	d.step("save it as \"generic\" in the file store", func() (string, error) {
		return "provider, base URL and client id saved with it (never the secret)", d.save(s, "generic", m)
	})
	var s2 *client.Session
	d.step("refresh: the refresh token rotates", func() (string, error) {
		var err error
		if s2, err = cl.tokens.Refresh(d.ctx, s); err != nil {
			return "", err
		}
		if s2.RefreshToken == s.RefreshToken || s2.AccessToken == s.AccessToken || !fake.AccessTokenValid(s2.AccessToken) {
			return "", errors.New("the refresh did not rotate the tokens")
		}
		return fmt.Sprintf("new access %s, new refresh %s", redact(s2.AccessToken), redact(s2.RefreshToken)), d.save(s2, "generic", m)
	})
	d.step("reusing the spent refresh token is refused", func() (string, error) {
		_, err := cl.tokens.Refresh(d.ctx, s)
		if !errors.Is(err, client.ErrReauthorize) {
			return "", fmt.Errorf("want ErrReauthorize, got %v", err)
		}
		if fake.Stats().ReusedRefreshTokens != 1 {
			return "", errors.New("the provider did not see the reuse")
		}
		return "ErrReauthorize (" + err.Error() + "); exit code 3 in the CLI", nil
	})
	d.step("oauthx login generic: loopback redirect server on 127.0.0.1, state, PKCE (a simulated browser consents)", func() (string, error) {
		ls, err := d.login(provGeneric, "generic-login", fake.URL, fake.ClientID, fake.ClientSecret)
		if err != nil {
			return "", err
		}
		if !fake.AccessTokenValid(ls.AccessToken) {
			return "", errors.New("the provider does not know the saved token")
		}
		if lm, ok := metaOf(ls); !ok || lm != m {
			return "", fmt.Errorf("the saved session lacks the CLI metadata: %+v", lm)
		}
		return fmt.Sprintf("saved %q: access %s", ls.ID, redact(ls.AccessToken)), nil
	})
	d.step("oauthx token generic-login prints the access token and nothing else", func() (string, error) {
		var out, errb bytes.Buffer
		if err := d.oauthx(&out, &errb, "", "", fake.ClientSecret, "token", "generic-login"); err != nil {
			return "", err
		}
		ls, err := d.st.Load(d.ctx, "generic-login")
		if err != nil {
			return "", err
		}
		if out.String() != ls.AccessToken+"\n" || errb.Len() != 0 {
			return "", errors.New("token printed something other than the stored access token")
		}
		return fmt.Sprintf("%d bytes on stdout: the token and a newline", out.Len()), nil
	})
	d.step("token source refreshes near expiry and saves before handing out (oauthx token)", func() (string, error) {
		// The token source's clock reads 30 s before the stored token expires:
		// inside the one-minute early-expiry margin.
		later := func() time.Time { return s2.Expiry.Add(-30 * time.Second) }
		ts := tokenstore.NewTokenSource(d.st, cl.tokens, "generic", tokenstore.WithClock(later))
		got, err := ts.Session(d.ctx)
		if err != nil {
			return "", err
		}
		stored, err := d.st.Load(d.ctx, "generic")
		if err != nil {
			return "", err
		}
		switch {
		case got.AccessToken == s2.AccessToken:
			return "", errors.New("the token source did not refresh")
		case stored.AccessToken != got.AccessToken:
			return "", errors.New("the token source did not save what it handed out")
		case !fake.AccessTokenValid(got.AccessToken):
			return "", errors.New("the provider does not know the handed-out token")
		}
		if _, ok := metaOf(stored); !ok {
			return "", errors.New("the refreshed session lost its CLI metadata")
		}
		st := fake.Stats()
		return fmt.Sprintf("handed out %s; provider saw %d exchange, %d refreshes, %d reuse", redact(got.AccessToken), st.CodeExchanges, st.Refreshes, st.ReusedRefreshTokens), nil
	})
}

func (d *demo) shopify() {
	d.section("shopify", "Shopify: session-token exchange (expiring offline, online), migration and refresh")
	fake := providertest.NewShopify()
	defer fake.Close()
	const shop = "demo-shop.myshopify.com"
	m := sessionMeta{Provider: provShopify, BaseURL: fake.URL, ClientID: fake.APIKey}
	cl, err := newClients(target{meta: m, secret: fake.APISecret})
	if !d.step("build the client", func() (string, error) { return "shop endpoints under " + fake.URL, err }) {
		return
	}
	exchange := func(p shopify.TokenExchangeParams) (*client.Session, error) {
		p.Shop, p.SessionToken = shop, fake.SessionToken(shop, 1)
		s, err := cl.shop.ExchangeToken(d.ctx, p)
		if err != nil {
			return nil, err
		}
		if !fake.AccessTokenValid(shop, s.AccessToken) {
			return nil, errors.New("the shop does not know the access token")
		}
		return s, d.save(s, s.ID, m)
	}
	d.step("migrate a non-expiring offline token (an install from before 2026)", func() (string, error) {
		s, err := cl.shop.MigrateToExpiringToken(d.ctx, shop, fake.IssueOfflineToken(shop))
		if err != nil {
			return "", err
		}
		if s.ID != shopify.OfflineSessionID(shop) || s.NeverExpires() || s.RefreshToken == "" {
			return "", fmt.Errorf("want an expiring %s with a refresh token, got %v", shopify.OfflineSessionID(shop), s)
		}
		return fmt.Sprintf("%s: access %s, refresh %s, %s", s.ID, redact(s.AccessToken), redact(s.RefreshToken), expiryText(s, time.Now())), nil
	})
	d.step("online token (the staff member's)", func() (string, error) {
		s, err := exchange(shopify.TokenExchangeParams{RequestedTokenType: shopify.OnlineAccessToken})
		if err != nil {
			return "", err
		}
		u, ok := shopify.UserOf(s)
		if !ok || u.ID != 1 || s.ID != shopify.OnlineSessionID(shop, 1) || s.NeverExpires() {
			return "", fmt.Errorf("want an expiring online session for user 1, got %v", s)
		}
		return fmt.Sprintf("%s: user %d (%s), %s", s.ID, u.ID, u.Email, expiryText(s, time.Now())), nil
	})
	var exp *client.Session
	d.step("offline token (expiring by default)", func() (string, error) {
		var err error
		exp, err = exchange(shopify.TokenExchangeParams{RequestedTokenType: shopify.OfflineAccessToken})
		if err != nil {
			return "", err
		}
		if exp.RefreshToken == "" || exp.NeverExpires() {
			return "", errors.New("want an expiring token with a refresh token")
		}
		return fmt.Sprintf("%s: access %s, refresh %s, %s", exp.ID, redact(exp.AccessToken), redact(exp.RefreshToken), expiryText(exp, time.Now())), nil
	})
	var old *client.Session
	d.step("refresh the expiring token (rotates)", func() (string, error) {
		ns, err := cl.shop.Refresh(d.ctx, exp)
		if err != nil {
			return "", err
		}
		if ns.RefreshToken == exp.RefreshToken || !fake.AccessTokenValid(shop, ns.AccessToken) {
			return "", errors.New("the refresh did not rotate")
		}
		if err := d.save(ns, ns.ID, m); err != nil {
			return "", err
		}
		old, exp = exp, ns
		return fmt.Sprintf("new access %s, %s", redact(ns.AccessToken), expiryText(ns, time.Now())), nil
	})
	d.step("call the Admin API with X-Shopify-Access-Token; the old refresh token is retired", func() (string, error) {
		var out struct {
			Shop struct {
				Domain string `json:"myshopify_domain"`
			} `json:"shop"`
		}
		if err := cl.shop.AdminCall(d.ctx, exp, http.MethodGet, "api/2025-01/shop.json", nil, &out); err != nil {
			return "", err
		}
		if out.Shop.Domain != shop {
			return "", fmt.Errorf("shop.json named %q", out.Shop.Domain)
		}
		// Shopify keeps the used refresh token valid until the new access
		// token is first used; now it is refused.
		if _, err := cl.shop.Refresh(d.ctx, old); !errors.Is(err, client.ErrReauthorize) {
			return "", fmt.Errorf("reusing the old refresh token: want ErrReauthorize, got %v", err)
		}
		return "GET shop.json -> 200; the old refresh token is refused", nil
	})
	d.step("an expired session token is refused before anything is sent", func() (string, error) {
		before := fake.Stats().Requests
		_, err := cl.shop.ExchangeToken(d.ctx, shopify.TokenExchangeParams{Shop: shop, SessionToken: fake.BrokenSessionToken(shop, 1, providertest.BreakExpired)})
		if !errors.Is(err, shopify.ErrInvalidSessionToken) || fake.Stats().Requests != before {
			return "", fmt.Errorf("want a local ErrInvalidSessionToken, got %v", err)
		}
		return err.Error(), nil
	})
}

func (d *demo) finch() {
	d.section("finch", "Finch: Connect Session, code exchange (never-expiring token), disconnect")
	fake := providertest.NewFinch()
	defer fake.Close()
	m := sessionMeta{Provider: provFinch, BaseURL: fake.URL, ClientID: fake.ClientID}
	cl, err := newClients(target{meta: m, secret: fake.ClientSecret, redirectURL: demoRedirect})
	if !d.step("build the client", func() (string, error) { return "API at " + fake.URL, err }) {
		return
	}
	var s *client.Session
	d.step("create a Connect Session, Connect and exchange the code", func() (string, error) {
		cs, err := cl.finch.NewConnectSession(d.ctx, finch.ConnectSessionParams{CustomerID: "demo-customer", CustomerName: "Demo Employer",
			Products: []string{"company", "directory"}, RedirectURI: demoRedirect, Sandbox: finch.SandboxFinch})
		if err != nil {
			return "", err
		}
		// Finch's Connect page for the session sends back the code (no
		// state: the session itself is the single-use binding).
		if s, err = d.authorizeAndExchange(cl.tokens, cs.ConnectURL, nil, ""); err != nil {
			return "", err
		}
		conn := finch.ConnectionOf(s)
		if !s.NeverExpires() || s.Subject != conn.ConnectionID || conn.ConnectionID == "" || !slices.Equal(conn.Products, []string{"company", "directory"}) {
			return "", fmt.Errorf("want a never-expiring session for the connection, got %v", s)
		}
		return fmt.Sprintf("session %s, connection %s, products %v, access %s, never expires", cs.SessionID, conn.ConnectionID, conn.Products, redact(s.AccessToken)), d.save(s, "finch", m)
	})
	d.step("oauthx login finch --customer-id … --customer-name …: a Connect Session, its connect_url, the loopback callback (a simulated browser consents)", func() (string, error) {
		before := fake.Stats().ConnectSessions
		ls, err := d.login(provFinch, "finch-login", fake.URL, fake.ClientID, fake.ClientSecret,
			"--customer-id", "demo-cli-customer", "--customer-name", "Demo CLI Employer", "--products", "company,payment", "--sandbox", finch.SandboxFinch)
		if err != nil {
			return "", err
		}
		conn := finch.ConnectionOf(ls)
		switch {
		case fake.Stats().ConnectSessions != before+1:
			return "", errors.New("the login did not create exactly one Connect Session")
		case !fake.AccessTokenValid(ls.AccessToken):
			return "", errors.New("the provider does not know the saved token")
		case conn.CustomerID != "demo-cli-customer" || !slices.Equal(conn.Products, []string{"company", "payment"}):
			return "", fmt.Errorf("the saved connection is not the customer's: %+v", conn)
		}
		return fmt.Sprintf("saved %q: connection %s for customer %s, access %s", ls.ID, conn.ConnectionID, conn.CustomerID, redact(ls.AccessToken)), nil
	})
	d.step("refresh is not needed (and not possible)", func() (string, error) {
		_, err := cl.tokens.Refresh(d.ctx, s)
		if !errors.Is(err, client.ErrInvalidRequest) {
			return "", fmt.Errorf("want ErrInvalidRequest, got %v", err)
		}
		return "ErrInvalidRequest: nothing to refresh (the CLI exits 2)", nil
	})
	d.step("disconnect (oauthx logout) revokes the token and forgets it", func() (string, error) {
		if err := d.oauthx(io.Discard, io.Discard, "", "", fake.ClientSecret, "logout", "finch"); err != nil {
			return "", err
		}
		if fake.AccessTokenValid(s.AccessToken) {
			return "", errors.New("the token still works after disconnect")
		}
		if err := d.st.Delete(d.ctx, "finch"); err != nil {
			return "", err
		}
		if _, err := d.st.Load(d.ctx, "finch"); !errors.Is(err, tokenstore.ErrNotFound) {
			return "", fmt.Errorf("the session is still stored: %v", err)
		}
		return fmt.Sprintf("provider saw %d disconnect; session deleted", fake.Stats().Disconnects), nil
	})
}

func (d *demo) passport() {
	d.section("passport", "Passport (Rollup ID): code with PKCE, id_token verification, non-rotating refresh")
	fake := providertest.NewPassport()
	defer fake.Close()
	m := sessionMeta{Provider: provPassport, BaseURL: fake.URL, ClientID: fake.ClientID}
	scopes := []string{passport.ScopeOpenID, passport.ScopeEmail, passport.ScopeProfile}
	cl, err := newClients(target{meta: m, secret: fake.ClientSecret, redirectURL: demoRedirect, scopes: scopes})
	if !d.step("build the client", func() (string, error) { return "issuer " + fake.URL, err }) {
		return
	}
	var s *client.Session
	d.step("authorize (state + PKCE S256) and exchange the code", func() (string, error) {
		const state = "demo-state-passport-0123456789"
		verifier := client.GenerateVerifier()
		u, err := cl.passport.AuthCodeURL(passport.AuthParams{State: state, Verifier: verifier})
		if s, err = d.authorizeAndExchange(cl.tokens, u, err, state, client.WithCodeVerifier(verifier)); err != nil {
			return "", err
		}
		if s.IDToken == "" || s.RefreshToken == "" || s.NeverExpires() || !fake.AccessTokenValid(s.AccessToken) {
			return "", errors.New("want an access token with an expiry, a refresh token and an id_token")
		}
		return fmt.Sprintf("subject %s, access %s (JWT exp: %s), id_token %s", s.Subject, redact(s.AccessToken), expiryText(s, time.Now()), redact(s.IDToken)), nil
	})
	var v *passport.Verifier
	d.step("verify the id_token (discovery, JWKS, ES256, issuer, audience, expiry)", func() (string, error) {
		var err error
		if v, err = cl.passport.NewVerifier(d.ctx); err != nil {
			return "", err
		}
		idt, err := v.VerifySession(d.ctx, s)
		if err != nil {
			return "", err
		}
		if idt.Subject != s.Subject {
			return "", errors.New("id_token subject differs")
		}
		return "sub " + idt.Subject + ", email " + idt.Email, d.save(s, "passport", m)
	})
	d.step("a forged id_token (alg none, HS256 with the public key) is rejected", func() (string, error) {
		for _, b := range []providertest.BrokenIDToken{providertest.IDTokenAlgNone, providertest.IDTokenAlgHS256, providertest.IDTokenOtherKey} {
			if _, err := v.Verify(d.ctx, fake.MintIDToken(s.Subject, b)); !errors.Is(err, passport.ErrInvalidIDToken) {
				return "", fmt.Errorf("forgery %d: want ErrInvalidIDToken, got %v", b, err)
			}
		}
		return "3 forgeries refused with ErrInvalidIDToken", nil
	})
	d.step("refresh: new access token, refresh token and id_token kept", func() (string, error) {
		ns, err := cl.tokens.Refresh(d.ctx, s)
		if err != nil {
			return "", err
		}
		if ns.AccessToken == s.AccessToken || ns.RefreshToken != s.RefreshToken || ns.IDToken != s.IDToken || !fake.AccessTokenValid(ns.AccessToken) {
			return "", errors.New("want a new access token with the same refresh token and id_token")
		}
		return fmt.Sprintf("new access %s, %s", redact(ns.AccessToken), expiryText(ns, time.Now())), d.save(ns, "passport", m)
	})
}

func (d *demo) listAll() {
	d.section("store", "The file store now holds (oauthx list)")
	d.step("list", func() (string, error) {
		ss, err := d.st.List(d.ctx, tokenstore.Filter{})
		if err != nil {
			return "", err
		}
		var names []string
		for _, s := range ss {
			names = append(names, s.ID)
		}
		want := []string{"demo-shop.myshopify.com_1", "finch-login", "generic", "generic-login", "offline_demo-shop.myshopify.com", "passport"}
		if !slices.Equal(names, want) {
			return "", fmt.Errorf("want %v, got %v", want, names)
		}
		return fmt.Sprint(names), nil
	})
}

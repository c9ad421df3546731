package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
)

// storedToken reads a session's access token through `show --reveal --json`.
func storedToken(t *testing.T, e *env, name string) sessionView {
	t.Helper()
	return jsonOf[sessionView](t, e.ok("--json", "show", name, "--reveal").stdout)
}

// Generic: exchange, show (redacted and revealed), token (only the token),
// refresh (rotation), list, logout.
func TestGenericExchangeRefreshTokenShowListLogout(t *testing.T) {
	t.Parallel()
	g := newGeneric(t)
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	const redirect = "http://127.0.0.1:9/callback"
	verifier := "verifier-0123456789-0123456789-0123456789-abc"
	code := g.IssueCodeWithPKCE(redirect, verifier, "read")
	r := e.ok("exchange", "generic", "--base-url", g.URL, "--code", code, "--redirect-url", redirect, "--code-verifier", verifier)
	assert.Contains(t, r.stdout, `exchanged; saved "generic" (generic)`)

	full := storedToken(t, e, "generic")
	require.True(t, g.AccessTokenValid(full.AccessToken))
	assert.Equal(t, g.URL, full.BaseURL, "the base URL is saved with the session")
	assert.Equal(t, g.ClientID, full.ClientID, "the client id is saved with the session")
	assert.NotContains(t, r.stdout, full.AccessToken)

	// show: redacted by default, text and JSON.
	for _, args := range [][]string{{"show", "generic"}, {"--json", "show", "generic"}} {
		r = e.ok(args...)
		assert.NotContains(t, r.stdout, full.AccessToken)
		assert.NotContains(t, r.stdout, full.RefreshToken)
		assert.Contains(t, r.stdout, "<redacted sha256:")
		assert.Contains(t, r.stdout, g.URL)
	}
	r = e.ok("show", "generic", "--reveal")
	assert.Contains(t, r.stdout, full.AccessToken)

	// token prints exactly the token and a newline.
	r = e.ok("token", "generic")
	assert.Equal(t, full.AccessToken+"\n", r.stdout)
	assert.Empty(t, r.stderr)
	tj := jsonOf[map[string]any](t, e.ok("--json", "token", "generic").stdout)
	assert.Equal(t, full.AccessToken, tj["access_token"])

	// refresh rotates and saves; the old tokens are gone from the store.
	r = e.ok("refresh", "generic")
	assert.Contains(t, r.stdout, `refreshed; saved "generic"`)
	after := storedToken(t, e, "generic")
	assert.NotEqual(t, full.RefreshToken, after.RefreshToken)
	assert.NotEqual(t, full.AccessToken, after.AccessToken)
	assert.True(t, g.AccessTokenValid(after.AccessToken))
	assert.Equal(t, g.URL, after.BaseURL, "metadata survives a refresh")
	assert.Equal(t, 1, g.Stats().Refreshes)

	// token needs no secret while the token is good.
	e2 := newEnv(t)
	e2.dir = e.dir
	r = e2.ok("token", "generic")
	assert.Equal(t, after.AccessToken+"\n", r.stdout)

	// list
	r = e.ok("list")
	assert.Contains(t, r.stdout, "generic")
	assert.NotContains(t, r.stdout, after.AccessToken)
	list := jsonOf[[]sessionView](t, e.ok("--json", "list", "--provider", "generic").stdout)
	require.Len(t, list, 1)
	assert.Equal(t, "generic", list[0].Name)
	assert.Empty(t, jsonOf[[]sessionView](t, e.ok("--json", "list", "--provider", "finch").stdout))

	// logout
	r = e.ok("logout", "generic")
	assert.Contains(t, r.stdout, `logged out "generic"`)
	e.exit(exitReauth, "token", "generic")
	r = e.ok("logout", "generic") // already gone: not an error, a note
	assert.Contains(t, r.stderr, `no session named "generic": nothing to log out`)
	r = e.ok("--json", "logout", "generic")
	assert.False(t, jsonOf[map[string]any](t, r.stdout)["deleted"].(bool))
	assert.NotContains(t, r.stderr, "nothing to log out", "--json: no note")
	e.exit(exitReauth, "show", "generic")
	e.exit(exitReauth, "refresh", "generic")
}

// `token` refreshes through the token source when the stored token is
// near expiry, and saves before printing.
func TestTokenRefreshesNearExpiry(t *testing.T) {
	t.Parallel()
	g := newGeneric(t, providertest.WithTokenLifetime(time.Second))
	e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
	e.ok("exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""), "--name", "short")
	before := storedToken(t, e, "short")

	e2 := newEnv(t) // no secret: a refresh is needed, so this is a usage error
	e2.dir = e.dir
	r := e2.exit(exitUsage, "token", "short")
	assert.Contains(t, r.stderr, envClientSecret)

	time.Sleep(1100 * time.Millisecond) // the token has expired
	r = e.ok("token", "short")
	tok := strings.TrimSuffix(r.stdout, "\n")
	assert.NotEqual(t, before.AccessToken, tok)
	assert.True(t, g.AccessTokenValid(tok))
	assert.Equal(t, tok, storedToken(t, e, "short").AccessToken, "saved before it was printed")
	assert.Equal(t, 1, g.Stats().Refreshes)
}

// Exit codes of failures, each from a real answer of the fake.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault providertest.Fault
		want  int
		text  string
	}{
		{"dead grant", providertest.Raw(400, "application/json", `{"error":"invalid_grant","error_description":"revoked"}`), exitReauth, "reauthorization required"},
		{"rate limited", providertest.RateLimited("120"), exitTransient, "rate limited"},
		{"server error after handling", providertest.ServerErrorAfterHandling(502), exitTransient, "transient"},
		{"html page", providertest.HTMLPage(200), exitFailure, "bad response"},
		{"bad client", providertest.Raw(401, "application/json", `{"error":"invalid_client"}`), exitUsage, "invalid client"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newGeneric(t)
			e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
			e.ok("exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""))
			g.Fail(tc.fault)
			r := e.exit(tc.want, "refresh", "generic")
			assert.Contains(t, r.stderr, tc.text)
			if tc.want == exitReauth {
				assert.Contains(t, r.stderr, "deleted")
				e.exit(exitReauth, "token", "generic")
			} else {
				e.ok("show", "generic") // kept
			}
		})
	}
	t.Run("network down", func(t *testing.T) {
		t.Parallel()
		g := newGeneric(t)
		e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
		code := g.IssueCode("")
		g.Close()
		r := e.exit(exitTransient, "exchange", "generic", "--base-url", g.URL, "--code", code)
		assert.Contains(t, r.stderr, "try again later")
	})
	t.Run("wrong secret", func(t *testing.T) {
		t.Parallel()
		g := newGeneric(t)
		e := newEnv(t).set(envClientSecret, secretMark+"wrong").set(envClientID, g.ClientID)
		e.exit(exitUsage, "exchange", "generic", "--base-url", g.URL, "--code", g.IssueCode(""))
	})
	t.Run("spent code", func(t *testing.T) {
		t.Parallel()
		g := newGeneric(t)
		e := newEnv(t).set(envClientSecret, g.ClientSecret).set(envClientID, g.ClientID)
		code := g.IssueCode("")
		e.ok("exchange", "generic", "--base-url", g.URL, "--code", code)
		e.exit(exitReauth, "exchange", "generic", "--base-url", g.URL, "--code", code)
	})
	t.Run("no session", func(t *testing.T) {
		t.Parallel()
		r := newEnv(t).exit(exitReauth, "token", "nosuch")
		assert.Contains(t, r.stderr, "log in again")
	})
	t.Run("http to a remote host", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t).set(envClientSecret, secretMark+"x").set(envClientID, "id")
		e.exit(exitUsage, "exchange", "passport", "--base-url", "http://example.com", "--code", "c")
	})
}

// Shopify: offline, online, expiring exchanges; refresh of the expiring
// one; token of each; an expired session token is exit 3.
func TestShopifyExchange(t *testing.T) {
	t.Parallel()
	f := newShopify(t)
	const shop = "cli-shop.myshopify.com"
	e := newEnv(t).set(envClientSecret, f.APISecret).set(envClientID, f.APIKey)

	r := e.ok("shopify-exchange", "--base-url", f.URL, "--shop", shop, "--session-token", f.SessionToken(shop, 7))
	assert.Contains(t, r.stdout, `"offline_cli-shop.myshopify.com"`)
	off := storedToken(t, e, "offline_"+shop)
	assert.True(t, f.AccessTokenValid(shop, off.AccessToken))
	assert.NotEmpty(t, off.RefreshToken, "offline tokens are expiring by default")
	assert.False(t, off.NeverExpires)

	// A fresh token needs no secret.
	e2 := newEnv(t)
	e2.dir = e.dir
	assert.Equal(t, off.AccessToken+"\n", e2.ok("token", "offline_"+shop).stdout)

	// The session token can come from stdin instead of argv.
	r = e.run(f.SessionToken(shop, 7)+"\n", "shopify-exchange", "--base-url", f.URL, "--shop", shop, "--session-token", "-", "--online")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"cli-shop.myshopify.com_7"`)
	on := storedToken(t, e, shop+"_7")
	assert.False(t, on.NeverExpires)
	assert.Contains(t, on.ExtraKeys, "associated_user")
	r = e.exit(exitReauth, "refresh", shop+"_7") // online tokens have no refresh token
	assert.Contains(t, r.stderr, "no refresh token")
	e.ok("show", shop+"_7") // kept: still good until it expires

	r = e.ok("shopify-exchange", "--base-url", f.URL, "--shop", shop, "--session-token", f.SessionToken(shop, 7), "--expiring", "--name", "shop-exp")
	exp := storedToken(t, e, "shop-exp")
	require.NotEmpty(t, exp.RefreshToken)
	e.ok("refresh", "shop-exp")
	exp2 := storedToken(t, e, "shop-exp")
	assert.NotEqual(t, exp.RefreshToken, exp2.RefreshToken)
	assert.True(t, f.AccessTokenValid(shop, exp2.AccessToken))
	assert.Equal(t, exp2.AccessToken+"\n", e.ok("token", "shop-exp").stdout)

	r = e.exit(exitReauth, "shopify-exchange", "--base-url", f.URL, "--shop", shop, "--session-token", f.BrokenSessionToken(shop, 7, providertest.BreakExpired))
	assert.Contains(t, r.stderr, "expired")
	e.exit(exitUsage, "shopify-exchange", "--base-url", f.URL, "--shop", "evil.example.com", "--session-token", f.SessionToken(shop, 7))
}

// Finch: exchange (never expires), refresh is a usage error, logout
// disconnects at Finch; a failed disconnect keeps the session.
func TestFinchExchangeLogout(t *testing.T) {
	t.Parallel()
	f := newFinch(t)
	e := newEnv(t).set(envClientSecret, f.ClientSecret).set(envClientID, f.ClientID)
	e.ok("exchange", "finch", "--base-url", f.URL, "--code", f.IssueCode("", "company"))
	s := storedToken(t, e, "finch")
	assert.True(t, s.NeverExpires)
	assert.True(t, f.AccessTokenValid(s.AccessToken))
	r := e.exit(exitUsage, "refresh", "finch")
	assert.Contains(t, r.stderr, "never expires")

	f.Fail(providertest.ServerError(502))
	r = e.exit(exitTransient, "logout", "finch")
	assert.Contains(t, r.stderr, "session kept")
	e.ok("show", "finch")

	r = e.ok("--json", "logout", "finch")
	v := jsonOf[map[string]any](t, r.stdout)
	assert.Equal(t, true, v["disconnected"])
	assert.False(t, f.AccessTokenValid(s.AccessToken))
	assert.Equal(t, 1, f.Stats().Disconnects)
	e.exit(exitReauth, "token", "finch")

	// --local forgets without calling Finch.
	e.ok("exchange", "finch", "--base-url", f.URL, "--code", f.IssueCode("", "company"), "--name", "f2")
	e.ok("logout", "f2", "--local")
	assert.Equal(t, 1, f.Stats().Disconnects)
}

// Passport: exchange verifies the id_token; refresh keeps refresh token
// and id_token.
func TestPassportExchangeRefresh(t *testing.T) {
	t.Parallel()
	p := newPassport(t)
	e := newEnv(t).set(envClientSecret, p.ClientSecret).set(envClientID, p.ClientID)
	e.ok("exchange", "passport", "--base-url", p.URL, "--code", p.IssueCode("", "openid", "email"))
	s := storedToken(t, e, "passport")
	require.NotEmpty(t, s.IDToken)
	e.ok("refresh", "passport")
	s2 := storedToken(t, e, "passport")
	assert.NotEqual(t, s.AccessToken, s2.AccessToken)
	assert.Equal(t, s.RefreshToken, s2.RefreshToken)
	assert.Equal(t, s.IDToken, s2.IDToken)
	assert.True(t, p.AccessTokenValid(s2.AccessToken))
}

// The demo runs every flow and exits 0; its JSON says every step held.
func TestDemo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.ok("demo")
	assert.Contains(t, r.stdout, "steps held")
	assert.NotContains(t, r.stdout, "FAIL")
	v := jsonOf[struct {
		OK    bool       `json:"ok"`
		Steps []demoStep `json:"steps"`
	}](t, e.ok("--json", "demo").stdout)
	assert.True(t, v.OK)
	flows := map[string]int{}
	for _, s := range v.Steps {
		assert.True(t, s.OK, "%s: %s", s.Step, s.Error)
		flows[s.Flow]++
	}
	for _, f := range []string{"generic", "shopify", "finch", "passport"} {
		assert.GreaterOrEqual(t, flows[f], 4, f)
	}
}

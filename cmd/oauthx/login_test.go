package main

import (
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// authorizeURL waits for the line of stderr that starts with prefix: the
// URL to open.
func authorizeURL(t *testing.T, lines <-chan string, prefix string) *url.URL {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "oauthx ended without printing the authorize URL")
			if s := strings.TrimSpace(l); strings.HasPrefix(s, prefix) {
				u, err := url.Parse(s)
				require.NoError(t, err)
				return u
			}
		case <-deadline:
			t.Fatal("no authorize URL on stderr")
		}
	}
}

// browser plays a browser without cookies: GET u and follow redirects
// (to the CLI's loopback server); returns the final status and page.
func browser(t *testing.T, u string) (int, string) {
	t.Helper()
	return browserWith(t, &http.Client{Timeout: 20 * time.Second}, u)
}

// newBrowser is a browser with a cookie jar.
func newBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

// startLogin opens the CLI's /login page in hc, which sets the login
// cookie, and returns the provider URL it redirects to.
func startLogin(t *testing.T, hc *http.Client, login *url.URL) *url.URL {
	t.Helper()
	noFollow := *hc
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(login.String())
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	u, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return u
}

// browserWith is browser with hc (and its cookies).
func browserWith(t *testing.T, hc *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := hc.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// The loopback login of each code-flow provider, driven by an HTTP client
// playing the browser: the URL comes from stderr, the fake's authorize
// endpoint redirects to the CLI's 127.0.0.1 server, which checks the state,
// exchanges the code (with PKCE where the provider takes it) and saves.
func TestLoginLoopback(t *testing.T) {
	t.Parallel()
	g, f, p := newGeneric(t), newFinch(t), newPassport(t)
	tests := []struct {
		provider, base, id, secret, authPath string
		pkce                                 bool
		valid                                func(string) bool
		args                                 []string
	}{
		{"generic", g.URL, g.ClientID, g.ClientSecret, "/oauth2/authorize", true, g.AccessTokenValid, nil},
		// Finch: the page is the Connect Session's connect_url, made for
		// the customer, with only the state added.
		{"finch", f.URL, f.ClientID, f.ClientSecret, "/authorize?session=sess_", false, f.AccessTokenValid,
			[]string{"--customer-id", "cust-cli", "--customer-name", "CLI Employer Inc"}},
		{"passport", p.URL, p.ClientID, p.ClientSecret, "/authorize", true, p.AccessTokenValid, nil},
	}
	for _, tc := range tests {
		t.Run(tc.provider, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t).set(envClientSecret, tc.secret)
			lines, wait := e.start(append([]string{"login", tc.provider, "--base-url", tc.base, "--client-id", tc.id, "--timeout", "60s"}, tc.args...)...)
			login := authorizeURL(t, lines, "http://127.0.0.1:")
			assert.Equal(t, "/login", login.Path)
			hc := newBrowser(t)
			u := startLogin(t, hc, login)
			assert.True(t, strings.HasPrefix(u.String(), tc.base+tc.authPath), u.String())
			q := u.Query()
			redirect := &url.URL{Scheme: "http", Host: login.Host, Path: "/callback"}
			if tc.provider == provFinch {
				assert.Equal(t, []string{"session", "state"}, slices.Sorted(maps.Keys(q)), "nothing built beside Finch's connect_url")
			} else {
				assert.Equal(t, redirect.String(), q.Get("redirect_uri"))
			}
			assert.Equal(t, "127.0.0.1", redirect.Hostname(), "RFC 8252: loopback IP literal")
			assert.NotEqual(t, "0", redirect.Port())
			assert.GreaterOrEqual(t, len(q.Get("state")), 16)
			assert.Equal(t, tc.pkce, q.Get("code_challenge") != "", "PKCE")
			if tc.pkce {
				assert.Equal(t, "S256", q.Get("code_challenge_method"))
			}

			// A forged callback (wrong state), and the real one opened in
			// another browser (no login cookie), are refused and the
			// login goes on. (Not the latter for Finch: the login's one
			// Connect Session is single-use, and that browser would spend
			// it at Finch.)
			status, body := browserWith(t, hc, redirect.String()+"?code=forged&state=forged-state-0123456789")
			assert.Equal(t, http.StatusBadRequest, status, body)
			if tc.provider != provFinch {
				hc = newBrowser(t)
				u = startLogin(t, hc, login)
				status, body = browser(t, u.String())
				assert.Equal(t, http.StatusBadRequest, status, body)
			}
			hc = newBrowser(t)
			u = startLogin(t, hc, login)

			status, body = browserWith(t, hc, u.String())
			require.Equal(t, http.StatusOK, status, body)
			assert.Contains(t, body, "Logged in")

			r := wait()
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Contains(t, r.stdout, `logged in; saved "`+tc.provider+`"`)
			assert.Contains(t, r.stderr, "ignored a callback with an unknown state")

			tok := e.ok("token", tc.provider)
			require.True(t, tc.valid(strings.TrimSuffix(tok.stdout, "\n")), "the printed token is live at the provider")
			assert.NotContains(t, r.stdout+r.stderr, strings.TrimSpace(tok.stdout), "login printed the token")
			if tc.provider == provFinch {
				assert.Equal(t, 1, f.Stats().ConnectSessions, "one Connect Session per login")
				v := storedToken(t, e, "finch")
				assert.Equal(t, "cust-cli", v.Extra["customer_id"])
				assert.Equal(t, "CLI Employer Inc", v.Extra["customer_name"])
			}
		})
	}
}

// login finch refuses, before anything is sent to Finch, a login without
// the customer the Connect Session is for, bad products and --auth-url.
func TestLoginFinchFlags(t *testing.T) {
	t.Parallel()
	f := newFinch(t)
	for name, args := range map[string][]string{
		"no customer id":   {"--customer-name", "Acme"},
		"no customer name": {"--customer-id", "c1"},
		"unknown product":  {"--customer-id", "c1", "--customer-name", "Acme", "--products", "payroll"},
		"auth url":         {"--customer-id", "c1", "--customer-name", "Acme", "--auth-url", f.URL + "/authorize"},
		"long name":        {"--customer-id", "c1", "--customer-name", strings.Repeat("n", 256)},
	} {
		e := newEnv(t).set(envClientSecret, f.ClientSecret)
		r := e.exit(exitUsage, append([]string{"login", "finch", "--base-url", f.URL, "--client-id", f.ClientID, "--timeout", "5s"}, args...)...)
		assert.NotEmpty(t, r.stderr, name)
	}
	assert.Equal(t, 0, f.Stats().Requests, "nothing sent to Finch")
}

// A provider error in the redirect (the user said no) ends the login with
// exit 3 (log in again) and a page naming the provider's error; no browser
// within --timeout ends it with exit 1.
func TestLoginFailures(t *testing.T) {
	t.Parallel()
	g := newGeneric(t)
	t.Run("access denied", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t).set(envClientSecret, g.ClientSecret)
		lines, wait := e.start("login", "generic", "--base-url", g.URL, "--client-id", g.ClientID, "--timeout", "60s")
		hc := newBrowser(t)
		u := startLogin(t, hc, authorizeURL(t, lines, "http://127.0.0.1:"))
		redirect := u.Query().Get("redirect_uri")
		status, page := browserWith(t, hc, redirect+"?error=access_denied&error_description=%3Ci%3Enope%3C%2Fi%3E&state="+url.QueryEscape(u.Query().Get("state")))
		assert.Equal(t, http.StatusForbidden, status)
		assert.Contains(t, page, "access_denied: &lt;i&gt;nope&lt;/i&gt;")
		r := wait()
		assert.Equal(t, exitReauth, r.code, r.stderr)
		assert.Contains(t, r.stderr, "access_denied")
		e.exit(exitReauth, "token", "generic")
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t).set(envClientSecret, g.ClientSecret)
		r := e.exit(exitFailure, "login", "generic", "--base-url", g.URL, "--client-id", g.ClientID, "--timeout", "300ms")
		assert.Contains(t, r.stderr, "no redirect from the browser")
	})
}

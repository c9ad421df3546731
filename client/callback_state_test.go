package client_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
)

// stateModes are the two kinds of login state a CallbackHandler can use:
// the signed default and a server-side MemoryStates.
var stateModes = map[string]func(now func() time.Time) client.BrowserStateConfig{
	"signed": func(now func() time.Time) client.BrowserStateConfig {
		return client.BrowserStateConfig{Key: testStateKey, Now: now}
	},
	"memory store": func(now func() time.Time) client.BrowserStateConfig {
		return client.BrowserStateConfig{Store: client.NewMemoryStates(0, now), Now: now}
	},
}

// setupCallbackState is setupCallback with the given kind of state and a
// settable server clock.
func setupCallbackState(t *testing.T, mode string) (*callbackSetup, *testClock) {
	t.Helper()
	clock := newTestClock()
	bs, err := client.NewBrowserState(stateModes[mode](clock.Now))
	require.NoError(t, err)
	return setupCallback(t, func(cfg *client.CallbackConfig) { cfg.State = bs }), clock
}

// The browser binding, over real HTTP with cookie jars: a callback is
// completed only by the browser that began its login, once, in time, with
// the state and cookie untouched. A refused callback never reaches the
// provider and saves nothing.
func TestCallbackBoundToBrowser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// run plays the scenario and opens the callback that must be
		// refused, in the browser it returns.
		run       func(t *testing.T, cs *callbackSetup, clock *testClock) (*browser, string)
		want      error
		exchanges int
	}{
		{
			name: "callback link opened in a browser without the login cookie",
			run: func(t *testing.T, cs *callbackSetup, _ *testClock) (*browser, string) {
				cb := cs.authorize(t, newBrowser(t, cs, "alice"), "/login")
				return newBrowser(t, cs, "alice"), cb.String()
			},
			want: client.ErrStateCookieMissing,
		},
		{
			// The attacker begins a login, consents with their own account
			// and sends the callback link to the victim, whose browser has
			// a login of its own in flight.
			name: "login CSRF: the attacker's callback in the victim's browser",
			run: func(t *testing.T, cs *callbackSetup, _ *testClock) (*browser, string) {
				attacker := cs.authorize(t, newBrowser(t, cs, "mallory"), "/login")
				victim := newBrowser(t, cs, "alice")
				cs.authorize(t, victim, "/login")
				return victim, attacker.String()
			},
			want: client.ErrStateMismatch,
		},
		{
			name: "login CSRF: the attacker's callback in a browser with no login",
			run: func(t *testing.T, cs *callbackSetup, _ *testClock) (*browser, string) {
				attacker := cs.authorize(t, newBrowser(t, cs, "mallory"), "/login")
				return newBrowser(t, cs, "alice"), attacker.String()
			},
			want: client.ErrStateCookieMissing,
		},
		{
			name: "replay of a used state",
			run: func(t *testing.T, cs *callbackSetup, _ *testClock) (*browser, string) {
				b := newBrowser(t, cs, "alice")
				cb := cs.authorize(t, b, "/login")
				resp, body := b.get(t, cb.String())
				require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
				return b, cb.String()
			},
			// The browser no longer has the cookie; a server-side store
			// has also forgotten the state.
			want: client.ErrInvalidState, exchanges: 1,
		},
		{
			name: "expired state",
			run: func(t *testing.T, cs *callbackSetup, clock *testClock) (*browser, string) {
				b := newBrowser(t, cs, "alice")
				cb := cs.authorize(t, b, "/login")
				clock.Add(client.DefaultStateLifetime + time.Second)
				return b, cb.String()
			},
			want: client.ErrInvalidState,
		},
		{
			name: "tampered state",
			run: func(t *testing.T, cs *callbackSetup, _ *testClock) (*browser, string) {
				b := newBrowser(t, cs, "alice")
				cb := cs.authorize(t, b, "/login")
				return b, with(cb, "state", flip(cb.Query().Get("state")))
			},
			want: client.ErrStateMismatch,
		},
		{
			name: "tampered cookie",
			run: func(t *testing.T, cs *callbackSetup, _ *testClock) (*browser, string) {
				b := newBrowser(t, cs, "alice")
				cb := cs.authorize(t, b, "/login")
				u, _ := url.Parse(cs.srv.URL)
				for _, c := range b.jar.Cookies(u) {
					if c.Name == client.DefaultStateCookie {
						b.jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: flip(c.Value), Path: "/"}})
					}
				}
				return b, cb.String()
			},
			want: client.ErrStateMismatch,
		},
		{
			name: "an older login of the same browser",
			run: func(t *testing.T, cs *callbackSetup, _ *testClock) (*browser, string) {
				b := newBrowser(t, cs, "alice")
				first := cs.authorize(t, b, "/login")
				cs.authorize(t, b, "/login")
				return b, first.String()
			},
			want: client.ErrStateMismatch,
		},
	}
	for mode := range stateModes {
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				cs, clock := setupCallbackState(t, mode)
				b, link := tt.run(t, cs, clock)
				before := len(cs.savedIDs())
				resp, body := b.get(t, link)
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
				assert.Contains(t, body, "invalid or expired state")
				assert.True(t, loginCookieCleared(resp))
				e := cs.lastError(t)
				assert.ErrorIs(t, e, client.ErrInvalidState)
				assert.ErrorIs(t, e, tt.want)
				assert.Equal(t, tt.exchanges, cs.fake.Stats().CodeExchanges, "a refused callback sends no code")
				assert.Len(t, cs.savedIDs(), before, "nothing saved")
			})
		}
	}
}

// A refused link does not spoil the real login: the browser that began it
// still completes it afterwards.
func TestCallbackForeignBrowserDoesNotSpendTheLogin(t *testing.T) {
	t.Parallel()
	cs := setupCallback(t, nil)
	alice := newBrowser(t, cs, "alice")
	cb := cs.authorize(t, alice, "/login")
	resp, _ := newBrowser(t, cs, "alice").get(t, cb.String())
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp, body := alice.get(t, cb.String())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	assert.Equal(t, []string{"generic:alice"}, cs.savedIDs())
}

// floodLogins is how many unauthenticated login starts the flood test
// sends.
const floodLogins = 100_000

// A flood of login starts (in-process, through LoginHandler) does not stop
// a real login. With the signed state nothing is kept, so even a login
// begun before the flood completes; a MemoryStates keeps at most
// MaxMemoryStates and evicts the oldest, so logins begun after the flood
// complete (one begun before it may have been pushed out).
func TestCallbackLoginFlood(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode          string
		beforeSurvive bool
	}{
		{"signed", true},
		{"memory store", false},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			cs, _ := setupCallbackState(t, tt.mode)
			early := newBrowser(t, cs, "early")
			earlyCallback := cs.authorize(t, early, "/login")

			login := cs.h.LoginHandler()
			req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/login", nil)
			for i := range floodLogins {
				rec := httptest.NewRecorder()
				login.ServeHTTP(rec, req)
				if rec.Code != http.StatusFound {
					t.Fatalf("login start %d answered %d: %s", i, rec.Code, rec.Body.String())
				}
			}

			alice := newBrowser(t, cs, "alice")
			resp, body := alice.get(t, cs.authorize(t, alice, "/login").String())
			require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
			resp, body = early.get(t, earlyCallback.String())
			if tt.beforeSurvive {
				require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
				assert.ElementsMatch(t, []string{"generic:alice", "generic:early"}, cs.savedIDs())
			} else {
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "evicted by the flood")
				assert.Equal(t, []string{"generic:alice"}, cs.savedIDs())
			}
		})
	}
}

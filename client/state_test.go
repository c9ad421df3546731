package client_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
)

var otherStateKey = []byte("fedcba9876543210fedcba9876543210")

// begin runs bs.Begin for a request to host and returns the state and the
// login cookie it set.
func begin(t *testing.T, bs *client.BrowserState, host string, data client.AuthState) (string, *http.Cookie) {
	t.Helper()
	w := httptest.NewRecorder()
	state, err := bs.Begin(w, httptest.NewRequest(http.MethodGet, "http://"+host+"/login", nil), data)
	require.NoError(t, err)
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	return state, cookies[0]
}

// verify runs bs.Verify for a callback to host carrying cookie (if any).
func verify(bs *client.BrowserState, host string, cookie *http.Cookie, state string) (*client.AuthState, *http.Cookie, error) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "http://"+host+"/callback", nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	st, err := bs.Verify(w, r, state)
	var cleared *http.Cookie
	if cs := w.Result().Cookies(); len(cs) == 1 {
		cleared = cs[0]
	}
	return st, cleared, err
}

func TestNewBrowserStateValidates(t *testing.T) {
	t.Parallel()
	store := client.NewMemoryStates(0, nil)
	tests := []struct {
		name string
		cfg  client.BrowserStateConfig
	}{
		{"nothing", client.BrowserStateConfig{}},
		{"short key", client.BrowserStateConfig{Key: []byte("0123456789abcdef0123456789abcde")}},
		{"empty key", client.BrowserStateConfig{Key: []byte{}}},
		{"key and store", client.BrowserStateConfig{Key: testStateKey, Store: store}},
		{"short previous key", client.BrowserStateConfig{Key: testStateKey, PreviousKeys: [][]byte{[]byte("old")}}},
		{"previous keys without a key", client.BrowserStateConfig{Store: store, PreviousKeys: [][]byte{otherStateKey}}},
		{"negative lifetime", client.BrowserStateConfig{Key: testStateKey, Lifetime: -time.Second}},
		{"cookie name with a space", client.BrowserStateConfig{Key: testStateKey, CookieName: "a b"}},
		{"cookie name with a semicolon", client.BrowserStateConfig{Key: testStateKey, CookieName: "a;b"}},
		{"relative cookie path", client.BrowserStateConfig{Key: testStateKey, CookiePath: "auth"}},
		{"cookie path with a semicolon", client.BrowserStateConfig{Key: testStateKey, CookiePath: "/a;Domain=evil"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := client.NewBrowserState(tt.cfg)
			assert.ErrorIs(t, err, client.ErrInvalidRequest)
		})
	}
}

// The login cookie: HttpOnly, SameSite=Lax, the state's lifetime, Secure
// (and __Host-) everywhere but plain HTTP to a loopback host; the
// callback's answer deletes it with the same attributes.
func TestLoginCookieAttributes(t *testing.T) {
	t.Parallel()
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey, Lifetime: 3 * time.Minute})
	require.NoError(t, err)
	scoped, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey, CookieName: "login", CookiePath: "/auth/"})
	require.NoError(t, err)
	tests := []struct {
		name     string
		bs       *client.BrowserState
		host     string
		tls      bool
		wantName string
		secure   bool
		path     string
		maxAge   int
	}{
		{"IPv4 loopback", bs, "127.0.0.1:8080", false, "oauthx_login", false, "/", 180},
		{"IPv6 loopback", bs, "[::1]:8080", false, "oauthx_login", false, "/", 180},
		{"localhost", bs, "localhost:3000", false, "oauthx_login", false, "/", 180},
		{"a public host", bs, "app.example.com", false, "__Host-oauthx_login", true, "/", 180},
		{"a public host behind TLS", bs, "app.example.com", true, "__Host-oauthx_login", true, "/", 180},
		{"loopback over TLS", bs, "127.0.0.1:8443", true, "__Host-oauthx_login", true, "/", 180},
		{"a narrower path has no __Host- prefix", scoped, "app.example.com", false, "login", true, "/auth/", 600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := func(path string) *http.Request {
				r := httptest.NewRequest(http.MethodGet, "http://"+tt.host+path, nil)
				if tt.tls {
					r.TLS = &tls.ConnectionState{}
				}
				return r
			}
			w := httptest.NewRecorder()
			state, err := tt.bs.Begin(w, req("/login"), client.AuthState{})
			require.NoError(t, err)
			cs := w.Result().Cookies()
			require.Len(t, cs, 1)
			c := cs[0]
			assert.Equal(t, tt.wantName, c.Name)
			assert.True(t, c.HttpOnly)
			assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
			assert.Equal(t, tt.secure, c.Secure)
			assert.Equal(t, tt.path, c.Path)
			assert.Equal(t, tt.maxAge, c.MaxAge)
			assert.Empty(t, c.Domain)
			assert.NotContains(t, c.Value, state, "the state is not in the cookie")

			w = httptest.NewRecorder()
			r := req("/callback")
			r.AddCookie(c)
			_, err = tt.bs.Verify(w, r, state)
			require.NoError(t, err)
			cs = w.Result().Cookies()
			require.Len(t, cs, 1)
			assert.Equal(t, tt.wantName, cs[0].Name)
			assert.Negative(t, cs[0].MaxAge, "deleted")
			assert.Equal(t, tt.secure, cs[0].Secure)
			assert.Equal(t, tt.path, cs[0].Path)
		})
	}
}

func TestBrowserStateRoundTrip(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"signed", "store"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			cfg := client.BrowserStateConfig{Key: testStateKey}
			if mode == "store" {
				cfg = client.BrowserStateConfig{Store: client.NewMemoryStates(0, nil)}
			}
			bs, err := client.NewBrowserState(cfg)
			require.NoError(t, err)
			data := client.AuthState{Verifier: client.GenerateVerifier(), RedirectURL: "https://app.example.com/cb",
				ReturnTo: "/settings?tab=1", Extra: "shop-1.myshopify.com",
				State: "ignored", Binding: "ignored", Expires: time.Unix(1, 0)}
			before := time.Now()
			state, cookie := begin(t, bs, "127.0.0.1", data)
			assert.GreaterOrEqual(t, len(state), 43)
			assert.NotEqual(t, "ignored", state)

			st, cleared, err := verify(bs, "127.0.0.1", cookie, state)
			require.NoError(t, err)
			require.NotNil(t, cleared)
			assert.Equal(t, state, st.State)
			assert.Equal(t, data.Verifier, st.Verifier)
			assert.Equal(t, data.RedirectURL, st.RedirectURL)
			assert.Equal(t, data.ReturnTo, st.ReturnTo)
			assert.Equal(t, data.Extra, st.Extra)
			assert.WithinRange(t, st.Expires, before.Add(client.DefaultStateLifetime-time.Second), time.Now().Add(client.DefaultStateLifetime))

			// Two logins never share a state.
			state2, _ := begin(t, bs, "127.0.0.1", data)
			assert.NotEqual(t, state, state2)
		})
	}
}

// Every way a state or cookie can be wrong, for both kinds of state.
func TestBrowserStateRefuses(t *testing.T) {
	t.Parallel()
	type fixture struct {
		bs    *client.BrowserState
		clock *testClock
	}
	modes := map[string]func() fixture{
		"signed": func() fixture {
			c := newTestClock()
			bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey, Now: c.Now})
			require.NoError(t, err)
			return fixture{bs, c}
		},
		"store": func() fixture {
			c := newTestClock()
			bs, err := client.NewBrowserState(client.BrowserStateConfig{Store: client.NewMemoryStates(time.Hour, c.Now), Now: c.Now})
			require.NoError(t, err)
			return fixture{bs, c}
		},
	}
	tests := []struct {
		name string
		// run returns the cookie and state the callback carries.
		run  func(t *testing.T, f fixture) (*http.Cookie, string)
		want error
		// wantStore, if set, is what the store kind reports instead (a
		// store only says a state is unknown, expired or taken).
		wantStore error
	}{
		{"no cookie", func(t *testing.T, f fixture) (*http.Cookie, string) {
			state, _ := begin(t, f.bs, "127.0.0.1", client.AuthState{})
			return nil, state
		}, client.ErrStateCookieMissing, nil},
		{"empty cookie", func(t *testing.T, f fixture) (*http.Cookie, string) {
			state, c := begin(t, f.bs, "127.0.0.1", client.AuthState{})
			c.Value = ""
			return c, state
		}, client.ErrStateCookieMissing, nil},
		{"no state", func(t *testing.T, f fixture) (*http.Cookie, string) {
			_, c := begin(t, f.bs, "127.0.0.1", client.AuthState{})
			return c, ""
		}, client.ErrStateMismatch, nil},
		{"another login's cookie", func(t *testing.T, f fixture) (*http.Cookie, string) {
			state, _ := begin(t, f.bs, "127.0.0.1", client.AuthState{})
			_, other := begin(t, f.bs, "127.0.0.1", client.AuthState{})
			return other, state
		}, client.ErrStateMismatch, nil},
		{"tampered state", func(t *testing.T, f fixture) (*http.Cookie, string) {
			state, c := begin(t, f.bs, "127.0.0.1", client.AuthState{})
			return c, flip(state)
		}, client.ErrStateMismatch, nil},
		{"tampered cookie", func(t *testing.T, f fixture) (*http.Cookie, string) {
			state, c := begin(t, f.bs, "127.0.0.1", client.AuthState{Verifier: "v"})
			c.Value = flip(c.Value)
			return c, state
		}, client.ErrStateMismatch, nil},
		{"truncated cookie", func(t *testing.T, f fixture) (*http.Cookie, string) {
			state, c := begin(t, f.bs, "127.0.0.1", client.AuthState{})
			c.Value = c.Value[:10]
			return c, state
		}, client.ErrStateMismatch, nil},
		{"cookie that is not base64", func(t *testing.T, f fixture) (*http.Cookie, string) {
			state, c := begin(t, f.bs, "127.0.0.1", client.AuthState{})
			c.Value = "%%%" + c.Value
			return c, state
		}, client.ErrStateMismatch, nil},
		{"expired", func(t *testing.T, f fixture) (*http.Cookie, string) {
			state, c := begin(t, f.bs, "127.0.0.1", client.AuthState{})
			f.clock.Add(client.DefaultStateLifetime)
			return c, state
		}, client.ErrStateExpired, client.ErrStateMismatch},
	}
	for mode, setup := range modes {
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := setup()
				cookie, state := tt.run(t, f)
				st, cleared, err := verify(f.bs, "127.0.0.1", cookie, state)
				assert.Nil(t, st)
				assert.ErrorIs(t, err, client.ErrInvalidState)
				want := tt.want
				if mode == "store" && tt.wantStore != nil {
					want = tt.wantStore
				}
				assert.ErrorIs(t, err, want)
				require.NotNil(t, cleared, "the cookie is cleared whatever the outcome")
				assert.Negative(t, cleared.MaxAge)
			})
		}
	}
}

// A used state is refused even with the cookie replayed: the server-side
// store forgets it; the signed state cannot know, but the browser no longer
// has the cookie (the callback cleared it) and the provider's code is
// single-use.
func TestBrowserStateStoreRefusesReplayWithCopiedCookie(t *testing.T) {
	t.Parallel()
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Store: client.NewMemoryStates(0, nil)})
	require.NoError(t, err)
	state, c := begin(t, bs, "127.0.0.1", client.AuthState{})
	_, _, err = verify(bs, "127.0.0.1", c, state)
	require.NoError(t, err)
	_, _, err = verify(bs, "127.0.0.1", c, state)
	assert.ErrorIs(t, err, client.ErrStateMismatch)
}

// A state begun with the deprecated MemoryStates.Begin is bound to no
// browser: refused.
func TestBrowserStateRefusesUnboundStoredState(t *testing.T) {
	t.Parallel()
	m := client.NewMemoryStates(0, nil)
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Store: m})
	require.NoError(t, err)
	st, err := m.Begin("", false) //nolint:staticcheck // what old code does
	require.NoError(t, err)
	_, _, err = verify(bs, "127.0.0.1", &http.Cookie{Name: client.DefaultStateCookie, Value: "anything"}, st.State)
	assert.ErrorIs(t, err, client.ErrStateMismatch)
}

// A store failure is not a refused state: the caller answers 500.
func TestBrowserStateStoreFailure(t *testing.T) {
	t.Parallel()
	boom := errors.New("state store unavailable")
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Store: failingKeeper{boom}})
	require.NoError(t, err)
	_, err = bs.Begin(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/login", nil), client.AuthState{})
	assert.ErrorIs(t, err, boom)
	_, _, err = verify(bs, "127.0.0.1", &http.Cookie{Name: client.DefaultStateCookie, Value: "x"}, "some-state")
	assert.ErrorIs(t, err, boom)
	assert.NotErrorIs(t, err, client.ErrInvalidState)
}

type failingKeeper struct{ err error }

func (f failingKeeper) Save(context.Context, *client.AuthState) error { return f.err }
func (f failingKeeper) Take(context.Context, string) (*client.AuthState, error) {
	return nil, f.err
}

// Rotating the key: logins begun with the old key still verify while it
// is a previous key, and not after.
func TestBrowserStateKeyRotation(t *testing.T) {
	t.Parallel()
	old, err := client.NewBrowserState(client.BrowserStateConfig{Key: otherStateKey})
	require.NoError(t, err)
	rotated, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey, PreviousKeys: [][]byte{otherStateKey}})
	require.NoError(t, err)
	dropped, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey})
	require.NoError(t, err)

	state, c := begin(t, old, "127.0.0.1", client.AuthState{ReturnTo: "/r"})
	st, _, err := verify(rotated, "127.0.0.1", c, state)
	require.NoError(t, err)
	assert.Equal(t, "/r", st.ReturnTo)
	_, _, err = verify(dropped, "127.0.0.1", c, state)
	assert.ErrorIs(t, err, client.ErrStateMismatch)

	// New logins are signed with the new key only.
	state, c = begin(t, rotated, "127.0.0.1", client.AuthState{})
	_, _, err = verify(dropped, "127.0.0.1", c, state)
	assert.NoError(t, err)
	_, _, err = verify(old, "127.0.0.1", c, state)
	assert.ErrorIs(t, err, client.ErrStateMismatch)
}

func TestBrowserStateTooLargeForACookie(t *testing.T) {
	t.Parallel()
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	_, err = bs.Begin(w, httptest.NewRequest(http.MethodGet, "/login", nil), client.AuthState{Extra: strings.Repeat("x", 4000)})
	assert.ErrorIs(t, err, client.ErrInvalidRequest)
	assert.Empty(t, w.Result().Cookies(), "no cookie set")
}

// flip changes the last character of s.
func flip(s string) string {
	last := s[len(s)-1]
	if last == 'A' {
		return s[:len(s)-1] + "B"
	}
	return s[:len(s)-1] + "A"
}

// testClock is a settable clock for the server side of a login.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Neither a BrowserState's key nor an AuthState's state and verifier show
// in any verb or in a log.
func TestStateRedacted(t *testing.T) {
	t.Parallel()
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey})
	require.NoError(t, err)
	st := client.AuthState{State: "state-abcdefghijklmnop", Verifier: "verifier-abcdefghijklmnop", ReturnTo: "/r"}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "bs", bs, "st", st, "pst", &st)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{bs, st, &st, []any{bs, st}} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, string(testStateKey), verb)
			assert.NotContains(t, out, fmt.Sprint([]byte(testStateKey)[:4]), verb)
			assert.NotContains(t, out, "abcdefghijklmnop", verb)
		}
	}
	assert.NotContains(t, logged.String(), "abcdefghijklmnop")
	assert.NotContains(t, logged.String(), string(testStateKey))
	assert.Contains(t, fmt.Sprint(st), `ReturnTo: "/r"`)
}

// Every one-character change of the cookie is refused, including those
// that would only touch base64's unused trailing bits.
func TestBrowserStateCookieNotMalleable(t *testing.T) {
	t.Parallel()
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: testStateKey})
	require.NoError(t, err)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, n := range []int{0, 1, 2} { // the three lengths modulo 3
		state, c := begin(t, bs, "127.0.0.1", client.AuthState{Extra: strings.Repeat("x", n)})
		last := c.Value[len(c.Value)-1]
		for i := range len(alphabet) {
			if alphabet[i] == last {
				continue
			}
			tampered := *c
			tampered.Value = c.Value[:len(c.Value)-1] + alphabet[i:i+1]
			_, _, err := verify(bs, "127.0.0.1", &tampered, state)
			require.ErrorIs(t, err, client.ErrStateMismatch, "extra %d, last char %q", n, alphabet[i])
		}
		_, _, err := verify(bs, "127.0.0.1", c, state)
		require.NoError(t, err)
	}
}

package client

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

// Errors a refused state matches. Every one of them also matches
// ErrInvalidState with errors.Is.
var (
	// ErrInvalidState means the callback's state was missing, unknown,
	// expired, already used or not begun in this browser: the request did
	// not come from an authorization this browser started (login CSRF, a
	// replayed or forwarded link, a double submit).
	ErrInvalidState = errors.New("oauthx: invalid or expired state")
	// ErrStateCookieMissing means the request carried no login cookie: the
	// sign-in was not begun in this browser, or its cookie was already
	// spent by an earlier callback.
	ErrStateCookieMissing = errors.New("oauthx: no login cookie in this browser")
	// ErrStateMismatch means the state and the login cookie do not belong
	// together: forged, tampered with, or begun by another login.
	ErrStateMismatch = errors.New("oauthx: state does not match this browser's login")
	// ErrStateExpired means the login was begun longer ago than the
	// state's lifetime.
	ErrStateExpired = errors.New("oauthx: login state expired")
)

// stateError is a refused state: it matches ErrInvalidState and its kind.
type stateError struct{ kind error }

// Error returns the kind's message.
func (e *stateError) Error() string { return e.kind.Error() }

// Is matches ErrInvalidState and the kind.
func (e *stateError) Is(target error) bool { return target == ErrInvalidState || target == e.kind }

func refused(kind error) error { return &stateError{kind: kind} }

// AuthState is what an application remembers between sending the user to
// the provider and the provider sending them back: the state value, and
// what the code exchange and the redirect after it need.
type AuthState struct {
	// State is the unguessable value sent in the authorize URL.
	State string
	// Verifier is the PKCE code verifier whose challenge went into the
	// authorize URL, or "" when PKCE was not used.
	Verifier string
	// RedirectURL, when set, is sent as redirect_uri with the exchange
	// (it must equal the one in the authorize URL).
	RedirectURL string
	// ReturnTo is a local path ("/settings") to send the user to after a
	// successful callback. Anything that is not a local path is ignored
	// (no open redirects).
	ReturnTo string
	// Extra is application data kept with the login and handed back by
	// BrowserState.Verify (e.g. the shop an install is for). With the
	// signed default it travels in the login cookie: signed, not
	// encrypted, so it must not be a secret.
	Extra string
	// Expires is when the state stops being accepted.
	Expires time.Time
	// Binding ties a server-side state to the browser that began it: the
	// base64url SHA-256 of that browser's login cookie. BrowserState sets
	// and checks it; a state without one is refused by BrowserState.Verify.
	Binding string
}

// StateStore keeps the AuthStates of authorizations in flight.
type StateStore interface {
	// Take returns the AuthState saved for state and forgets it: a state
	// is good for one callback. It returns an error matching
	// ErrInvalidState when state is unknown, expired or already taken.
	// Implementations must compare state in constant time.
	Take(ctx context.Context, state string) (*AuthState, error)
}

// StateKeeper is a StateStore that can also remember states: what a
// BrowserState needs to keep its logins server side.
type StateKeeper interface {
	StateStore
	// Save remembers st (st.Expires is set) until Take or st.Expires.
	Save(ctx context.Context, st *AuthState) error
}

// DefaultStateLifetime is how long a login state is accepted.
const DefaultStateLifetime = 10 * time.Minute

// DefaultStateCookie is the login cookie's default name. On a secure
// origin with path "/" the cookie is named "__Host-" + the name, so that
// no subdomain can plant one.
const DefaultStateCookie = "oauthx_login"

// MinStateKeyLen is the shortest HMAC key BrowserState accepts.
const MinStateKeyLen = 32

// maxStateCookie bounds the login cookie's value: browsers drop cookies
// over about 4 KiB.
const maxStateCookie = 3800

// BrowserStateConfig configures a BrowserState. Exactly one of Key and
// Store is required.
type BrowserStateConfig struct {
	// Key signs the login cookie and derives the state from it
	// (HMAC-SHA256): at least MinStateKeyLen random bytes, secret, the
	// same on every replica. Nothing is kept in server memory.
	Key []byte
	// PreviousKeys are still accepted by Verify, never used by Begin: put
	// the old key here while rotating, for one state lifetime.
	PreviousKeys [][]byte
	// Store, instead of Key, keeps each login server side (the state is a
	// random handle, the cookie a random secret whose hash the store
	// keeps). MemoryStates is bounded and evicts the oldest login when
	// full.
	Store StateKeeper
	// CookieName names the login cookie (default DefaultStateCookie).
	// Flows of one application that may be in flight at once in one
	// browser (a sign-in and an app install) need distinct names: a Begin
	// replaces the cookie of the same name.
	CookieName string
	// CookiePath scopes the login cookie (default "/"); it must cover the
	// callback's path.
	CookiePath string
	// Lifetime is how long a login may take (default
	// DefaultStateLifetime).
	Lifetime time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// BrowserState binds the state of a redirect flow (an OAuth authorization
// code flow, an app install, a connect page) to the browser that began it.
//
// Begin, on the page that sends the user away, makes a state and sets a
// login cookie: HttpOnly, SameSite=Lax, Secure unless the request's host is
// loopback, living the state's lifetime. (Behind a reverse proxy, pass the
// public Host through: a Host rewritten to 127.0.0.1 makes the cookie
// not Secure.) Verify, on the page the user comes
// back to, clears that cookie whatever the outcome and accepts the state
// only with the cookie it was begun with, before it expires. A link that
// carries a state but is opened in another browser (login CSRF: an
// attacker's own authorization sent to a victim) is refused, and so is a
// second use in the same browser.
//
// With a Key (the default) the cookie holds the login's data (expiry, a
// random nonce, the PKCE verifier, ReturnTo, Extra) signed with
// HMAC-SHA256, and the state is a MAC of that cookie: nothing is kept on
// the server, so no number of begun logins can exhaust anything, and every
// replica sharing the key accepts the callback. A newer login in the same
// browser replaces the cookie, so only the latest login of a browser can
// complete.
//
// A BrowserState is safe for concurrent use.
type BrowserState struct {
	keys     [][]byte // keys[0] signs; all verify
	store    StateKeeper
	name     string
	path     string
	lifetime time.Duration
	now      func() time.Time
}

// NewBrowserState checks cfg and returns the BrowserState. A bad cfg is
// an error matching ErrInvalidRequest.
func NewBrowserState(cfg BrowserStateConfig) (*BrowserState, error) {
	bad := func(msg string) (*BrowserState, error) {
		return nil, &Error{Kind: ErrInvalidRequest, Description: "BrowserStateConfig: " + msg}
	}
	switch {
	case cfg.Key == nil && cfg.Store == nil:
		return bad("a Key (or a Store) is required")
	case cfg.Key != nil && cfg.Store != nil:
		return bad("set Key or Store, not both")
	case cfg.Key == nil && len(cfg.PreviousKeys) > 0:
		return bad("PreviousKeys need a Key")
	case cfg.Lifetime < 0:
		return bad("negative Lifetime")
	}
	b := &BrowserState{store: cfg.Store, name: cfg.CookieName, path: cfg.CookiePath, lifetime: cfg.Lifetime, now: cfg.Now}
	if cfg.Key != nil {
		for _, k := range append([][]byte{cfg.Key}, cfg.PreviousKeys...) {
			if len(k) < MinStateKeyLen {
				return bad("a key is shorter than 32 bytes")
			}
			b.keys = append(b.keys, append([]byte(nil), k...))
		}
	}
	if b.name == "" {
		b.name = DefaultStateCookie
	}
	if !isCookieToken(b.name) {
		return bad("CookieName must be letters, digits, '-' and '_'")
	}
	if b.path == "" {
		b.path = "/"
	}
	if !strings.HasPrefix(b.path, "/") || strings.ContainsAny(b.path, ";,") || hasControl(b.path) {
		return bad("CookiePath must be a path starting with '/'")
	}
	if b.lifetime == 0 {
		b.lifetime = DefaultStateLifetime
	}
	if b.now == nil {
		b.now = time.Now
	}
	return b, nil
}

// Begin starts a login in r's browser: it makes a fresh state for data
// (its Verifier, RedirectURL, ReturnTo and Extra; State, Expires and
// Binding are set here), sets the login cookie on w, and returns the state
// to put in the authorize URL. Call it before writing the response (the
// cookie is a header), then redirect.
func (b *BrowserState) Begin(w http.ResponseWriter, r *http.Request, data AuthState) (string, error) {
	st := data
	st.Expires = b.now().Add(b.lifetime)
	if b.store != nil {
		secret := GenerateVerifier()
		st.State, st.Binding = GenerateVerifier(), bindingOf(secret)
		if err := b.store.Save(r.Context(), &st); err != nil {
			return "", err
		}
		http.SetCookie(w, b.cookie(r, secret, int(b.lifetime/time.Second)))
		return st.State, nil
	}
	payload := encodeLogin(&st)
	value := base64.RawURLEncoding.EncodeToString(append(payload, mac(b.keys[0], cookieLabel, payload)...))
	if len(value) > maxStateCookie {
		return "", &Error{Kind: ErrInvalidRequest, Description: "BrowserState.Begin: the login's data does not fit in a cookie"}
	}
	http.SetCookie(w, b.cookie(r, value, int(b.lifetime/time.Second)))
	return base64.RawURLEncoding.EncodeToString(mac(b.keys[0], stateLabel, payload)), nil
}

// Verify checks the state a callback carries against r's login cookie,
// clears that cookie on w whatever the outcome, and returns the data Begin
// was given (with State and Expires). A refused state is an error matching
// ErrInvalidState and one of ErrStateCookieMissing, ErrStateMismatch or
// ErrStateExpired; with a Store, the store's own failure is returned as
// is.
func (b *BrowserState) Verify(w http.ResponseWriter, r *http.Request, state string) (*AuthState, error) {
	http.SetCookie(w, b.cookie(r, "", -1))
	var cookie string
	if ck, err := r.Cookie(b.cookieName(r)); err == nil {
		cookie = ck.Value
	}
	if b.store != nil {
		return b.verifyStored(r.Context(), cookie, state)
	}
	if cookie == "" {
		return nil, refused(ErrStateCookieMissing)
	}
	// Strict: one cookie value per payload (no ignored padding bits).
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cookie)
	if err != nil || len(raw) <= sha256.Size || state == "" {
		return nil, refused(ErrStateMismatch)
	}
	payload, tag := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	for _, k := range b.keys {
		if !hmac.Equal(tag, mac(k, cookieLabel, payload)) {
			continue
		}
		want := base64.RawURLEncoding.EncodeToString(mac(k, stateLabel, payload))
		if subtle.ConstantTimeCompare([]byte(state), []byte(want)) != 1 {
			return nil, refused(ErrStateMismatch)
		}
		st, ok := decodeLogin(payload)
		if !ok {
			return nil, refused(ErrStateMismatch)
		}
		if !b.now().Before(st.Expires) {
			return nil, refused(ErrStateExpired)
		}
		st.State = state
		return st, nil
	}
	return nil, refused(ErrStateMismatch)
}

// verifyStored takes state from the store (spending it, whatever else is
// wrong) and checks that cookie is the one it was begun with.
func (b *BrowserState) verifyStored(ctx context.Context, cookie, state string) (*AuthState, error) {
	if state == "" {
		return nil, refused(ErrStateMismatch)
	}
	st, err := b.store.Take(ctx, state)
	if err != nil {
		if errors.Is(err, ErrInvalidState) {
			return nil, refused(ErrStateMismatch)
		}
		return nil, err
	}
	switch {
	case cookie == "":
		return nil, refused(ErrStateCookieMissing)
	case st.Binding == "" || subtle.ConstantTimeCompare([]byte(bindingOf(cookie)), []byte(st.Binding)) != 1:
		return nil, refused(ErrStateMismatch)
	case !b.now().Before(st.Expires):
		return nil, refused(ErrStateExpired)
	}
	return st, nil
}

// cookieName is the login cookie's name for r: "__Host-" prefixed on a
// secure origin when the path allows it.
func (b *BrowserState) cookieName(r *http.Request) string {
	if secureOrigin(r) && b.path == "/" {
		return "__Host-" + b.name
	}
	return b.name
}

// cookie is the login cookie for r with value, living maxAge seconds (-1
// deletes it).
func (b *BrowserState) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: b.cookieName(r), Value: value, Path: b.path, MaxAge: maxAge,
		HttpOnly: true, Secure: secureOrigin(r), SameSite: http.SameSiteLaxMode}
}

// secureOrigin reports whether cookies for r must be Secure: always but
// for plain HTTP to a loopback host (a development server, a CLI's
// redirect listener).
func secureOrigin(r *http.Request) bool {
	return r.TLS != nil || !isLoopbackHost(r.Host)
}

func isLoopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

const (
	loginVersion = 1
	nonceLen     = 16
	cookieLabel  = "oauthx login cookie v1\x00"
	stateLabel   = "oauthx login state v1\x00"
)

func mac(key []byte, label string, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	m.Write(payload)
	return m.Sum(nil)
}

func bindingOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// encodeLogin lays out a signed login: version, expiry (Unix ms), a random
// nonce, then Verifier, RedirectURL, ReturnTo and Extra, each prefixed by
// its length.
func encodeLogin(st *AuthState) []byte {
	fields := [...]string{st.Verifier, st.RedirectURL, st.ReturnTo, st.Extra}
	n := 1 + 8 + nonceLen
	for _, f := range fields {
		n += binary.MaxVarintLen64 + len(f)
	}
	buf := make([]byte, 0, n)
	buf = append(buf, loginVersion)
	buf = binary.BigEndian.AppendUint64(buf, uint64(st.Expires.UnixMilli()))
	nonce := make([]byte, nonceLen)
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	buf = append(buf, nonce...)
	for _, f := range fields {
		buf = binary.AppendUvarint(buf, uint64(len(f)))
		buf = append(buf, f...)
	}
	return buf
}

// decodeLogin reads what encodeLogin wrote (already authenticated by its
// MAC); it reports false for anything else.
func decodeLogin(p []byte) (*AuthState, bool) {
	if len(p) < 1+8+nonceLen || p[0] != loginVersion {
		return nil, false
	}
	st := &AuthState{Expires: time.UnixMilli(int64(binary.BigEndian.Uint64(p[1:9])))}
	p = p[1+8+nonceLen:]
	var fields [4]string
	for i := range fields {
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(len(p)-k) {
			return nil, false
		}
		fields[i], p = string(p[k:k+int(n)]), p[k+int(n):]
	}
	if len(p) != 0 {
		return nil, false
	}
	st.Verifier, st.RedirectURL, st.ReturnTo, st.Extra = fields[0], fields[1], fields[2], fields[3]
	return st, true
}

func isCookieToken(s string) bool {
	for _, c := range s {
		if !(c == '-' || c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')) {
			return false
		}
	}
	return s != ""
}

func hasControl(s string) bool {
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

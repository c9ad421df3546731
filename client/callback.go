package client

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Errors the callback handler reports (wrapped in a *CallbackError, so
// errors.Is finds them).
var (
	// ErrInvalidState means the callback's state was missing, unknown,
	// expired or already used: the request did not come from an
	// authorization this application started (CSRF, a replayed link, a
	// double submit).
	ErrInvalidState = errors.New("oauthx: invalid or expired state")
	// ErrMissingCode means the callback carried neither a code nor an error.
	ErrMissingCode = errors.New("oauthx: callback has no authorization code")
	// ErrAuthorizationFailed means the provider redirected back with an
	// error (error=access_denied, …) instead of a code.
	ErrAuthorizationFailed = errors.New("oauthx: authorization failed at the provider")
	// ErrSaveFailed means the code was exchanged but the Save function
	// failed: the tokens were not stored.
	ErrSaveFailed = errors.New("oauthx: could not save the session")
)

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
	// Expires is when the state stops being accepted.
	Expires time.Time
}

// StateStore keeps the AuthStates of authorizations in flight.
type StateStore interface {
	// Take returns the AuthState saved for state and forgets it: a state
	// is good for one callback. It returns an error matching
	// ErrInvalidState when state is unknown, expired or already taken.
	// Implementations must compare state in constant time.
	Take(ctx context.Context, state string) (*AuthState, error)
}

// DefaultStateLifetime is how long a MemoryStates state is accepted.
const DefaultStateLifetime = 10 * time.Minute

// maxPendingStates bounds a MemoryStates, so that starting authorizations
// in a loop cannot exhaust memory.
const maxPendingStates = 100_000

// MemoryStates is an in-process StateStore. It suits a single replica;
// several replicas need a shared store (or a signed cookie) behind the
// same interface. The zero value is not usable: call NewMemoryStates.
type MemoryStates struct {
	lifetime time.Duration
	now      func() time.Time

	mu      sync.Mutex
	pending map[[32]byte]*AuthState // keyed by SHA-256(state)
}

// NewMemoryStates returns an empty store whose states live lifetime (0:
// DefaultStateLifetime). now is its clock (nil: time.Now).
func NewMemoryStates(lifetime time.Duration, now func() time.Time) *MemoryStates {
	if lifetime <= 0 {
		lifetime = DefaultStateLifetime
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryStates{lifetime: lifetime, now: now, pending: map[[32]byte]*AuthState{}}
}

// Begin starts an authorization: it makes a fresh random state (and a PKCE
// verifier when pkce is true), remembers them with returnTo, and returns
// them. Put st.State (and client.WithPKCE(st.Verifier)) into the authorize
// URL.
func (m *MemoryStates) Begin(returnTo string, pkce bool) (*AuthState, error) {
	st := &AuthState{State: GenerateVerifier(), ReturnTo: returnTo}
	if pkce {
		st.Verifier = GenerateVerifier()
	}
	if err := m.Put(st); err != nil {
		return nil, err
	}
	return st, nil
}

// Put remembers st until st.Expires (zero: now plus the store's lifetime).
// An empty or short state (under 16 bytes) is refused: it could be guessed.
func (m *MemoryStates) Put(st *AuthState) error {
	if st == nil || len(st.State) < 16 {
		return errors.New("oauthx: MemoryStates.Put: state must be at least 16 random bytes")
	}
	cp := *st
	now := m.now()
	if cp.Expires.IsZero() {
		cp.Expires = now.Add(m.lifetime)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) >= maxPendingStates {
		for k, v := range m.pending {
			if !now.Before(v.Expires) {
				delete(m.pending, k)
			}
		}
		if len(m.pending) >= maxPendingStates {
			return errors.New("oauthx: too many authorizations in flight")
		}
	}
	m.pending[sha256.Sum256([]byte(cp.State))] = &cp
	return nil
}

// Take implements StateStore. The lookup is by a hash of state and the
// final comparison constant-time, so response timing says nothing about
// how much of a guessed state was right.
func (m *MemoryStates) Take(_ context.Context, state string) (*AuthState, error) {
	if state == "" {
		return nil, ErrInvalidState
	}
	key := sha256.Sum256([]byte(state))
	m.mu.Lock()
	st, ok := m.pending[key]
	if ok {
		delete(m.pending, key)
	}
	m.mu.Unlock()
	if !ok || subtle.ConstantTimeCompare([]byte(st.State), []byte(state)) != 1 {
		return nil, ErrInvalidState
	}
	if !m.now().Before(st.Expires) {
		return nil, ErrInvalidState
	}
	return st, nil
}

// Len reports how many authorizations are in flight (expired ones
// included until they are swept).
func (m *MemoryStates) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pending)
}

// CallbackConfig configures a CallbackHandler.
type CallbackConfig struct {
	// Client exchanges the code. Required.
	Client *Client
	// States checks and consumes the state. Required.
	States StateStore
	// Save stores the new Session before the user is redirected. Required.
	// A failure answers 500 and the Session is lost (the code is spent):
	// make it reliable.
	Save func(ctx context.Context, s *Session) error

	// SuccessURL is where the user is sent after a successful callback
	// when the AuthState has no ReturnTo (default "/").
	SuccessURL string
	// OnSuccess, if set, answers the request instead of the redirect, after
	// Save succeeded.
	OnSuccess func(w http.ResponseWriter, r *http.Request, s *Session)
	// OnError, if set, answers failed callbacks instead of the plain-text
	// page. err is a *CallbackError; its Reason is safe to show.
	OnError func(w http.ResponseWriter, r *http.Request, err *CallbackError)
	// ExchangeOptions are added to every code exchange.
	ExchangeOptions []ExchangeOption
	// Timeout bounds the exchange and Save together (default 30s). They
	// run detached from the request's cancellation: a browser that goes
	// away must not make a spent code's tokens disappear unsaved.
	Timeout time.Duration
	// Logger, if set, logs failures at warn level (never a token or code).
	Logger *slog.Logger
}

// CallbackHandler is the redirect endpoint of an authorization code flow
// (GET /callback?code=…&state=…): it checks and consumes the state, reads
// a provider error from the query, exchanges the code (with the PKCE
// verifier the state carried), saves the Session, and redirects.
//
// Every answer carries Cache-Control: no-store and Referrer-Policy:
// no-referrer (the URL holds a code). Error pages name the problem and
// never contain the code, a token or a secret.
type CallbackHandler struct {
	cfg CallbackConfig
}

// NewCallbackHandler checks cfg and returns the handler.
func NewCallbackHandler(cfg CallbackConfig) (*CallbackHandler, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("oauthx: CallbackConfig.Client is required")
	case cfg.States == nil:
		return nil, errors.New("oauthx: CallbackConfig.States is required")
	case cfg.Save == nil:
		return nil, errors.New("oauthx: CallbackConfig.Save is required")
	case cfg.Timeout < 0:
		return nil, errors.New("oauthx: CallbackConfig.Timeout is negative")
	}
	if cfg.SuccessURL == "" {
		cfg.SuccessURL = "/"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	cfg.ExchangeOptions = append([]ExchangeOption(nil), cfg.ExchangeOptions...)
	return &CallbackHandler{cfg: cfg}, nil
}

// CallbackError is a failed callback: the status answered, a reason safe
// to show to the user, and the cause.
type CallbackError struct {
	// StatusCode is the HTTP status the handler answers.
	StatusCode int
	// Reason is a short explanation without secrets, shown on the page.
	Reason string
	// ProviderError is the error code the provider put in the query
	// (access_denied, …), if any.
	ProviderError string
	// Err is the cause: ErrInvalidState, ErrMissingCode,
	// ErrAuthorizationFailed, the exchange's *Error, or the Save error
	// joined with ErrSaveFailed.
	Err error
}

// Error returns the reason and the cause.
func (e *CallbackError) Error() string {
	msg := "oauthx: callback: " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *CallbackError) Unwrap() error { return e.Err }

// ServeHTTP implements http.Handler.
func (h *CallbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	// GET only: a HEAD (link prefetchers, scanners) must not spend the
	// state and the code.
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		h.fail(w, r, &CallbackError{StatusCode: http.StatusMethodNotAllowed, Reason: "method not allowed"})
		return
	}
	q := r.URL.Query()

	// The state is checked first, even when the provider reports an
	// error: an error or a code that this application did not ask for is
	// not acted on.
	st, err := h.cfg.States.Take(r.Context(), q.Get("state"))
	if err != nil {
		status := http.StatusBadRequest
		if !errors.Is(err, ErrInvalidState) {
			status = http.StatusInternalServerError
		}
		h.fail(w, r, &CallbackError{StatusCode: status, Reason: "invalid or expired state; start the sign-in again", Err: err})
		return
	}
	if code := q.Get("error"); code != "" {
		code = safeCode(code)
		status := http.StatusBadRequest
		if code == "access_denied" {
			status = http.StatusForbidden
		}
		h.fail(w, r, &CallbackError{StatusCode: status, Reason: "the provider reported " + code,
			ProviderError: code, Err: ErrAuthorizationFailed})
		return
	}
	code := q.Get("code")
	if code == "" {
		h.fail(w, r, &CallbackError{StatusCode: http.StatusBadRequest, Reason: "missing authorization code", Err: ErrMissingCode})
		return
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.cfg.Timeout)
	defer cancel()
	opts := append([]ExchangeOption(nil), h.cfg.ExchangeOptions...)
	if st.Verifier != "" {
		opts = append(opts, WithCodeVerifier(st.Verifier))
	}
	if st.RedirectURL != "" {
		opts = append(opts, WithRedirectURL(st.RedirectURL))
	}
	s, err := h.cfg.Client.ExchangeCode(ctx, code, opts...)
	if err != nil {
		h.fail(w, r, exchangeFailure(err))
		return
	}
	if err := h.cfg.Save(ctx, s); err != nil {
		h.fail(w, r, &CallbackError{StatusCode: http.StatusInternalServerError,
			Reason: "signed in, but the session could not be saved", Err: errors.Join(ErrSaveFailed, err)})
		return
	}
	if h.cfg.OnSuccess != nil {
		h.cfg.OnSuccess(w, r, s)
		return
	}
	target := h.cfg.SuccessURL
	if isLocalPath(st.ReturnTo) {
		target = st.ReturnTo
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// exchangeFailure picks the status for a failed exchange: the user's
// grant was bad (400), the provider is busy (503) or broken (502), or our
// own configuration is wrong (500).
func exchangeFailure(err error) *CallbackError {
	ce := &CallbackError{Err: err}
	switch {
	case errors.Is(err, ErrReauthorize):
		ce.StatusCode, ce.Reason = http.StatusBadRequest, "the authorization code was rejected; start the sign-in again"
	case errors.Is(err, ErrRateLimited):
		ce.StatusCode, ce.Reason = http.StatusServiceUnavailable, "the provider is rate limiting; try again later"
	case errors.Is(err, ErrTransient), errors.Is(err, ErrBadResponse):
		ce.StatusCode, ce.Reason = http.StatusBadGateway, "the provider could not be reached or answered badly"
	default: // ErrInvalidClient, ErrInvalidRequest: our configuration
		ce.StatusCode, ce.Reason = http.StatusInternalServerError, "the code exchange failed"
	}
	return ce
}

func (h *CallbackHandler) fail(w http.ResponseWriter, r *http.Request, e *CallbackError) {
	if l := h.cfg.Logger; l != nil {
		l.WarnContext(r.Context(), "oauthx: callback failed", "status", e.StatusCode, "error", e.Error())
	}
	if h.cfg.OnError != nil {
		h.cfg.OnError(w, r, e)
		return
	}
	if e.StatusCode == http.StatusServiceUnavailable {
		var oe *Error
		if errors.As(e.Err, &oe) && oe.RetryAfter > 0 {
			w.Header().Set("Retry-After", RetryAfterSeconds(oe.RetryAfter))
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.StatusCode)
	_, _ = w.Write([]byte(http.StatusText(e.StatusCode) + ": " + e.Reason + "\n"))
}

// safeCode keeps an error code from the query printable and short: it is
// shown on the page and logged.
func safeCode(s string) string {
	var b strings.Builder
	for _, c := range s {
		if b.Len() >= 64 {
			break
		}
		if c == '_' || c == '-' || c == '.' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "an unnamed error"
	}
	return b.String()
}

// isLocalPath reports whether p is a path on this site: "/x", not
// "//host", "/\host" or "https://…".
//
// Browsers drop tabs and newlines from URLs, so "/\t/host" would become
// "//host": a backslash or a control character anywhere disqualifies p.
func isLocalPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return false
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

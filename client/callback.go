package client

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauthx/oauthx/internal/errtext"
)

// Errors the callback handler reports (wrapped in a *CallbackError, so
// errors.Is finds them). A refused state matches ErrInvalidState.
var (
	// ErrMissingCode means the callback carried neither a code nor an error.
	ErrMissingCode = errors.New("oauthx: callback has no authorization code")
	// ErrAuthorizationFailed means the provider redirected back with an
	// error (error=access_denied, …) instead of a code.
	ErrAuthorizationFailed = errors.New("oauthx: authorization failed at the provider")
	// ErrSaveFailed means the code was exchanged but the Save function
	// failed: the tokens were not stored.
	ErrSaveFailed = errors.New("oauthx: could not save the session")
	// ErrNoSessionID means the code was exchanged but the handler could
	// not tell which user the session belongs to (see CallbackConfig.ID):
	// nothing was saved, rather than one user's session overwriting
	// another's under a shared ID.
	ErrNoSessionID = errors.New("oauthx: cannot tell which user the session belongs to")
)

// CallbackConfig configures a CallbackHandler.
type CallbackConfig struct {
	// Client exchanges the code. Required.
	Client *Client
	// State binds each login to the browser that began it (see
	// BrowserState): NewBrowserState(BrowserStateConfig{Key: key}) for
	// the signed default. Required unless States is set.
	State *BrowserState
	// States, when State is nil, keeps the logins server side: the handler
	// uses NewBrowserState(BrowserStateConfig{Store: States}), so States
	// must be a StateKeeper (MemoryStates is). Logins must still be begun
	// in the browser, with Begin or LoginHandler.
	//
	// Deprecated: set State (with BrowserStateConfig.Store for a
	// server-side store).
	States StateStore
	// Save stores the new Session before the user is redirected. Required.
	// A failure answers 500 and the Session is lost (the code is spent):
	// make it reliable.
	Save func(ctx context.Context, s *Session) error

	// VerifyIDToken, if set, verifies the id_token of every session that
	// has one (signature, issuer, audience, expiry) and returns its sub
	// claim, which names the session ("<provider>:<sub>") and becomes its
	// Subject. A failure answers 500 and nothing is saved. For Passport:
	// a passport.Verifier's Verify, returning the token's Subject.
	VerifyIDToken func(ctx context.Context, rawIDToken string) (subject string, err error)
	// ID, if set, names the session of the user who just signed in (it
	// becomes Session.ID, after VerifyIDToken has run): e.g. the
	// application's own user id taken from ctx (the request's context
	// values are kept), or the provider's user id from its userinfo or
	// introspection endpoint. An error or an empty ID answers 500 and
	// nothing is saved.
	//
	// Without ID or a verified id_token, the session is named after the
	// user the provider adapter read from the token endpoint's answer
	// (Subject: Passport's sub, from the id_token that endpoint returned
	// over TLS; Finch's connection id; not a tenant set with WithTenant),
	// and with none of these the handler saves nothing and
	// answers 500 (ErrNoSessionID): a generic session knows no user, and
	// saving it under its default ID ("generic") would overwrite the
	// previous user's.
	ID func(ctx context.Context, s *Session) (string, error)

	// SuccessURL is where the user is sent after a successful callback
	// when the AuthState has no ReturnTo (default "/").
	SuccessURL string
	// OnSuccess, if set, answers the request instead of the redirect, after
	// Save succeeded.
	OnSuccess func(w http.ResponseWriter, r *http.Request, s *Session)
	// OnError, if set, answers failed callbacks (and logins LoginHandler
	// could not begin) instead of the plain-text page. err is a
	// *CallbackError; its Reason is safe to show.
	OnError func(w http.ResponseWriter, r *http.Request, err *CallbackError)
	// ExchangeOptions are added to every code exchange. WithSessionID is
	// refused here (it would name every user's session alike): use ID.
	ExchangeOptions []ExchangeOption
	// Timeout bounds the exchange, the ID lookup and Save together
	// (default 30s). They run detached from the request's cancellation: a
	// browser that goes away must not make a spent code's tokens disappear
	// unsaved.
	Timeout time.Duration
	// Logger, if set, logs failures at warn level (never a token or code).
	Logger *slog.Logger
}

// CallbackHandler is the redirect endpoint of an authorization code flow
// (GET /callback?code=…&state=…), and the start of it (Begin,
// LoginHandler). The callback checks the state against the browser's login
// cookie (and clears it), reads a provider error from the query, exchanges
// the code (with the PKCE verifier the login carried), names the session
// after its user, saves it, and redirects.
//
// Every answer carries Cache-Control: no-store and Referrer-Policy:
// no-referrer (the URL holds a code). Error pages name the problem and
// never contain the code, a token or a secret.
type CallbackHandler struct {
	cfg   CallbackConfig
	state *BrowserState
	// tenant is true when ExchangeOptions name a tenant: Subject then
	// echoes it and says nothing about the user.
	tenant bool
}

// NewCallbackHandler checks cfg and returns the handler. A bad cfg is an
// error matching ErrInvalidRequest.
func NewCallbackHandler(cfg CallbackConfig) (*CallbackHandler, error) {
	bad := func(msg string) (*CallbackHandler, error) {
		return nil, &Error{Kind: ErrInvalidRequest, Description: "CallbackConfig: " + msg}
	}
	var probe TokenRequest
	for _, o := range cfg.ExchangeOptions {
		if o != nil {
			o(&probe)
		}
	}
	switch {
	case cfg.Client == nil:
		return bad("Client is required")
	case cfg.State == nil && cfg.States == nil:
		return bad("State is required (client.NewBrowserState)")
	case cfg.State != nil && cfg.States != nil:
		return bad("set State or States, not both")
	case cfg.Save == nil:
		return bad("Save is required")
	case cfg.Timeout < 0:
		return bad("Timeout is negative")
	case probe.SessionID != "":
		return bad("ExchangeOptions name every session alike (WithSessionID); use ID")
	}
	h := &CallbackHandler{cfg: cfg, state: cfg.State, tenant: probe.Tenant != ""}
	if h.state == nil {
		keeper, ok := cfg.States.(StateKeeper)
		if !ok {
			return bad("States must be a StateKeeper (with Save) so logins can be bound to the browser")
		}
		var err error
		if h.state, err = NewBrowserState(BrowserStateConfig{Store: keeper}); err != nil {
			return nil, err
		}
	}
	if h.cfg.SuccessURL == "" {
		h.cfg.SuccessURL = "/"
	}
	if h.cfg.Timeout == 0 {
		h.cfg.Timeout = 30 * time.Second
	}
	h.cfg.ExchangeOptions = nil
	for _, o := range cfg.ExchangeOptions {
		if o != nil {
			h.cfg.ExchangeOptions = append(h.cfg.ExchangeOptions, o)
		}
	}
	return h, nil
}

// Begin starts a sign-in in r's browser: it makes a state (and a PKCE
// verifier when pkce is true) bound to the login cookie it sets on w, and
// returns them with returnTo. Put st.State (and, with PKCE,
// client.WithPKCE(st.Verifier)) in the authorize URL and redirect; the
// callback accepts that state only from this browser, once. Use it when
// the authorize URL is built by a provider package (shopify, passport.AuthCodeURL;
// a Finch Connect Session's URL); LoginHandler does all of it for
// Client.AuthCodeURL.
func (h *CallbackHandler) Begin(w http.ResponseWriter, r *http.Request, returnTo string, pkce bool) (*AuthState, error) {
	st := AuthState{ReturnTo: returnTo}
	if pkce {
		st.Verifier = GenerateVerifier()
	}
	state, err := h.state.Begin(w, r, st)
	if err != nil {
		return nil, err
	}
	st.State = state
	return &st, nil
}

// LoginHandler returns the handler of the page that starts the sign-in
// (GET or POST /login): it begins a login with PKCE in the browser and
// redirects (302) to Client.AuthCodeURL with the state, the S256 challenge
// and opts. A return_to query parameter that is a local path becomes the
// login's ReturnTo. Other methods answer 405; a login that cannot begin
// answers 500 (both through OnError).
func (h *CallbackHandler) LoginHandler(opts ...AuthURLOption) http.Handler {
	opts = append([]AuthURLOption(nil), opts...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			// A HEAD (a prefetcher) must not replace a login in flight.
			w.Header().Set("Allow", "GET, POST")
			h.fail(w, r, &CallbackError{StatusCode: http.StatusMethodNotAllowed, Reason: "method not allowed"})
			return
		}
		returnTo := r.URL.Query().Get("return_to")
		if !isLocalPath(returnTo) {
			returnTo = ""
		}
		st, err := h.Begin(w, r, returnTo, true)
		var u string
		if err == nil {
			u, err = h.cfg.Client.AuthCodeURL(st.State, append([]AuthURLOption{WithPKCE(st.Verifier)}, opts...)...)
		}
		if err != nil {
			h.fail(w, r, &CallbackError{StatusCode: http.StatusInternalServerError, Reason: "the sign-in could not be started", Err: err})
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
	})
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
	// ProviderDescription is the provider's error_description, if any:
	// its text, bounded and without control characters (escape it before
	// putting it in HTML).
	ProviderDescription string
	// Err is the cause: a refused state (ErrInvalidState), ErrMissingCode,
	// ErrAuthorizationFailed, the exchange's *Error, ErrNoSessionID
	// (joined with the ID or VerifyIDToken error, if any), or the Save
	// error joined with ErrSaveFailed. A callback's error whose text holds
	// a token of the session is replaced by one with the token scrubbed.
	Err error
}

// Error returns the reason and the cause, saying "oauthx: " once.
func (e *CallbackError) Error() string {
	msg := "oauthx: callback: " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return errtext.Once(msg)
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

	// The state is checked (against this browser's login cookie, which is
	// cleared whatever happens) first, even when the provider reports an
	// error: an error or a code that this browser did not ask for is not
	// acted on.
	st, err := h.state.Verify(w, r, q.Get("state"))
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
			ProviderError: code, ProviderDescription: safeDescription(q.Get("error_description")), Err: ErrAuthorizationFailed})
		return
	}
	code := q.Get("code")
	if code == "" {
		h.fail(w, r, &CallbackError{StatusCode: http.StatusBadRequest, Reason: "missing authorization code", Err: ErrMissingCode})
		return
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.cfg.Timeout)
	defer cancel()
	ctx = context.WithValue(ctx, authStateKey{}, st)
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
	if ce := h.nameSession(ctx, s); ce != nil {
		h.fail(w, r, ce)
		return
	}
	if err := h.cfg.Save(ctx, s); err != nil {
		h.fail(w, r, &CallbackError{StatusCode: http.StatusInternalServerError,
			Reason: "signed in, but the session could not be saved", Err: errors.Join(ErrSaveFailed, scrubSession(err, s))})
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

// Fail answers a failed request as the handler answers its own: logged
// at warn level with the Logger, then through OnError if set, else the
// plain-text page (with Retry-After on a 503 that carries one). For pages
// built beside the handler, like a provider package's start page.
func (h *CallbackHandler) Fail(w http.ResponseWriter, r *http.Request, e *CallbackError) {
	h.fail(w, r, e)
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

// safeDescription keeps a provider's error_description readable: control
// characters dropped, clipped as every provider description is
// (maxDescriptionLen).
func safeDescription(s string) string {
	return Clip(strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return -1
		}
		return c
	}, s), maxDescriptionLen)
}

// isLocalPath reports whether p is a path on this site: "/x", not
// "//host", "/\host" or "https://…".
//
// Browsers drop tabs and newlines from URLs, so "/\t/host" would become
// "//host": a backslash or a control character anywhere disqualifies p.
func isLocalPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') || hasControl(p) {
		return false
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

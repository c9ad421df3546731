package shopify

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/oauthx/oauthx/client"
)

// InstallConfig configures Client.InstallHandlers: an app install through
// Shopify's authorization code grant.
type InstallConfig struct {
	// State binds each install to the browser that began it (a signed,
	// HttpOnly login cookie; see client.BrowserState). Required.
	State *client.BrowserState
	// RedirectURI is the absolute URL the callback handler is served at,
	// one of the app's allowed redirection URLs. Required.
	RedirectURI string
	// Save stores the new session (an expiring offline session, ID
	// "offline_{shop}", or with Online the staff member's online one)
	// before the browser is sent on. A tokenstore store's Save fits.
	// Required. A failure answers 500 and the session is lost (the code is
	// spent): make it reliable.
	Save func(ctx context.Context, s *client.Session) error
	// Online installs for the approving staff member's online token
	// (grant_options[]=per-user) instead of the shop's offline token.
	Online bool
	// SuccessURL is where the browser goes after a successful install
	// (default "/"), a path or URL the app chooses.
	SuccessURL string
	// OnSuccess, if set, answers instead of the redirect, after Save.
	OnSuccess func(w http.ResponseWriter, r *http.Request, s *client.Session)
	// OnError, if set, answers failed requests instead of the fixed plain
	// text. err holds no code, hmac or token.
	OnError func(w http.ResponseWriter, r *http.Request, status int, err error)
	// Timeout bounds the exchange and Save together (default 30 s). They
	// run detached from the request's cancellation: a browser that goes
	// away must not lose a spent code's tokens.
	Timeout time.Duration
	// Logger, if set, logs failures at warn level (never a token or code).
	Logger *slog.Logger
}

// Install errors the handlers report (to OnError and the Logger).
var (
	// ErrInstallShopMismatch: the callback's (verified) shop is not the
	// one the install began for.
	ErrInstallShopMismatch = errors.New("shopify: install callback is for another shop than the one it began for")
	// ErrInstallExchange: the code exchange failed (the error wraps the
	// *client.Error).
	ErrInstallExchange = errors.New("shopify: install code exchange failed")
	// ErrInstallSave: Save failed.
	ErrInstallSave = errors.New("shopify: install could not save the session")
)

// InstallHandlers returns the two handlers of an install through the
// authorization code grant:
//
//   - begin (e.g. GET /auth?shop=…) checks the shop,
//     begins a browser-bound state (cfg.State sets its HttpOnly login
//     cookie) and redirects to AuthorizeURL;
//   - callback (served at cfg.RedirectURI) verifies the redirect's hmac,
//     timestamp and shop (VerifyCallback), the state against the
//     browser's login cookie (single use: the cookie is cleared whatever
//     the outcome), that the shop is the one the install began for, then
//     exchanges the code (ExchangeCode, expiring offline tokens unless
//     Online), saves the session and redirects.
//
// Answers: 400 for a bad shop or callback, 403 for a state that is not
// this browser's, 502 for a failed exchange, 500 for a failed save, 405
// for a method other than GET. Their texts are fixed.
func (c *Client) InstallHandlers(cfg InstallConfig) (begin, callback http.Handler, err error) {
	switch {
	case cfg.State == nil:
		return nil, nil, c.invalid("InstallConfig.State is required")
	case cfg.Save == nil:
		return nil, nil, c.invalid("InstallConfig.Save is required")
	case cfg.Timeout < 0:
		return nil, nil, c.invalid("InstallConfig.Timeout must not be negative")
	}
	if _, err := c.AuthorizeURL(AuthorizeParams{Shop: "example.myshopify.com", RedirectURI: cfg.RedirectURI, State: "x"}); err != nil {
		return nil, nil, c.invalid("InstallConfig.RedirectURI must be an absolute https:// URL (http:// only to a loopback host)")
	}
	if cfg.SuccessURL == "" {
		cfg.SuccessURL = "/"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	in := &install{c: c, cfg: cfg}
	return http.HandlerFunc(in.begin), http.HandlerFunc(in.callback), nil
}

type install struct {
	c   *Client
	cfg InstallConfig
}

func (in *install) begin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		in.fail(w, r, http.StatusMethodNotAllowed, errors.New("shopify: install takes GET"))
		return
	}
	shop, err := in.c.SanitizeShop(r.URL.Query().Get("shop"))
	if err != nil {
		in.fail(w, r, http.StatusBadRequest, err)
		return
	}
	state, err := in.cfg.State.Begin(w, r, client.AuthState{
		RedirectURL: in.cfg.RedirectURI,
		Extra:       shop,
	})
	if err != nil {
		in.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	u, err := in.c.AuthorizeURL(AuthorizeParams{Shop: shop, RedirectURI: in.cfg.RedirectURI, State: state, Online: in.cfg.Online})
	if err != nil {
		in.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

func (in *install) callback(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		in.fail(w, r, http.StatusMethodNotAllowed, errors.New("shopify: install callback takes GET"))
		return
	}
	q := r.URL.Query()
	// The state is checked (and its cookie cleared) whatever else is wrong.
	st, stateErr := in.cfg.State.Verify(w, r, q.Get("state"))
	shop, err := in.c.VerifyCallback(q)
	switch {
	case err != nil:
		in.fail(w, r, http.StatusBadRequest, err)
		return
	case stateErr != nil:
		in.fail(w, r, http.StatusForbidden, stateErr)
		return
	case st.Extra != shop:
		in.fail(w, r, http.StatusForbidden, ErrInstallShopMismatch)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), in.cfg.Timeout)
	defer cancel()
	s, err := in.c.ExchangeCode(ctx, shop, q.Get("code"), !in.cfg.Online)
	if err != nil {
		in.fail(w, r, http.StatusBadGateway, errors.Join(ErrInstallExchange, err))
		return
	}
	if err := in.cfg.Save(ctx, s); err != nil {
		in.fail(w, r, http.StatusInternalServerError, errors.Join(ErrInstallSave, err))
		return
	}
	if in.cfg.OnSuccess != nil {
		in.cfg.OnSuccess(w, r, s)
		return
	}
	http.Redirect(w, r, in.cfg.SuccessURL, http.StatusFound)
}

// installTexts are the fixed answers to failed install requests.
var installTexts = map[int]string{
	http.StatusBadRequest:          "invalid install request",
	http.StatusForbidden:           "this install was not started in this browser, or has expired",
	http.StatusBadGateway:          "Shopify refused the install",
	http.StatusInternalServerError: "the install could not be completed",
	http.StatusMethodNotAllowed:    "method not allowed",
}

func (in *install) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if in.cfg.Logger != nil {
		in.cfg.Logger.WarnContext(r.Context(), "shopify install failed", "status", status, "err", err)
	}
	if in.cfg.OnError != nil {
		in.cfg.OnError(w, r, status, err)
		return
	}
	http.Error(w, installTexts[status], status)
}

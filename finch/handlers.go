package finch

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

// Errors the Connect handlers report, each as the Err of a
// *client.CallbackError (errors.Is finds them).
var (
	// ErrConnectRefused means ConnectConfig.Customer refused the request
	// (its error is joined): nothing was sent to Finch.
	ErrConnectRefused = errors.New("finch: the application refused to start a connection for this request")
	// ErrUnknownConnection means a reauthentication named a connection
	// whose session the store does not hold: nothing was sent to Finch.
	ErrUnknownConnection = errors.New("finch: no stored session for the connection to reauthenticate")
	// ErrCustomerMismatch means a connection belongs to another customer
	// than the one the request is for: a reauthentication of a stored
	// connection that names another customer (nothing sent), or a code
	// whose token Finch issued for another customer than the Connect
	// Session's (nothing saved).
	ErrCustomerMismatch = errors.New("finch: the connection belongs to another customer")
	// ErrConnectionMismatch means a reauthentication's code gave a token
	// for another connection than the one reauthenticated: nothing saved.
	ErrConnectionMismatch = errors.New("finch: the reauthentication returned another connection")
)

// maxSaveTries bounds the compare-and-set attempts of one callback's save.
const maxSaveTries = 3

// ConnectConfig configures Client.ConnectHandlers.
type ConnectConfig struct {
	// State binds each connection attempt to the browser that began it
	// (a signed, HttpOnly login cookie; see client.BrowserState).
	// Required.
	State *client.BrowserState
	// Store keeps one session per connection, under SessionID(connection
	// id). The callback writes with CompareAndSave against the session it
	// just read, so a reauthentication's new token replaces the stored
	// session of its connection and never stands beside it. Required.
	Store tokenstore.Store
	// Customer says whom a /connect request is for: the application's
	// customer id and name (its signed-in user's employer), and optionally
	// products, a connection to reauthenticate and a return path. An error
	// refuses the request (403, ErrConnectRefused) before anything is
	// sent. Required.
	Customer func(r *http.Request) (ConnectRequest, error)
	// RedirectURI is the absolute URL the callback handler is served at,
	// one of the application's redirect URIs in Finch's dashboard
	// (https://, or http:// to a loopback host). Empty: the client's
	// Config.RedirectURL. One of them is required.
	RedirectURI string
	// Products are asked for when a ConnectRequest names none (from
	// KnownProducts). A new connection needs at least one from either.
	Products []string
	// Sandbox is "", SandboxFinch or SandboxProvider, for new connections.
	Sandbox string
	// SuccessURL is where the browser goes after a saved connection when
	// the ConnectRequest had no ReturnTo (default "/").
	SuccessURL string
	// OnSuccess, if set, answers instead of the redirect, after the save.
	OnSuccess func(w http.ResponseWriter, r *http.Request, s *client.Session)
	// OnError, if set, answers failed requests of both handlers instead
	// of the plain-text page. err.Reason is safe to show; err never holds
	// a code, token or secret.
	OnError func(w http.ResponseWriter, r *http.Request, err *client.CallbackError)
	// Timeout bounds the code exchange and the save together (default
	// 30 s), detached from the request's cancellation.
	Timeout time.Duration
	// Logger, if set, logs failures at warn level (never a code, token or
	// secret).
	Logger *slog.Logger
}

// ConnectRequest is what ConnectConfig.Customer returns for one /connect
// request.
type ConnectRequest struct {
	// CustomerID and CustomerName are the application's customer, sent
	// to Finch with a new Connect Session (CustomerName: 1–255
	// characters). Required for a new connection. For a reauthentication
	// CustomerID must be the customer the stored connection names, if it
	// names one.
	CustomerID, CustomerName string
	// CustomerEmail is optional, for a new connection.
	CustomerEmail string
	// Products, if set, replace ConnectConfig.Products.
	Products []string
	// Reauthenticate, if set, is the id of a stored connection to
	// reauthenticate (its session must be in the Store): the session
	// created is a reauthentication (POST
	// /connect/sessions/reauthenticate) and the new token replaces the
	// stored one.
	Reauthenticate string
	// ReturnTo is a local path ("/settings") to send the browser to after
	// the callback; anything else is ignored.
	ReturnTo string
}

// SessionID is the ID under which the Connect handlers store the session
// of a connection: "finch:<connection id>", the ID a Finch code exchange
// gives its Session.
func SessionID(connectionID string) string { return Name + ":" + connectionID }

// ConnectHandlers returns the two handlers of Finch Connect's redirect
// flow with Connect Sessions:
//
//   - connect (GET or POST, e.g. /connect) asks cfg.Customer whom the
//     request is for, creates a Connect Session for that customer
//     (NewConnectSession, or ReauthenticateConnectSession for
//     ConnectRequest.Reauthenticate, whose stored session must exist and
//     belong to that customer), begins a browser-bound state (cfg.State
//     sets its login cookie) and redirects (303) to the connect_url Finch
//     returned, with the state added (ConnectSession.URLWithState);
//   - callback (GET, served at the redirect URI) is a
//     client.CallbackHandler: it checks the state against the browser's
//     login cookie (single use), exchanges the code with the redirect
//     URI, checks that the token is for the customer the session was
//     created for (or, for a reauthentication, for the connection
//     reauthenticated), and saves the session under SessionID(connection
//     id) by compare-and-set (Load, then CompareAndSave, retried on a
//     conflict at most 3 times): a reauthentication replaces the stored
//     session of its connection.
//
// Failures of both are *client.CallbackError values answered through
// cfg.OnError or a fixed plain-text page. The connect handler answers 405
// for another method, 403 when Customer refuses (ErrConnectRefused) or
// the connection to reauthenticate is another customer's
// (ErrCustomerMismatch), 404 for a reauthentication of a connection not
// stored (ErrUnknownConnection), 400 for bad ConnectRequest fields (a
// *ParamError), 502 or 503 when Finch fails or rate limits, 500
// otherwise; nothing is sent to Finch before Customer and these checks
// pass. The callback answers as client.CallbackHandler does (400 for a
// refused state, before anything is exchanged); a token for another
// customer or connection (ErrCustomerMismatch, ErrConnectionMismatch,
// with client.ErrNoSessionID) and a failed save are 500, and nothing is
// saved. A bad cfg is a *ParamError.
func (c *Client) ConnectHandlers(cfg ConnectConfig) (connect, callback http.Handler, err error) {
	switch {
	case cfg.State == nil:
		return nil, nil, paramErr("ConnectConfig.State", "required (client.NewBrowserState)")
	case cfg.Store == nil:
		return nil, nil, paramErr("ConnectConfig.Store", "required")
	case cfg.Customer == nil:
		return nil, nil, paramErr("ConnectConfig.Customer", "required")
	case cfg.Sandbox != "" && cfg.Sandbox != SandboxFinch && cfg.Sandbox != SandboxProvider:
		return nil, nil, paramErr("ConnectConfig.Sandbox", `must be "", "finch" or "provider"`)
	case cfg.Timeout < 0:
		return nil, nil, paramErr("ConnectConfig.Timeout", "must not be negative")
	}
	if cfg.RedirectURI == "" {
		cfg.RedirectURI = c.c.RedirectURL()
	}
	if cfg.RedirectURI == "" {
		return nil, nil, paramErr("ConnectConfig.RedirectURI", "required (or the client's Config.RedirectURL)")
	}
	if err := checkCommon(cfg.Products, cfg.RedirectURI, 0, 0); err != nil {
		return nil, nil, err
	}
	h := &connectHandlers{c: c, cfg: cfg}
	h.callback, err = client.NewCallbackHandler(client.CallbackConfig{
		Client:     c.c,
		State:      cfg.State,
		ID:         h.sessionID,
		Save:       h.save,
		SuccessURL: cfg.SuccessURL,
		OnSuccess:  cfg.OnSuccess,
		OnError:    cfg.OnError,
		Timeout:    cfg.Timeout,
		Logger:     cfg.Logger,
	})
	if err != nil {
		return nil, nil, err
	}
	return http.HandlerFunc(h.connect), h.callback, nil
}

type connectHandlers struct {
	c        *Client
	cfg      ConnectConfig
	callback *client.CallbackHandler
}

// The login's Extra says what the callback must find: the customer of a
// new connection, or the connection reauthenticated.
const (
	extraNew    = "new "
	extraReauth = "reauth "
)

func (h *connectHandlers) connect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		// A HEAD (a prefetcher) must not create Connect Sessions.
		w.Header().Set("Allow", "GET, POST")
		h.fail(w, r, http.StatusMethodNotAllowed, "method not allowed", nil)
		return
	}
	req, err := h.cfg.Customer(r)
	if err != nil {
		h.fail(w, r, http.StatusForbidden, "this request may not connect an employer", errors.Join(ErrConnectRefused, err))
		return
	}
	var (
		cs    *ConnectSession
		extra string
	)
	if req.Reauthenticate != "" {
		// A reauthentication keeps the connection's products unless the
		// request names new ones.
		if cs = h.reauthenticate(w, r, req); cs == nil {
			return // answered
		}
		extra = extraReauth + req.Reauthenticate
	} else {
		products := req.Products
		if len(products) == 0 {
			products = h.cfg.Products
		}
		cs, err = h.c.NewConnectSession(r.Context(), ConnectSessionParams{
			CustomerID: req.CustomerID, CustomerName: req.CustomerName, CustomerEmail: req.CustomerEmail,
			Products: products, RedirectURI: h.cfg.RedirectURI, Sandbox: h.cfg.Sandbox,
		})
		if err != nil {
			h.finchFailed(w, r, err)
			return
		}
		extra = extraNew + req.CustomerID
	}
	state, err := h.cfg.State.Begin(w, r, client.AuthState{RedirectURL: h.cfg.RedirectURI, ReturnTo: req.ReturnTo, Extra: extra})
	var target string
	if err == nil {
		target, err = cs.URLWithState(state)
	}
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "the connection could not be started", err)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// reauthenticate checks that the connection is stored and is the
// customer's, then creates its reauthentication session. It answers the
// request itself when it returns a nil session.
func (h *connectHandlers) reauthenticate(w http.ResponseWriter, r *http.Request, req ConnectRequest) *ConnectSession {
	id := req.Reauthenticate
	if strings.TrimSpace(id) == "" || tokenstore.CheckID(SessionID(id)) != nil {
		h.fail(w, r, http.StatusBadRequest, "invalid connection request", paramErr("connection_id", "malformed"))
		return nil
	}
	old, err := h.cfg.Store.Load(r.Context(), SessionID(id))
	switch {
	case errors.Is(err, tokenstore.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "no such connection", ErrUnknownConnection)
		return nil
	case err != nil:
		h.fail(w, r, http.StatusInternalServerError, "the connection could not be started", err)
		return nil
	}
	if owner := CustomerID(old); owner != "" && owner != req.CustomerID {
		h.fail(w, r, http.StatusForbidden, "this connection belongs to another customer", ErrCustomerMismatch)
		return nil
	}
	cs, err := h.c.ReauthenticateConnectSession(r.Context(), ReauthenticateParams{
		ConnectionID: id, Products: req.Products, RedirectURI: h.cfg.RedirectURI,
	})
	if err != nil {
		h.finchFailed(w, r, err)
		return nil
	}
	return cs
}

// finchFailed answers a Connect Session that could not be created.
func (h *connectHandlers) finchFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrInvalidParams):
		h.fail(w, r, http.StatusBadRequest, "invalid connection request", err)
	case errors.Is(err, client.ErrRateLimited):
		h.fail(w, r, http.StatusServiceUnavailable, "Finch is rate limiting; try again later", err)
	case errors.Is(err, client.ErrTransient), errors.Is(err, client.ErrBadResponse):
		h.fail(w, r, http.StatusBadGateway, "Finch could not be reached or answered badly", err)
	default: // ErrInvalidClient, a refused field: our configuration
		h.fail(w, r, http.StatusInternalServerError, "the connection could not be started", err)
	}
}

func (h *connectHandlers) fail(w http.ResponseWriter, r *http.Request, status int, reason string, err error) {
	h.callback.Fail(w, r, &client.CallbackError{StatusCode: status, Reason: reason, Err: err})
}

// sessionID names the exchanged session after its connection, once the
// token is shown to be the one the login began for.
func (h *connectHandlers) sessionID(ctx context.Context, s *client.Session) (string, error) {
	st, ok := client.CallbackAuthState(ctx)
	if !ok {
		return "", errors.New("finch: callback without its login")
	}
	conn := ConnectionOf(s)
	if conn.ConnectionID == "" {
		return "", errors.New("finch: the token answer names no connection")
	}
	if want, ok := strings.CutPrefix(st.Extra, extraReauth); ok {
		if conn.ConnectionID != want {
			return "", ErrConnectionMismatch
		}
	} else if want, ok := strings.CutPrefix(st.Extra, extraNew); ok {
		if conn.CustomerID != "" && conn.CustomerID != want {
			return "", ErrCustomerMismatch
		}
	} else {
		return "", errors.New("finch: callback of a login these handlers did not begin")
	}
	return SessionID(conn.ConnectionID), nil
}

// save stores s over whatever session of its connection is stored, by
// compare-and-set against the session just read.
func (h *connectHandlers) save(ctx context.Context, s *client.Session) error {
	var err error
	for range maxSaveTries {
		var old *client.Session
		old, err = h.cfg.Store.Load(ctx, s.ID)
		if errors.Is(err, tokenstore.ErrNotFound) {
			old, err = nil, nil
		}
		if err != nil {
			return err
		}
		if err = h.cfg.Store.CompareAndSave(ctx, old, s); !errors.Is(err, tokenstore.ErrConflict) {
			return err
		}
	}
	return err
}

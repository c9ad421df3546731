package client

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/oauthx/oauthx/internal/errtext"
)

// ErrLoginTimeout means a loopback login saw no usable redirect from the
// browser within LoopbackConfig.Timeout.
var ErrLoginTimeout = errors.New("oauthx: no redirect from the browser in time")

// DefaultLoopbackTimeout is how long LoopbackLogin waits for the browser
// when LoopbackConfig.Timeout is zero.
const DefaultLoopbackTimeout = 5 * time.Minute

// LoopbackConfig configures LoopbackLogin.
type LoopbackConfig struct {
	// Client exchanges the code and, unless AuthURL is set, builds the
	// authorize URL. Its Config.RedirectURL is overridden by the loopback
	// one (RFC 8252 §7.3: the provider must accept any port). Required.
	Client *Client
	// Port is the loopback port to listen on (0: one the system picks).
	Port int
	// Listener, if set, is used instead of listening on Port: a listener
	// on a loopback address, which LoopbackLogin closes when it returns.
	Listener net.Listener
	// AuthURL, if set, returns the provider's authorize URL for one login
	// (st.State, st.Verifier when PKCE is on, st.RedirectURL): for provider
	// packages that build their own (finch, passport). Default:
	// Client.AuthCodeURL with the state, the PKCE challenge and the
	// loopback redirect_uri.
	AuthURL func(st *AuthState) (string, error)
	// NoPKCE leaves the PKCE challenge out (for providers that refuse it).
	NoPKCE bool
	// SessionID, if set, names the session (Session.ID); otherwise it is
	// named as CallbackConfig describes (the verified user).
	SessionID string
	// Save, if set, stores the session before the browser is told the
	// login worked (e.g. tokenstore's Store.Save). A failure fails the
	// login.
	Save func(ctx context.Context, s *Session) error
	// VerifyIDToken is passed to the callback handler (see
	// CallbackConfig.VerifyIDToken).
	VerifyIDToken func(ctx context.Context, rawIDToken string) (subject string, err error)
	// OpenBrowser opens the login URL in the system browser when one can
	// be opened (macOS, Windows, or a Linux/BSD desktop with DISPLAY or
	// WAYLAND_DISPLAY set).
	OpenBrowser bool
	// Browser, if set, is called with the login URL instead of the system
	// opener (it implies OpenBrowser).
	Browser func(url string) error
	// Out, if set, receives a line with the URL to open (printed whatever
	// OpenBrowser does, so the user can copy it) and a note for each
	// callback ignored for its state.
	Out io.Writer
	// Timeout bounds the wait for the browser (0: DefaultLoopbackTimeout).
	Timeout time.Duration
}

// LoopbackLogin logs a user in from a terminal (RFC 8252 §7.3): it
// listens on 127.0.0.1, prints (and, if asked, opens) the URL of its own
// /login page, which binds a fresh state (and PKCE verifier) to the
// browser with a login cookie (BrowserState) and redirects to the
// provider; it takes the redirect back on /callback, exchanges the code,
// saves the session and answers a small success page, or a failure page
// naming the provider's error and error_description. Requests it does not
// expect (/favicon.ico, a callback with a state this browser did not
// begin) are answered and ignored. It returns the session, or the
// callback's *CallbackError, ErrLoginTimeout, or ctx's error.
//
// A bad cfg is an error matching ErrInvalidRequest.
func LoopbackLogin(ctx context.Context, cfg LoopbackConfig) (*Session, error) {
	bad := func(msg string) (*Session, error) {
		return nil, &Error{Kind: ErrInvalidRequest, Description: "LoopbackConfig: " + msg}
	}
	switch {
	case cfg.Client == nil:
		return bad("Client is required")
	case cfg.Port < 0 || cfg.Port > 65535:
		return bad("Port is out of range")
	case cfg.Timeout < 0:
		return bad("Timeout is negative")
	case cfg.Listener != nil && cfg.Port != 0:
		return bad("set Port or Listener, not both")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultLoopbackTimeout
	}
	ln := cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port))); err != nil {
			return nil, errtext.Errorf("oauthx: loopback login: %w", err)
		}
	}
	defer ln.Close()
	if ap, ok := ln.Addr().(*net.TCPAddr); !ok || !ap.IP.IsLoopback() {
		return bad("Listener is not on a loopback address")
	}
	base := "http://" + ln.Addr().String()
	redirect := base + "/callback"
	authURL := cfg.AuthURL
	if authURL == nil {
		authURL = func(st *AuthState) (string, error) {
			return cfg.Client.AuthCodeURL(st.State, WithPKCE(st.Verifier), WithAuthParam("redirect_uri", st.RedirectURL))
		}
	}
	// The configuration is checked now, not when the browser arrives.
	if _, err := authURL(&AuthState{State: GenerateVerifier(), Verifier: GenerateVerifier(), RedirectURL: redirect}); err != nil {
		return nil, err
	}

	key := make([]byte, MinStateKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	state, err := NewBrowserState(BrowserStateConfig{Key: key, Lifetime: cfg.Timeout})
	if err != nil {
		return nil, err
	}
	type result struct {
		s   *Session
		err error
	}
	done := make(chan result, 1)
	finish := func(r result) {
		select {
		case done <- r:
		default:
		}
	}
	cc := CallbackConfig{
		Client: cfg.Client, State: state, VerifyIDToken: cfg.VerifyIDToken,
		Save: func(ctx context.Context, s *Session) error {
			if cfg.Save == nil {
				return nil
			}
			return cfg.Save(ctx, s)
		},
		OnSuccess: func(w http.ResponseWriter, _ *http.Request, s *Session) {
			loginPage(w, http.StatusOK, true, "Logged in", "You are signed in. You can close this window and go back to the terminal.", "")
			finish(result{s: s})
		},
		OnError: func(w http.ResponseWriter, _ *http.Request, cerr *CallbackError) {
			detail := ""
			if cerr.ProviderError != "" {
				detail = cerr.ProviderError
				if cerr.ProviderDescription != "" {
					detail += ": " + cerr.ProviderDescription
				}
			}
			loginPage(w, cerr.StatusCode, false, "Login failed", cerr.Reason, detail)
			if errors.Is(cerr, ErrInvalidState) {
				// Not the browser this login sent: keep waiting.
				if cfg.Out != nil {
					fmt.Fprintln(cfg.Out, "ignored a callback with an unknown state")
				}
				return
			}
			finish(result{err: cerr})
		},
	}
	if cfg.SessionID != "" {
		id := cfg.SessionID
		cc.ID = func(context.Context, *Session) (string, error) { return id, nil }
	}
	h, err := NewCallbackHandler(cc)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /callback", h)
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		st := AuthState{RedirectURL: redirect}
		if !cfg.NoPKCE {
			st.Verifier = GenerateVerifier()
		}
		s, err := state.Begin(w, r, st)
		var u string
		if err == nil {
			st.State = s
			u, err = authURL(&st)
		}
		if err != nil {
			loginPage(w, http.StatusInternalServerError, false, "Login failed", "the login could not be started", "")
			finish(result{err: err})
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	login := base + "/login"
	if cfg.Out != nil {
		fmt.Fprintf(cfg.Out, "Open this URL in your browser to log in:\n\n  %s\n\n", login)
	}
	if cfg.Browser != nil || cfg.OpenBrowser {
		open := cfg.Browser
		if open == nil {
			open = OpenBrowser
		}
		if err := open(login); err != nil && cfg.Out != nil {
			fmt.Fprintf(cfg.Out, "(could not open a browser: %v)\n", err)
		}
	}

	timer := time.NewTimer(cfg.Timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.s, r.err
	case <-timer.C:
		return nil, ErrLoginTimeout
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"runtime"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/tokenstore"
)

// cmdLogin runs an authorization code flow through the user's browser with
// a loopback redirect (RFC 8252 §7.3): a server on 127.0.0.1 and a random
// port serves /login, which binds a single-use state to the browser with a
// cookie and redirects to the provider, and takes the redirect back: it
// checks the state against the cookie, exchanges the code (with the PKCE
// verifier for generic and Passport) and saves the session — all of it
// through client.LoopbackLogin. For Finch the provider's page is the
// connect_url of a Connect Session created for --customer-id and
// --customer-name before the browser is sent there.
func cmdLogin(c *cli, args []string) error {
	fs := c.flagSet("login", "<generic|finch|passport> [flags]", clientCmd)
	name := fs.String("name", "", "session name (default: the provider)")
	scopes := fs.String("scopes", "", "scopes to ask for, comma-separated (passport default: openid,email,profile)")
	authURL := fs.String("auth-url", "", "authorize page, if not the provider's default (generic)")
	products := fs.String("products", "company,directory", "finch: products to ask for, comma-separated")
	sandbox := fs.String("sandbox", "", `finch: Connect sandbox ("finch" or "provider")`)
	customerID := fs.String("customer-id", "", "finch: your id of the employer connecting (required)")
	customerName := fs.String("customer-name", "", "finch: the employer's name, 1-255 characters (required)")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the browser (0: the default)")
	open := fs.Bool("open", os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" || runtime.GOOS == "darwin" || runtime.GOOS == "windows", "open the login page in the system browser (default: when a desktop session is present)")
	device := fs.Bool("device", false, "generic: the device authorization grant (RFC 8628) instead of a browser redirect: prints a code to enter on any device")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: oauthx login <generic|finch|passport> [flags]")
	}
	prov := pos[0]
	flow, err := loginFlowFor(prov)
	if err != nil {
		return err
	}
	switch {
	case *timeout < 0:
		return usagef("--timeout must not be negative")
	case *timeout == 0:
		*timeout = 5 * time.Minute // zero means the default, as everywhere
	}
	secret, err := c.needSecret("login")
	if err != nil {
		return err
	}
	sc := splitList(*scopes)
	if len(sc) == 0 {
		sc = flow.scopes
	}
	if *name == "" {
		*name = prov
	}
	if err := tokenstore.CheckID(*name); err != nil {
		return usagef("--name: %v", err)
	}

	meta, err := c.genericMeta(sessionMeta{Provider: prov, BaseURL: c.baseURL, ClientID: c.clientIDOr("")})
	if err != nil {
		return err
	}
	if *device {
		return c.loginDevice(meta, secret, sc, *name, *timeout)
	}

	// RFC 8252 §7.3: loopback IP literal, port chosen by the OS. The
	// listener comes first: the clients need the redirect URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("starting the loopback redirect server: %w", err)
	}
	defer ln.Close()
	redirect := "http://" + ln.Addr().String() + "/callback"

	cl, err := newClients(target{
		meta:   meta,
		secret: secret, redirectURL: redirect, scopes: sc, authURL: *authURL,
	})
	if err != nil {
		return err
	}
	st, closeStore, err := c.openStore()
	if err != nil {
		return err
	}
	defer closeStore()

	ctx, cancel := context.WithTimeout(c.ctx, *timeout)
	defer cancel()
	var verify func(context.Context, *client.Session) error
	if flow.verifier != nil {
		if verify, err = flow.verifier(ctx, cl); err != nil {
			return err
		}
	}
	lp := loginParams{redirect: redirect, scopes: sc, products: splitList(*products), sandbox: *sandbox,
		customerID: *customerID, customerName: *customerName, authURL: *authURL, timeout: *timeout}
	// The flags are checked now (LoopbackLogin tries the authorize URL
	// once), not when the browser arrives.
	authorize, err := flow.start(ctx, cl, lp)
	if err != nil {
		return err
	}

	fmt.Fprintf(c.stderr, "Logging in to %s; waiting for the redirect to %s …\n", prov, redirect)
	s, err := client.LoopbackLogin(ctx, client.LoopbackConfig{
		Client: cl.tokens, Listener: ln, AuthURL: authorize, NoPKCE: !flow.pkce,
		// One user, one session: the name the user gave (--name).
		SessionID: *name,
		Save: func(ctx context.Context, s *client.Session) error {
			if verify != nil {
				if err := verify(ctx, s); err != nil {
					return err
				}
			}
			stamp(s, *name, cl.meta)
			return st.Save(ctx, s)
		},
		OpenBrowser: *open, Out: c.stderr, Timeout: *timeout,
	})
	switch {
	case err == nil:
		return c.saved("logged in; saved", s, cl.tokens.Now())
	case c.ctx.Err() != nil:
		return errors.New("login interrupted")
	case errors.Is(err, client.ErrLoginTimeout), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no redirect from the browser within %s", *timeout)
	}
	return err
}

// loginFlow is what login does differently for one provider.
type loginFlow struct {
	// scopes are asked for when --scopes is empty.
	scopes []string
	// pkce adds a PKCE challenge to the authorize URL.
	pkce bool
	// verifier, if set, returns the check a new session must pass before
	// it is saved.
	verifier func(ctx context.Context, cl *clients) (func(context.Context, *client.Session) error, error)
	// start prepares one login (Finch: creates its Connect Session) and
	// returns the function that gives the provider's page for a state. A
	// bad flag is a usage error.
	start func(ctx context.Context, cl *clients, p loginParams) (func(as *client.AuthState) (string, error), error)
}

// loginParams are the flags and the redirect of one login.
type loginParams struct {
	redirect                 string
	scopes, products         []string
	sandbox                  string
	customerID, customerName string
	authURL                  string
	timeout                  time.Duration
}

// checked is start for providers whose authorize URL is built locally:
// it builds one now, so a bad flag fails before the browser is sent.
func checked(authorize func(cl *clients, as *client.AuthState, p loginParams) (string, error)) func(context.Context, *clients, loginParams) (func(*client.AuthState) (string, error), error) {
	return func(_ context.Context, cl *clients, p loginParams) (func(*client.AuthState) (string, error), error) {
		f := func(as *client.AuthState) (string, error) { return authorize(cl, as, p) }
		if _, err := f(&client.AuthState{State: client.GenerateVerifier(), Verifier: client.GenerateVerifier()}); err != nil {
			return nil, usagef("%v", err)
		}
		return f, nil
	}
}

// finchConnect creates the login's Connect Session (redirect_uri the
// loopback callback, expiring with --timeout) and sends the browser to
// the connect_url Finch returned, with the login's state added.
func finchConnect(ctx context.Context, cl *clients, p loginParams) (func(*client.AuthState) (string, error), error) {
	switch {
	case p.customerID == "" || p.customerName == "":
		return nil, usagef("login finch needs --customer-id and --customer-name: the employer the Connect Session is for")
	case p.authURL != "":
		return nil, usagef("login finch takes no --auth-url: the Connect page comes from the Connect Session")
	}
	minutes := int(math.Ceil(p.timeout.Minutes()))
	cs, err := cl.finch.NewConnectSession(ctx, finch.ConnectSessionParams{
		CustomerID: p.customerID, CustomerName: p.customerName, Products: p.products,
		RedirectURI: p.redirect, Sandbox: p.sandbox, MinutesToExpire: min(max(minutes, 1), finch.MaxSessionMinutes),
	})
	if errors.Is(err, finch.ErrInvalidParams) {
		return nil, usagef("%v", err)
	}
	if err != nil {
		return nil, fmt.Errorf("creating the Finch Connect Session: %w", err)
	}
	return func(as *client.AuthState) (string, error) { return cs.URLWithState(as.State) }, nil
}

// loginFlowFor is the table of the providers login takes.
func loginFlowFor(prov string) (loginFlow, error) {
	switch prov {
	case provGeneric:
		return loginFlow{pkce: true, start: checked(func(cl *clients, as *client.AuthState, _ loginParams) (string, error) {
			return cl.tokens.AuthCodeURL(as.State, client.WithPKCE(as.Verifier))
		})}, nil
	case provFinch: // Finch Connect takes no PKCE
		return loginFlow{start: finchConnect}, nil
	case provPassport:
		return loginFlow{
			scopes: []string{passport.ScopeOpenID, passport.ScopeEmail, passport.ScopeProfile},
			pkce:   true,
			verifier: func(ctx context.Context, cl *clients) (func(context.Context, *client.Session) error, error) {
				v, err := cl.passport.NewVerifier(ctx)
				if err != nil {
					return nil, fmt.Errorf("passport discovery: %w", err)
				}
				return func(ctx context.Context, s *client.Session) error { _, err := v.VerifySession(ctx, s); return err }, nil
			},
			start: checked(func(cl *clients, as *client.AuthState, p loginParams) (string, error) {
				return cl.passport.AuthCodeURL(passport.AuthParams{State: as.State, Verifier: as.Verifier, Scopes: p.scopes})
			}),
		}, nil
	case provShopify:
		return loginFlow{}, usagef("login does not do Shopify: embedded apps get tokens with shopify-exchange")
	}
	return loginFlow{}, usagef("unknown provider %q (login takes generic, finch or passport)", prov)
}

// Command passport-login signs users in with Rollup ID's Passport: the
// authorize redirect (state and PKCE), the /callback code exchange, id_token
// verification through OpenID Connect discovery and JWKS, userinfo, and a
// refresh that keeps the refresh token and id_token.
//
//	go run ./examples/passport-login -fake   # offline, against providertest.Passport
//	go run ./examples/passport-login         # real Passport: PASSPORT_CLIENT_ID, PASSPORT_CLIENT_SECRET
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/providertest"
)

type config struct {
	addr, publicURL        string
	fake                   bool
	clientID, clientSecret string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:8081", "listen address")
	flag.StringVar(&cfg.publicURL, "url", "", "public base URL of this server (default http://ADDR)")
	flag.BoolVar(&cfg.fake, "fake", false, "run against an in-process fake Passport (no credentials needed)")
	flag.Parse()
	cfg.clientID, cfg.clientSecret = os.Getenv("PASSPORT_CLIENT_ID"), os.Getenv("PASSPORT_CLIENT_SECRET")

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("passport-login", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, log *slog.Logger) error {
	if cfg.publicURL == "" {
		cfg.publicURL = "http://" + cfg.addr
	}
	a, cleanup, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer cleanup()
	srv := &http.Server{Addr: cfg.addr, Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	log.Info("listening", "url", cfg.publicURL, "fake", cfg.fake)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// app keeps signed-in users in memory: a random cookie value names a
// login, which names a session.
type app struct {
	c        *passport.Client
	verifier *passport.Verifier
	callback *client.CallbackHandler
	log      *slog.Logger

	mu       sync.Mutex
	sessions map[string]*client.Session // by Session.ID
	logins   map[string]string          // cookie value → Session.ID
}

const cookieName = "passport_login"

func newApp(ctx context.Context, cfg config, log *slog.Logger) (*app, func(), error) {
	cleanup := func() {}
	var baseURL string // empty: Passport itself
	if cfg.fake {
		fake := providertest.NewPassport()
		cleanup = fake.Close
		cfg.clientID, cfg.clientSecret = fake.ClientID, fake.ClientSecret
		baseURL = fake.URL
	}
	fail := func(err error) (*app, func(), error) { cleanup(); return nil, nil, err }
	if cfg.clientID == "" || cfg.clientSecret == "" {
		return fail(errors.New("set PASSPORT_CLIENT_ID and PASSPORT_CLIENT_SECRET, or use -fake"))
	}
	a := &app{log: log,
		sessions: map[string]*client.Session{}, logins: map[string]string{}}
	var err error
	a.c, err = passport.New(passport.Config{
		BaseURL:      baseURL,
		ClientID:     cfg.clientID,
		ClientSecret: cfg.clientSecret,
		RedirectURL:  strings.TrimRight(cfg.publicURL, "/") + "/callback",
		Scopes:       []string{passport.ScopeOpenID, passport.ScopeEmail, passport.ScopeProfile},
	})
	if err != nil {
		return fail(err)
	}
	// Discovery once at start; keys are fetched (and cached) on first use.
	if a.verifier, err = a.c.NewVerifier(ctx); err != nil {
		return fail(err)
	}
	// The login state is signed with a key: nothing is kept per login. A
	// random key per process means a restart drops the logins in flight;
	// replicas need one shared secret key instead.
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	state, err := client.NewBrowserState(client.BrowserStateConfig{Key: key})
	if err != nil {
		return fail(err)
	}
	a.callback, err = client.NewCallbackHandler(client.CallbackConfig{
		Client:    a.c.TokenClient(),
		State:     state,
		Save:      a.save,
		OnSuccess: a.signedIn,
		Logger:    log,
	})
	if err != nil {
		return fail(err)
	}
	return a, cleanup, nil
}

// save verifies the id_token before keeping the session: a session whose
// id_token does not verify is not a sign-in.
func (a *app) save(ctx context.Context, s *client.Session) error {
	if _, err := a.verifier.VerifySession(ctx, s); err != nil {
		return err
	}
	a.mu.Lock()
	a.sessions[s.ID] = s
	a.mu.Unlock()
	return nil
}

// signedIn sets the login cookie and goes home.
func (a *app) signedIn(w http.ResponseWriter, r *http.Request, s *client.Session) {
	login := client.GenerateVerifier() // 32 random bytes, base64url
	a.mu.Lock()
	a.logins[login] = s.ID
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: login, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /login", a.login)
	mux.Handle("GET /callback", a.callback)
	mux.HandleFunc("POST /refresh", a.refresh)
	mux.HandleFunc("POST /logout", a.logout)
	return mux
}

// login starts the authorize redirect with a single-use state and PKCE,
// bound to this browser by the login cookie Begin sets.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	st, err := a.callback.Begin(w, r, "/", true)
	if err != nil {
		http.Error(w, "could not start the sign-in", http.StatusInternalServerError)
		return
	}
	u, err := a.c.AuthCodeURL(passport.AuthParams{State: st.State, Verifier: st.Verifier})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

func (a *app) current(r *http.Request) (string, *client.Session) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return "", nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	id, ok := a.logins[ck.Value]
	if !ok {
		return "", nil
	}
	return ck.Value, a.sessions[id]
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<title>Passport login</title>
{{if .}}<h1>Signed in</h1>
<dl>
<dt>subject</dt><dd>{{.Subject}}</dd>
<dt>email (verified id_token)</dt><dd>{{.Email}}</dd>
<dt>name (userinfo)</dt><dd>{{.Name}}</dd>
<dt>access token expires</dt><dd>{{.Expiry}}</dd>
</dl>
<form method="post" action="/refresh"><button>refresh</button></form>
<form method="post" action="/logout"><button>log out</button></form>
{{else}}<h1>Passport login</h1><p><a href="/login">Sign in with Passport</a></p>{{end}}`))

type view struct {
	Subject, Email, Name, Expiry string
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, s := a.current(r)
	if s == nil {
		_ = homePage.Execute(w, nil)
		return
	}
	idt, err := a.verifier.VerifySession(r.Context(), s)
	if err != nil {
		// The id_token has expired (they live an hour): sign in again.
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	v := view{Subject: idt.Subject, Email: idt.Email, Expiry: s.Expiry.UTC().Format(time.RFC3339)}
	if u, err := a.verifier.Userinfo(r.Context(), s); err == nil {
		v.Name = u.Name
	} else {
		a.log.Warn("userinfo", "error", err) // never carries the token
	}
	_ = homePage.Execute(w, v)
}

// refresh gets a new access token; Passport keeps the refresh token and
// the id_token, and so does the new session.
func (a *app) refresh(w http.ResponseWriter, r *http.Request) {
	_, s := a.current(r)
	if s == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s2, err := a.c.Refresh(r.Context(), s)
	if errors.Is(err, client.ErrReauthorize) {
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	if err != nil {
		a.log.Warn("refresh", "error", err)
		http.Error(w, "refresh failed", http.StatusBadGateway)
		return
	}
	a.mu.Lock()
	a.sessions[s2.ID] = s2
	a.mu.Unlock()
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	if login, _ := a.current(r); login != "" {
		a.mu.Lock()
		delete(a.logins, login)
		a.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Path: "/", MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

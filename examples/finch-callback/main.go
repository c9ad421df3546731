// Command finch-callback is a Finch Connect backend: it sends the user to
// Finch Connect, takes the /callback?code=…&state=… redirect, exchanges
// the code, and stores the connection's token (in memory, Redis,
// PostgreSQL: any store tokenstore/storeurl opens).
// It can then introspect and disconnect each connection.
//
//	go run ./examples/finch-callback -fake                  # offline, against providertest.Finch
//	go run ./examples/finch-callback -store redis://127.0.0.1:6379/0  # real Finch: FINCH_CLIENT_ID, FINCH_CLIENT_SECRET
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storeurl"
)

type config struct {
	addr, publicURL, store, products, sandbox string
	fake                                      bool
	clientID, clientSecret                    string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "listen address")
	flag.StringVar(&cfg.publicURL, "url", "", "public base URL of this server (default http://ADDR)")
	flag.StringVar(&cfg.store, "store", "memory", "where tokens live: memory, redis://…, postgres://… (any form of tokenstore/storeurl)")
	flag.StringVar(&cfg.products, "products", "company,directory", "comma-separated Finch products to request")
	flag.StringVar(&cfg.sandbox, "sandbox", "finch", `Finch sandbox: "finch", "provider" or "" for production`)
	flag.BoolVar(&cfg.fake, "fake", false, "run against an in-process fake Finch (no credentials needed)")
	flag.Parse()
	cfg.clientID, cfg.clientSecret = os.Getenv("FINCH_CLIENT_ID"), os.Getenv("FINCH_CLIENT_SECRET")

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("finch-callback", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config, log *slog.Logger) error {
	if cfg.publicURL == "" {
		cfg.publicURL = "http://" + cfg.addr
	}
	// Tokens live in a tokenstore.Store: Redis (tokenstore/redisstore) as
	// in Finch's own guide, or memory to try the example.
	st, err := storeurl.Open(ctx, cfg.store, storeurl.WithRedisPrefix(redisPrefix), storeurl.WithTable(sqlTable))
	if err != nil {
		return fmt.Errorf("-store: %w", err)
	}
	defer st.(io.Closer).Close()
	a, cleanup, err := newApp(cfg, st, log)
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

// Where the example's keys live in Redis, and its rows in PostgreSQL.
const (
	redisPrefix = "oauthx-example:finch:"
	sqlTable    = "oauthx_example_finch_sessions"
)

type app struct {
	c        *finch.Client
	store    tokenstore.Store
	callback *client.CallbackHandler
	redirect string
	products []string
	sandbox  string
	log      *slog.Logger
}

// newApp wires the client, the login state and the callback handler.
// With cfg.fake it starts a providertest.Finch and points everything at it.
func newApp(cfg config, st tokenstore.Store, log *slog.Logger) (*app, func(), error) {
	cleanup := func() {}
	var fc finch.Config
	if cfg.fake {
		fake := providertest.NewFinch()
		cleanup = fake.Close
		cfg.clientID, cfg.clientSecret = fake.ClientID, fake.ClientSecret
		fc.BaseURL, fc.ConnectURL = fake.URL, fake.ConnectURL
	}
	if cfg.clientID == "" || cfg.clientSecret == "" {
		cleanup()
		return nil, nil, errors.New("set FINCH_CLIENT_ID and FINCH_CLIENT_SECRET, or use -fake")
	}
	a := &app{
		store:    st,
		redirect: strings.TrimRight(cfg.publicURL, "/") + "/callback",
		products: strings.Split(cfg.products, ","),
		sandbox:  cfg.sandbox,
		log:      log,
	}
	var err error
	fc.ClientID, fc.ClientSecret, fc.RedirectURL = cfg.clientID, cfg.clientSecret, a.redirect
	a.c, err = finch.New(fc)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	// The login state is signed with a key: nothing is kept per login. A
	// random key per process means a restart drops the logins in flight;
	// replicas need one shared secret key instead.
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	state, err := client.NewBrowserState(client.BrowserStateConfig{Key: key})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	a.callback, err = client.NewCallbackHandler(client.CallbackConfig{
		Client: a.c.TokenClient(),
		State:  state,
		// The Session is stored before the user is redirected: a Finch
		// code is single-use, so a token not saved now is lost.
		Save:       st.Save,
		SuccessURL: "/",
		Logger:     log,
	})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return a, cleanup, nil
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /connect", a.connect)
	mux.Handle("GET /callback", a.callback)
	mux.HandleFunc("GET /introspect", a.introspect)
	mux.HandleFunc("POST /disconnect", a.disconnect)
	return mux
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<title>Finch connections</title>
<h1>Finch connections</h1>
<p><a href="/connect">Connect a payroll provider</a></p>
<ul>{{range .}}
<li>{{.ID}} — {{.ProviderID}} — products {{.Products}}
  <a href="/introspect?id={{.ID}}">introspect</a>
  <form method="post" action="/disconnect?id={{.ID}}" style="display:inline"><button>disconnect</button></form>
</li>{{else}}<li>none yet</li>{{end}}
</ul>`))

type row struct {
	ID, ProviderID string
	Products       []string
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	sessions, err := a.store.List(r.Context(), tokenstore.Filter{Provider: finch.Name})
	if err != nil {
		http.Error(w, "store unavailable", http.StatusInternalServerError)
		return
	}
	rows := make([]row, 0, len(sessions))
	for _, s := range sessions {
		conn := finch.ConnectionOf(s)
		rows = append(rows, row{ID: s.ID, ProviderID: conn.ProviderID, Products: conn.Products})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = homePage.Execute(w, rows)
}

// connect starts Finch Connect with a fresh single-use state, bound to
// this browser by the login cookie Begin sets (Finch Connect takes no
// PKCE).
func (a *app) connect(w http.ResponseWriter, r *http.Request) {
	st, err := a.callback.Begin(w, r, "/", false)
	if err != nil {
		http.Error(w, "could not start connecting", http.StatusInternalServerError)
		return
	}
	//lint:ignore SA1019 this example still builds the static Connect URL until it moves to Connect Sessions (issue #15, not done yet)
	u, err := a.c.ConnectURL(finch.ConnectParams{
		RedirectURL: a.redirect, Products: a.products, State: st.State, Sandbox: a.sandbox,
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

func (a *app) session(w http.ResponseWriter, r *http.Request) (*client.Session, bool) {
	s, err := a.store.Load(r.Context(), r.URL.Query().Get("id"))
	if err != nil {
		http.Error(w, "no such connection", http.StatusNotFound)
		return nil, false
	}
	return s, true
}

func (a *app) introspect(w http.ResponseWriter, r *http.Request) {
	s, ok := a.session(w, r)
	if !ok {
		return
	}
	info, err := a.c.Introspect(r.Context(), s)
	if err != nil {
		a.log.Warn("introspect", "id", s.ID, "error", err) // errors never carry the token
		http.Error(w, "introspection failed", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "connection %s: status %s, provider %s, products %v\n",
		info.ConnectionID, info.ConnectionStatus.Status, info.ProviderID, info.Products)
}

// disconnect revokes the token at Finch (which Finch requires apps to
// offer), then forgets it.
func (a *app) disconnect(w http.ResponseWriter, r *http.Request) {
	s, ok := a.session(w, r)
	if !ok {
		return
	}
	if err := a.c.Disconnect(r.Context(), s); err != nil && !errors.Is(err, client.ErrReauthorize) {
		a.log.Warn("disconnect", "id", s.ID, "error", err)
		http.Error(w, "disconnect failed", http.StatusBadGateway)
		return
	}
	if err := a.store.Delete(r.Context(), s.ID); err != nil {
		http.Error(w, "store unavailable", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

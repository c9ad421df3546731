// Command finch-callback is a Finch Connect backend on Connect Sessions:
// /connect creates a Connect Session for the customer and sends the user
// to Finch Connect, /callback takes the ?code=…&state=… redirect,
// exchanges the code and stores the connection's token (in memory, Redis,
// PostgreSQL: any store tokenstore/storeurl opens) under its connection
// id — both from finch.Client.ConnectHandlers. It can then reauthenticate,
// introspect and disconnect each connection.
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
	customerID, customerName                  string
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
	flag.StringVar(&cfg.customerID, "customer-id", "example-customer", "the customer (employer) id Connect Sessions are created for")
	flag.StringVar(&cfg.customerName, "customer-name", "Example Employer", "the customer's name")
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
	c                 *finch.Client
	store             tokenstore.Store
	connect, callback http.Handler
	log               *slog.Logger
}

// newApp wires the client, the login state and the Connect handlers.
// With cfg.fake it starts a providertest.Finch and points everything at it.
func newApp(cfg config, st tokenstore.Store, log *slog.Logger) (*app, func(), error) {
	cleanup := func() {}
	var fc finch.Config
	if cfg.fake {
		fake := providertest.NewFinch()
		cleanup = fake.Close
		cfg.clientID, cfg.clientSecret = fake.ClientID, fake.ClientSecret
		fc.BaseURL = fake.URL
	}
	if cfg.clientID == "" || cfg.clientSecret == "" {
		cleanup()
		return nil, nil, errors.New("set FINCH_CLIENT_ID and FINCH_CLIENT_SECRET, or use -fake")
	}
	a := &app{store: st, log: log}
	var err error
	fc.ClientID, fc.ClientSecret = cfg.clientID, cfg.clientSecret
	fc.RedirectURL = strings.TrimRight(cfg.publicURL, "/") + "/callback"
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
	a.connect, a.callback, err = a.c.ConnectHandlers(finch.ConnectConfig{
		State: state,
		// The session is stored (under "finch:<connection id>", by
		// compare-and-set) before the user is redirected: a Finch code is
		// single-use, so a token not saved now is lost.
		Store:    st,
		Products: strings.Split(cfg.products, ","),
		Sandbox:  cfg.sandbox,
		// A real app names its signed-in user's employer here (never from
		// the query); this one has a single customer. ?reauth= asks to
		// reauthenticate one of that customer's connections.
		Customer: func(r *http.Request) (finch.ConnectRequest, error) {
			return finch.ConnectRequest{CustomerID: cfg.customerID, CustomerName: cfg.customerName,
				Reauthenticate: r.URL.Query().Get("reauth")}, nil
		},
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
	mux.Handle("GET /connect", a.connect)
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
  <a href="/connect?reauth={{.ConnectionID}}">reauthenticate</a>
  <form method="post" action="/disconnect?id={{.ID}}" style="display:inline"><button>disconnect</button></form>
</li>{{else}}<li>none yet</li>{{end}}
</ul>`))

type row struct {
	ID, ConnectionID, ProviderID string
	Products                     []string
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
		rows = append(rows, row{ID: s.ID, ConnectionID: conn.ConnectionID, ProviderID: conn.ProviderID, Products: conn.Products})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = homePage.Execute(w, rows)
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

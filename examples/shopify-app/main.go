// Command shopify-app is the backend of a Shopify embedded app: every
// /api/ request carries an App Bridge session token, the shopify
// middleware verifies it, finds or exchanges the shop's offline access
// token, and the handler calls the Admin API with it.
//
//	go run ./examples/shopify-app -fake          # against a local fake Shopify
//	go run ./examples/shopify-app -fake -once    # one request through the app, then exit
//	SHOPIFY_API_KEY=… SHOPIFY_API_SECRET=… go run ./examples/shopify-app
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("shopify-app", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	useFake := fs.Bool("fake", false, "run against a local fake Shopify (providertest)")
	once := fs.Bool("once", false, "with -fake: send one request through the app, print the answer, exit")
	expiring := fs.Bool("expiring", true, "use expiring offline tokens (refreshed as needed)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	cfg := shopify.Config{APIKey: os.Getenv("SHOPIFY_API_KEY"), APISecret: os.Getenv("SHOPIFY_API_SECRET")}
	var fake *providertest.Shopify
	if *useFake {
		fake = providertest.NewShopify()
		defer fake.Close()
		cfg.APIKey, cfg.APISecret = fake.APIKey, fake.APISecret
		cfg.InsecureShopBaseURL = fake.URL // tests only: shop URLs go to the fake
	}
	if cfg.APIKey == "" || cfg.APISecret == "" {
		return errors.New("set SHOPIFY_API_KEY and SHOPIFY_API_SECRET, or use -fake")
	}
	sc, err := shopify.New(cfg, client.WithLogger(slog.Default()))
	if err != nil {
		return err
	}
	mw, err := sc.Middleware(shopify.MiddlewareConfig{
		Storage:  newMemory(), // swap for a tokenstore store in production
		Expiring: *expiring,
		Logger:   slog.Default(),
	})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("GET /api/shop", mw(shopHandler(sc)))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	if fake != nil {
		const shop = "demo-shop.myshopify.com"
		token := fake.SessionToken(shop, 1)
		if *once {
			return demoRequest(ctx, base, token, out)
		}
		fmt.Fprintf(out, "listening on %s (fake Shopify at %s)\ntry: curl -H 'Authorization: Bearer %s' %s/api/shop\n",
			base, fake.URL, token, base)
	} else {
		fmt.Fprintf(out, "listening on %s\n", base)
	}
	<-ctx.Done()
	return nil
}

// shopHandler calls the Admin API for the request's shop with the session
// the middleware put in the context.
func shopHandler(sc *shopify.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := shopify.SessionFromContext(r.Context())
		hc, err := sc.AdminClient(s, nil)
		if err != nil {
			http.Error(w, "no admin client", http.StatusInternalServerError)
			return
		}
		u, err := sc.AdminURL(s.Subject, "api/2025-01/shop.json")
		if err != nil {
			http.Error(w, "bad shop", http.StatusInternalServerError)
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, u, nil)
		resp, err := hc.Do(req)
		if err != nil {
			http.Error(w, "Admin API unreachable", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, io.LimitReader(resp.Body, 1<<20))
	})
}

// demoRequest plays App Bridge: one fetch with a session token.
func demoRequest(ctx context.Context, base, token string, out io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/shop", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(out, "GET /api/shop -> %d %s", resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("demo request failed: %d", resp.StatusCode)
	}
	return nil
}

// memory is an in-memory shopify.Storage. A real app uses a tokenstore
// store so sessions survive restarts and are shared by replicas.
type memory struct {
	mu sync.Mutex
	m  map[string]*client.Session
}

func newMemory() *memory { return &memory{m: map[string]*client.Session{}} }

func (m *memory) Load(_ context.Context, id string) (*client.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[id].Clone(), nil // (nil, nil): not found
}

func (m *memory) Save(_ context.Context, s *client.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[s.ID] = s.Clone()
	return nil
}

// Command shopify-app is the backend of a Shopify embedded app: every
// /api/ request carries an App Bridge session token, the shopify
// middleware verifies it, finds or exchanges the shop's offline access
// token, and the handler calls the Admin API with it.
//
//	go run ./examples/shopify-app -fake          # against a local fake Shopify
//	go run ./examples/shopify-app -fake -once    # one request through the app, then exit
//	go run ./examples/shopify-app -fake -store redis://127.0.0.1:6379/0
//	go run ./examples/shopify-app -fake -store 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//	SHOPIFY_API_KEY=… SHOPIFY_API_SECRET=… go run ./examples/shopify-app -store redis://…
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
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storeurl"
)

// Where this example keeps its keys (Redis) and rows (PostgreSQL).
const (
	redisPrefix = "oauthx-example:shopify-app:"
	sqlTable    = "oauthx_example_shopify_sessions"
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
	storeURL := fs.String("store", "memory", "where offline sessions live: memory, redis://…, postgres://… (any form of tokenstore/storeurl)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Any form tokenstore/storeurl takes: memory, redis://…, postgres://…
	st, err := storeurl.Open(ctx, *storeURL, storeurl.WithRedisPrefix(redisPrefix), storeurl.WithTable(sqlTable))
	if err != nil {
		return fmt.Errorf("-store: %w", err)
	}
	defer st.(io.Closer).Close()

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
	// Any tokenstore.Store is a shopify.Storage as it is. Redis and
	// PostgreSQL stores are shared by every replica of the app; the
	// Refresher renews a session once across all of them (store lock,
	// re-read, compare-and-set).
	ref, err := tokenstore.NewRefresher(st, sc.Renew, tokenstore.WithFreshness(sc.Fresh))
	if err != nil {
		return err
	}
	mw, err := sc.Middleware(shopify.MiddlewareConfig{Storage: st, Refresher: ref, Logger: slog.Default()})
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
			if err := demoRequest(ctx, base, token, out); err != nil {
				return err
			}
			s, err := st.Load(ctx, shopify.OfflineSessionID(shop))
			if err != nil {
				return fmt.Errorf("the offline session was not stored: %w", err)
			}
			fmt.Fprintf(out, "\nstored offline session: %v\n", s) // a Session prints redacted; the store URL may hold a password
			return nil
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
		// An Admin API 401 through this client drops the stored session,
		// so the next request exchanges anew.
		hc, ok := shopify.AdminClientFromContext(r.Context())
		if !ok {
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

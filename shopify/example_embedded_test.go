package shopify_test

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
)

// The backend of an embedded app, for any number of replicas: sessions
// in Redis, renewed once across all of them, expiring offline tokens,
// stored non-expiring ones migrated on first use, the bounce page served.
func Example_embeddedApp() {
	app, err := shopify.New(shopify.Config{APIKey: os.Getenv("SHOPIFY_API_KEY"), APISecret: os.Getenv("SHOPIFY_API_SECRET")})
	if err != nil {
		log.Fatal(err)
	}
	store := redisstore.New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"}))
	ref, err := tokenstore.NewRefresher(store, app.Renew, tokenstore.WithFreshness(app.Fresh))
	if err != nil {
		log.Fatal(err)
	}
	mw, err := app.Middleware(shopify.MiddlewareConfig{Storage: store, Refresher: ref})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/", mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		admin, _ := shopify.AdminClientFromContext(r.Context()) // a 401 drops the stored session
		claims, _ := shopify.ClaimsFromContext(r.Context())
		u, _ := app.AdminURL(claims.Shop, "api/2025-01/shop.json")
		resp, err := admin.Get(u)
		if err != nil {
			http.Error(w, "Admin API unreachable", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		fmt.Fprintln(w, claims.Shop, resp.Status)
	})))
	log.Fatal(http.ListenAndServe(":8080", nil))
}

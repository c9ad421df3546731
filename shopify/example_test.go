package shopify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

func ExampleSanitizeShop() {
	for _, in := range []string{"My-Shop.myshopify.com/", "admin.shopify.com/store/my-shop", "my-shop.myshopify.com.evil.com"} {
		shop, err := shopify.SanitizeShop(in)
		fmt.Printf("%q %v\n", shop, err)
	}
	// Output:
	// "my-shop.myshopify.com" <nil>
	// "my-shop.myshopify.com" <nil>
	// "" shopify: invalid shop domain: not NAME.DOMAIN under an accepted shop domain
}

// Exchange an App Bridge session token for the shop's expiring offline
// token, against the offline fake.
func ExampleClient_ExchangeToken() {
	fake := providertest.NewShopify()
	defer fake.Close()
	c, err := shopify.New(shopify.Config{
		APIKey:              fake.APIKey,
		APISecret:           fake.APISecret,
		InsecureShopBaseURL: fake.URL, // tests only
	})
	if err != nil {
		panic(err)
	}
	sessionToken := fake.SessionToken("my-shop.myshopify.com", 42) // from the Authorization header
	s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{
		SessionToken:       sessionToken,
		RequestedTokenType: shopify.OfflineAccessToken,
		Expiring:           true,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.ID, s.Scopes, s.RefreshToken != "", s.Expiry.Sub(s.IssuedAt))

	// A forged token is refused locally, and nothing is sent.
	_, err = c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{
		SessionToken: fake.BrokenSessionToken("my-shop.myshopify.com", 42, providertest.BreakSignature),
	})
	fmt.Println(errors.Is(err, shopify.ErrSessionTokenSignature), fake.Stats().Requests)
	// Output:
	// offline_my-shop.myshopify.com [read_products write_orders] true 1h0m0s
	// true 1
}

// The middleware of an embedded app's backend: sessions in a tokenstore
// store, renewed through the one refresh protocol. A fetch request without
// a valid session token is answered 401 with the header that makes App
// Bridge retry with a fresh one.
func ExampleClient_Middleware() {
	app, err := shopify.New(shopify.Config{APIKey: "api-key", APISecret: "api-secret"})
	if err != nil {
		panic(err)
	}
	store := tokenstore.NewMemory() // redisstore or sqlstore across replicas
	ref, err := tokenstore.NewRefresher(store, app.Renew, tokenstore.WithFreshness(app.Fresh))
	if err != nil {
		panic(err)
	}
	mw, err := app.Middleware(shopify.MiddlewareConfig{Storage: store, Refresher: ref})
	if err != nil {
		panic(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := shopify.SessionFromContext(r.Context())
		fmt.Fprintln(w, "hello", s.Subject)
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/products", nil)
	req.Header.Set("Authorization", "Bearer not-a-session-token")
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("X-Shopify-Retry-Invalid-Session-Request"))
	// Output:
	// 401 1
}

package shopify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

func BenchmarkSanitizeShop(b *testing.B) {
	for b.Loop() {
		if _, err := shopify.SanitizeShop("My-Shop.myshopify.com/"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSessionToken(b *testing.B) {
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock})
	if err != nil {
		b.Fatal(err)
	}
	tok := providertest.MintSessionToken(testAPISecret, validFields())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.DecodeSessionToken(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExchangeToken is one offline token exchange over loopback HTTP
// against the fake, session-token verification included.
func BenchmarkExchangeToken(b *testing.B) {
	fake := providertest.NewShopify(providertest.WithShopifyCredentials(testAPIKey, testAPISecret),
		providertest.WithClock(fixedClock))
	defer fake.Close()
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock,
		InsecureShopBaseURL: fake.URL})
	if err != nil {
		b.Fatal(err)
	}
	tok := fake.SessionToken(testShop, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: tok}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMiddleware is one fetch request through the middleware whose
// session is cached: token from the header, verification, cache read,
// context; the handler does nothing.
func BenchmarkMiddleware(b *testing.B) {
	fake := providertest.NewShopify(providertest.WithShopifyCredentials(testAPIKey, testAPISecret), providertest.WithClock(fixedClock))
	defer fake.Close()
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock, InsecureShopBaseURL: fake.URL})
	if err != nil {
		b.Fatal(err)
	}
	st := tokenstore.NewMemory()
	ref, err := tokenstore.NewRefresher(st, c.Renew, tokenstore.WithFreshness(c.Fresh), tokenstore.WithRefresherClock(fixedClock))
	if err != nil {
		b.Fatal(err)
	}
	mw, err := c.Middleware(shopify.MiddlewareConfig{Storage: st, Refresher: ref})
	if err != nil {
		b.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/api/products", nil)
	req.Header.Set("Authorization", "Bearer "+fake.SessionToken(testShop, 1))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("warm-up answered %d", w.Code)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

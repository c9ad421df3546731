package shopify_test

import (
	"context"
	"testing"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
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

package tokenstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

// A TokenSource over a store: the refreshed session is saved before its
// token is handed out, and the rotated refresh token with it.
func ExampleNewTokenSource() {
	fake := providertest.NewGeneric(providertest.WithTokenLifetime(time.Hour))
	defer fake.Close()
	c, _ := client.New(client.Config{Provider: providers.Generic(fake.URL), ClientID: fake.ClientID, ClientSecret: fake.ClientSecret})
	ctx := context.Background()

	st := tokenstore.NewMemory()
	s, _ := c.ExchangeCode(ctx, fake.IssueCode(""), client.WithSessionID("generic:alice"))
	// Pretend it was issued an hour ago and has 30 seconds left.
	s.IssuedAt, s.Expiry = time.Now().Add(-time.Hour), time.Now().Add(30*time.Second)
	_ = st.Save(ctx, s)

	// Refresh a minute before expiry: here, at once.
	ts := tokenstore.NewTokenSource(st, c, "generic:alice", tokenstore.WithEarlyExpiry(time.Minute),
		tokenstore.WithAfterRefresh(func(_ context.Context, s *client.Session) { fmt.Println("refreshed", s.ID) }))
	tok, err := ts.Token()
	if err != nil {
		fmt.Println(err)
		return
	}
	stored, _ := st.Load(ctx, "generic:alice")
	fmt.Println(tok.AccessToken == stored.AccessToken, stored.RefreshToken != s.RefreshToken)
	fmt.Println("refreshes:", fake.Stats().Refreshes)
	// Output:
	// refreshed generic:alice
	// true true
	// refreshes: 1
}

// List finds the sessions of one shop, as Shopify's session storage does.
func ExampleStore_list() {
	ctx := context.Background()
	st := tokenstore.NewMemory()
	for _, s := range []*client.Session{
		{ID: "offline_a.myshopify.com", Provider: "shopify", Subject: "a.myshopify.com", AccessToken: "x"},
		{ID: "a.myshopify.com_42", Provider: "shopify", Subject: "a.myshopify.com", AccessToken: "y"},
		{ID: "offline_b.myshopify.com", Provider: "shopify", Subject: "b.myshopify.com", AccessToken: "z"},
	} {
		_ = st.Save(ctx, s)
	}
	list, _ := st.List(ctx, tokenstore.Filter{Provider: "shopify", Subject: "a.myshopify.com"})
	for _, s := range list {
		fmt.Println(s.ID)
	}
	// Output:
	// a.myshopify.com_42
	// offline_a.myshopify.com
}

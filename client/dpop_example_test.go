package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

// A DPoP-bound session: the code exchange carries a proof (after the
// server's nonce challenge), the session keeps its key in the store, and
// DPoPTransport calls a resource server with a fresh proof per request.
func ExampleDPoPTransport() {
	fake := providertest.NewGeneric(providertest.WithDPoPNonce()) // stands in for a real provider
	defer fake.Close()
	c, err := client.New(client.Config{Provider: providers.Generic(fake.URL, providers.WithDPoP()),
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	s, err := c.ExchangeCode(ctx, fake.IssueCode(""), client.WithSessionID("alice"))
	if err != nil {
		log.Fatal(err)
	}
	st := tokenstore.NewMemory()
	if err := st.Save(ctx, s); err != nil {
		log.Fatal(err)
	}
	hc := &http.Client{Transport: &client.DPoPTransport{Source: tokenstore.NewTokenSource(st, c, "alice")}}
	resp, err := hc.Get(fake.URL + "/userinfo")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(s.TokenType, resp.StatusCode, fake.DPoPBinding(s.AccessToken) == s.DPoPKey.Thumbprint())
	// Output: DPoP 200 true
}

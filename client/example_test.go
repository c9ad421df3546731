package client_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// Code exchange, then a refresh that rotates the single-use refresh token,
// against the offline fake of a generic provider.
func Example() {
	fake := providertest.NewGeneric()
	defer fake.Close()

	c, err := client.New(client.Config{
		Provider:     providers.Generic(fake.URL),
		ClientID:     fake.ClientID,
		ClientSecret: fake.ClientSecret,
		RedirectURL:  "http://127.0.0.1:8080/callback",
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	// The user consented; the callback received this code.
	code := fake.IssueCode("http://127.0.0.1:8080/callback", "read", "write")
	s, err := c.ExchangeCode(ctx, code)
	if err != nil {
		panic(err)
	}
	fmt.Println("exchanged:", s.TokenType, s.Scopes, s.Valid())

	s2, err := c.Refresh(ctx, s)
	if err != nil {
		panic(err)
	}
	fmt.Println("refresh token rotated:", s2.RefreshToken != s.RefreshToken)

	// The old refresh token is spent: the provider says so, and oauthx
	// reports it as a reason to authorize again.
	_, err = c.Refresh(ctx, s)
	fmt.Println("old refresh token:", errors.Is(err, client.ErrReauthorize))
	// Output:
	// exchanged: Bearer [read write] true
	// refresh token rotated: true
	// old refresh token: true
}

// Command quickstart exchanges a code and refreshes it against an offline
// fake of a generic OAuth2 provider, printing each step (tokens redacted).
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	fake := providertest.NewGeneric()
	defer fake.Close()
	const redirect = "http://127.0.0.1:8080/callback"

	c, err := client.New(client.Config{
		Provider:     providers.Generic(fake.URL),
		ClientID:     fake.ClientID,
		ClientSecret: fake.ClientSecret,
		RedirectURL:  redirect,
		Scopes:       []string{"read", "write"},
	})
	if err != nil {
		return err
	}
	verifier := client.GenerateVerifier()
	authURL, err := c.AuthCodeURL("random-state", client.WithPKCE(verifier))
	if err != nil {
		return err
	}
	fmt.Println("1. authorize URL:", authURL)

	code := fake.IssueCodeWithPKCE(redirect, verifier, "read", "write")
	s, err := c.ExchangeCode(ctx, code, client.WithCodeVerifier(verifier))
	if err != nil {
		return err
	}
	fmt.Println("2. code exchanged:", s)

	s2, err := c.Refresh(ctx, s)
	if err != nil {
		return err
	}
	fmt.Println("3. refreshed:     ", s2)
	if s2.RefreshToken == s.RefreshToken {
		return errors.New("refresh token did not rotate")
	}

	_, err = c.Refresh(ctx, s)
	if !errors.Is(err, client.ErrReauthorize) {
		return fmt.Errorf("reusing a spent refresh token: want ErrReauthorize, got %v", err)
	}
	fmt.Println("4. reusing the spent refresh token is refused:", err)
	st := fake.Stats()
	fmt.Printf("server saw %d requests: %d code exchange, %d refresh, %d reuse\n",
		st.Requests, st.CodeExchanges, st.Refreshes, st.ReusedRefreshTokens)
	return nil
}

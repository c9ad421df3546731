package passport_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/providertest"
)

// Sign in with Passport, verify the id_token, and refresh, against the
// offline fake.
func Example() {
	fake := providertest.NewPassport()
	defer fake.Close()

	c, err := passport.New(passport.Config{
		BaseURL:      fake.URL,
		ClientID:     fake.ClientID,
		ClientSecret: fake.ClientSecret,
		RedirectURL:  "https://app.example.com/callback",
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	verifier, err := c.NewVerifier(ctx) // OIDC discovery
	if err != nil {
		panic(err)
	}

	// The user signed in; the callback received this code.
	code := fake.IssueCode("urn:rollupid:account/0xabc", "openid", "email")
	s, err := c.ExchangeCode(ctx, code)
	if err != nil {
		panic(err)
	}
	idt, err := verifier.VerifySession(ctx, s)
	if err != nil {
		panic(err)
	}
	fmt.Println(s.ID, idt.Email, strings.Join(s.Scopes, ","))

	s2, err := c.Refresh(ctx, s)
	if err != nil {
		panic(err)
	}
	fmt.Println("same refresh token and id_token:", s2.RefreshToken == s.RefreshToken, s2.IDToken == s.IDToken)
	// Output:
	// passport:urn:rollupid:account/0xabc test.user@example.com openid,email
	// same refresh token and id_token: true true
}

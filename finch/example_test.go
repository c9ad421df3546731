package finch_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/providertest"
)

// Exchange a Finch Connect code, read the connection, introspect and
// disconnect, against the offline fake.
func Example() {
	fake := providertest.NewFinch()
	defer fake.Close()

	c, err := finch.New(finch.Config{
		ClientID:     fake.ClientID,
		ClientSecret: fake.ClientSecret,
		RedirectURL:  "https://app.example.com/callback",
		BaseURL:      fake.URL,
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	code := fake.IssueCodeFor("https://app.example.com/callback", providertest.FinchConnection{
		ConnectionID: "conn_123", ProviderID: "gusto", Products: []string{"company", "directory"}})
	s, err := c.ExchangeCode(ctx, code)
	if err != nil {
		panic(err)
	}
	conn := finch.ConnectionOf(s)
	fmt.Println(s.ID, conn.ProviderID, conn.Products, "never expires:", s.NeverExpires())

	info, err := c.Introspect(ctx, s)
	if err != nil {
		panic(err)
	}
	fmt.Println("status:", info.ConnectionStatus.Status)

	if err := c.Disconnect(ctx, s); err != nil {
		panic(err)
	}
	_, err = c.Introspect(ctx, s)
	fmt.Println("after disconnect:", errors.Is(err, client.ErrReauthorize))
	// Output:
	// finch:conn_123 gusto [company directory] never expires: true
	// status: connected
	// after disconnect: true
}

func ExampleConnectURL() {
	u, err := finch.ConnectURL(finch.ConnectParams{
		ClientID:    "my-client-id",
		RedirectURL: "https://app.example.com/callback",
		Products:    []string{"company", "directory"},
		State:       "random-state",
		Sandbox:     finch.SandboxFinch,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(u)
	// Output:
	// https://connect.tryfinch.com/authorize?client_id=my-client-id&products=company+directory&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&sandbox=finch&state=random-state
}

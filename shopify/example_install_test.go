package shopify_test

import (
	"log"
	"net/http"
	"os"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

// Install the app on a shop through the authorization code grant, keeping
// the shop's expiring offline session in a store.
func ExampleClient_InstallHandlers() {
	c, err := shopify.New(shopify.Config{
		APIKey:    os.Getenv("SHOPIFY_API_KEY"),
		APISecret: os.Getenv("SHOPIFY_API_SECRET"),
		Scopes:    []string{"read_products", "write_orders"},
	})
	if err != nil {
		log.Fatal(err)
	}
	state, err := client.NewBrowserState(client.BrowserStateConfig{
		Key: []byte(os.Getenv("LOGIN_COOKIE_KEY")), // 32+ random bytes, the same on every replica
	})
	if err != nil {
		log.Fatal(err)
	}
	store, err := tokenstore.NewFile("/var/lib/my-app/sessions")
	if err != nil {
		log.Fatal(err)
	}
	begin, callback, err := c.InstallHandlers(shopify.InstallConfig{
		State:       state,
		RedirectURI: "https://app.example.com/auth/callback",
		Save:        store.Save,
		SuccessURL:  "/welcome",
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("GET /auth", begin) // /auth?shop=my-shop.myshopify.com
	http.Handle("GET /auth/callback", callback)
}

package shopify_test

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/oauthx/oauthx/shopify"
)

// Answer requests Shopify's app proxy forwards from a shop's storefront
// (https://{shop}/apps/reviews/… → https://app.example.com/proxy/…).
func ExampleClient_VerifyAppProxy() {
	c, err := shopify.New(shopify.Config{
		APIKey:    os.Getenv("SHOPIFY_API_KEY"),
		APISecret: os.Getenv("SHOPIFY_API_SECRET"),
	})
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("GET /proxy/", func(w http.ResponseWriter, r *http.Request) {
		p, err := c.VerifyAppProxy(r) // signature, 90 s timestamp window, shop
		if err != nil {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if p.LoggedInCustomerID == "" {
			fmt.Fprintf(w, "Hello, visitor of %s", p.Shop)
			return
		}
		fmt.Fprintf(w, "Hello, customer %s of %s", p.LoggedInCustomerID, p.Shop)
	})
}

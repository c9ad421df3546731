package shopify_test

import (
	"log"
	"net/http"
	"os"
	"sync"

	"github.com/oauthx/oauthx/shopify"
)

// Serve Shopify webhooks: Handle only ever sees verified deliveries, and
// forged ones are answered 401.
func ExampleClient_WebhookHandler() {
	c, err := shopify.New(shopify.Config{
		APIKey:    os.Getenv("SHOPIFY_API_KEY"),
		APISecret: os.Getenv("SHOPIFY_API_SECRET"),
	})
	if err != nil {
		log.Fatal(err)
	}
	var handled sync.Map // webhook ids: keep them in your database instead
	webhooks, err := c.WebhookHandler(shopify.WebhookHandlerConfig{
		Handle: func(w http.ResponseWriter, r *http.Request, wh *shopify.Webhook) {
			if _, again := handled.LoadOrStore(wh.WebhookID, true); again {
				return // Shopify retried a delivery already handled: 200 again
			}
			log.Printf("%s from %s (%s): %d bytes", wh.Topic, wh.Shop, wh.HeaderSet, len(wh.Body))
		},
		OnReject: func(r *http.Request, err error) { log.Printf("webhook refused: %v", err) },
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("POST /webhooks", webhooks)
}

package shopify

import (
	"net/http"

	"github.com/oauthx/oauthx/providers"
)

// WebhookHandlerConfig configures Client.WebhookHandler.
type WebhookHandlerConfig struct {
	// Handle is called with every verified delivery. Required. Answer 2xx
	// quickly (Shopify waits 5 seconds at most, and retries otherwise);
	// deliveries may repeat: skip a WebhookID already handled.
	Handle func(w http.ResponseWriter, r *http.Request, wh *Webhook)
	// OnReject, when set, is told about every refused request (to log or
	// count it). The error is a *RequestError and holds no signed material.
	OnReject func(r *http.Request, err error)
}

// WebhookHandler returns an http.Handler for Shopify webhook deliveries.
// It verifies each POST with VerifyWebhook and hands cfg.Handle the typed
// Webhook (r.Body still readable). A request that fails verification is
// answered 401 with a fixed text (413 for a body over MaxWebhookBody) and
// never reaches Handle; any other method than POST gets 405.
func (c *Client) WebhookHandler(cfg WebhookHandlerConfig) (http.Handler, error) {
	if cfg.Handle == nil {
		return nil, c.invalid("WebhookHandlerConfig.Handle is required")
	}
	return providers.WebhookHandler(c.VerifyWebhook, ErrWebhookBodyTooLarge, cfg.Handle, cfg.OnReject), nil
}

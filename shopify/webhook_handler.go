package shopify

import (
	"errors"
	"net/http"
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

// Answers of the webhook handler to refused requests. They are fixed: no
// detail of the failed check reaches the sender.
const (
	webhookUnauthorized = "invalid webhook signature"
	webhookTooLarge     = "webhook body too large"
)

// WebhookHandler returns an http.Handler for Shopify webhook deliveries.
// It verifies each POST with VerifyWebhook and hands cfg.Handle the typed
// Webhook (r.Body still readable). A request that fails verification is
// answered 401 with a fixed text (413 for a body over MaxWebhookBody) and
// never reaches Handle; any other method than POST gets 405.
func (c *Client) WebhookHandler(cfg WebhookHandlerConfig) (http.Handler, error) {
	if cfg.Handle == nil {
		return nil, c.invalid("WebhookHandlerConfig.Handle is required")
	}
	return &webhookHandler{c: c, cfg: cfg}, nil
}

type webhookHandler struct {
	c   *Client
	cfg WebhookHandlerConfig
}

// ServeHTTP verifies a POSTed webhook and hands it to the configured
// handler.
func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	wh, err := h.c.VerifyWebhook(r)
	if err != nil {
		if h.cfg.OnReject != nil {
			h.cfg.OnReject(r, err)
		}
		if errors.Is(err, ErrWebhookBodyTooLarge) {
			http.Error(w, webhookTooLarge, http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, webhookUnauthorized, http.StatusUnauthorized)
		return
	}
	h.cfg.Handle(w, r, wh)
}

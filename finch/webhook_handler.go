package finch

import (
	"net/http"
	"time"

	"github.com/oauthx/oauthx/providers"
)

// WebhookHandlerConfig configures NewWebhookHandler.
type WebhookHandlerConfig struct {
	// Secret is the webhook secret Finch gave (standard base64). Required.
	Secret string
	// Handle is called with every verified delivery, r.Body still
	// readable. Required. Deliveries may repeat: skip an EventID already
	// handled.
	Handle func(w http.ResponseWriter, r *http.Request, wh *Webhook)
	// OnReject, when set, is told about every refused request (to log or
	// count it). The error is a *WebhookError.
	OnReject func(r *http.Request, err error)
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// NewWebhookHandler returns an http.Handler for Finch webhook deliveries:
// it verifies each POST with VerifyWebhook and calls cfg.Handle. A request
// that fails verification gets 401 with a fixed text (413 for a body over
// MaxWebhookBody) and never reaches Handle; other methods get 405. A
// missing Handle or a bad Secret is a *ParamError (matching
// client.ErrInvalidRequest).
func NewWebhookHandler(cfg WebhookHandlerConfig) (http.Handler, error) {
	if cfg.Handle == nil {
		return nil, paramErr("Handle", "WebhookHandlerConfig.Handle is required")
	}
	if _, err := webhookKey(cfg.Secret); err != nil {
		return nil, &ParamError{Field: "Secret", Reason: "empty or not standard base64"}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	verify := func(r *http.Request) (*Webhook, error) { return VerifyWebhook(r, cfg.Secret, cfg.Now()) }
	return providers.WebhookHandler(verify, ErrWebhookBodyTooLarge, cfg.Handle, cfg.OnReject), nil
}

package providers

import (
	"errors"
	"net/http"
)

// WebhookHandler is the http.Handler of a provider's webhook deliveries
// (finch.NewWebhookHandler, shopify's Client.WebhookHandler). It verifies
// each POST with verify and hands what verify returned to handle, r.Body
// still readable. A request verify refuses is told to onReject (when not
// nil), never reaches handle, and is answered with a fixed text that
// holds no detail of the failed check: 413 when the error matches
// tooLarge, else 401. Any other method than POST is answered 405.
func WebhookHandler[W any](verify func(*http.Request) (W, error), tooLarge error,
	handle func(http.ResponseWriter, *http.Request, W), onReject func(*http.Request, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		wh, err := verify(r)
		if err != nil {
			if onReject != nil {
				onReject(r, err)
			}
			if errors.Is(err, tooLarge) {
				http.Error(w, "webhook body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "invalid webhook signature", http.StatusUnauthorized)
			return
		}
		handle(w, r, wh)
	})
}

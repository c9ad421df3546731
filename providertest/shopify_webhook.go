package providertest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"
)

// ShopifyWebhook is a webhook delivery for Shopify.WebhookRequest to sign.
type ShopifyWebhook struct {
	// Events selects the shopify-* header set of Shopify's events instead
	// of the classic X-Shopify-* one.
	Events bool
	// Topic, Shop, WebhookID, EventID and APIVersion fill the headers of
	// the same names. Empty ones are left out (to test missing headers).
	Topic, Shop, WebhookID, EventID, APIVersion string
	// TriggeredAt fills the triggered-at header (RFC 3339) unless zero.
	TriggeredAt time.Time
	// SubTopic and Name (classic set), Handle, Action and ResourceID
	// (events set) fill the optional headers unless empty.
	SubTopic, Name, Handle, Action, ResourceID string
	// Body is the payload; its HMAC is the signature.
	Body []byte
}

// SignShopifyWebhook returns the webhook HMAC Shopify sends: the padded
// standard base64 of HMAC-SHA256(secret, body).
func SignShopifyWebhook(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ShopifyWebhookHeaders returns the headers of wh signed with secret, in
// the set wh.Events selects, keyed in canonical form (http.Header.Set):
// header names are case-insensitive, and the lowercase shopify-* names
// Shopify sends arrive at a Go server in that form too.
func ShopifyWebhookHeaders(secret string, wh ShopifyWebhook) http.Header {
	names := []string{"X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain",
		"X-Shopify-API-Version", "X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Triggered-At"}
	if wh.Events {
		names = []string{"shopify-hmac-sha256", "shopify-topic", "shopify-shop-domain",
			"shopify-api-version", "shopify-webhook-id", "shopify-event-id", "shopify-triggered-at"}
	}
	triggered := ""
	if !wh.TriggeredAt.IsZero() {
		triggered = wh.TriggeredAt.UTC().Format(time.RFC3339Nano)
	}
	values := []string{SignShopifyWebhook(secret, wh.Body), wh.Topic, wh.Shop, wh.APIVersion,
		wh.WebhookID, wh.EventID, triggered}
	h := http.Header{}
	for i, n := range names {
		if values[i] != "" {
			h.Set(n, values[i])
		}
	}
	optional := map[string]string{"X-Shopify-Sub-Topic": wh.SubTopic, "X-Shopify-Name": wh.Name}
	if wh.Events {
		optional = map[string]string{"shopify-handle": wh.Handle, "shopify-action": wh.Action,
			"shopify-resource-id": wh.ResourceID}
	}
	for n, v := range optional {
		if v != "" {
			h.Set(n, v)
		}
	}
	return h
}

// WebhookRequest returns a POST to target carrying wh signed with the
// fake's app secret, as Shopify delivers it (Content-Type
// application/json). Send it with any http.Client, or give it to a handler.
func (f *Shopify) WebhookRequest(ctx context.Context, target string, wh ShopifyWebhook) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(wh.Body))
	if err != nil {
		return nil, err
	}
	for n, vs := range ShopifyWebhookHeaders(f.cfg.apiSecret, wh) {
		req.Header[n] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

package providertest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
)

// FinchWebhookSecret is the webhook secret the Finch fake signs with
// (standard base64, as Finch hands it out).
const FinchWebhookSecret = "ZmluY2gtZmFrZS13ZWJob29rLXNlY3JldC0zMmJ5dGVz"

// SignFinchWebhook returns Finch's webhook signature header value
// "v1,<base64>": HMAC-SHA256, keyed with the base64-decoded secret, over
// eventID + "." + timestamp + "." + body. A secret that is not base64
// signs with no key bytes (a test of a wrong secret).
func SignFinchWebhook(secret, eventID, timestamp string, body []byte) string {
	key, _ := base64.StdEncoding.DecodeString(secret)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(eventID + "." + timestamp + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// WebhookRequest returns a POST to target carrying body as Finch delivers
// a webhook: Content-Type application/json, finch-event-id eventID,
// finch-timestamp the fake's clock in Unix seconds, and finch-signature
// signed with FinchWebhookSecret.
func (f *Finch) WebhookRequest(ctx context.Context, target, eventID string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(f.cfg.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Finch-Event-Id", eventID)
	req.Header.Set("Finch-Timestamp", ts)
	req.Header.Set("Finch-Signature", SignFinchWebhook(FinchWebhookSecret, eventID, ts, body))
	return req, nil
}

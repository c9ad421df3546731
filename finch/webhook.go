package finch

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
)

// Webhook verification bounds.
const (
	// WebhookTolerance is how far a delivery's finch-timestamp may be from
	// now, either way.
	WebhookTolerance = 300 * time.Second
	// MaxWebhookBody is the largest webhook body VerifyWebhook reads: 1 MiB.
	MaxWebhookBody = 1 << 20
	// maxTimestampDigits keeps the timestamp within int64 seconds.
	maxTimestampDigits = 12
	maxEventIDLen      = 256
)

// Finch's webhook headers.
const (
	EventIDHeader   = "Finch-Event-Id"
	TimestampHeader = "Finch-Timestamp"
	SignatureHeader = "Finch-Signature"
)

// Webhook is a verified Finch webhook delivery.
type Webhook struct {
	// EventID is the finch-event-id header: deliveries may repeat, skip
	// an id already handled.
	EventID string
	// Timestamp is the finch-timestamp header (Unix seconds).
	Timestamp time.Time
	// Body is the raw body, as signed.
	Body []byte
}

// VerifyWebhook checks a Finch webhook delivery: the HMAC-SHA256, keyed
// with the base64-decoded secret, of finch-event-id + "." +
// finch-timestamp (as sent) + "." + the raw body must equal one of the
// "v1,<base64>" signatures of finch-signature — given as separate header
// values or space-separated in one — compared in constant time; the
// timestamp must be digits only and within WebhookTolerance of now (the
// zero time: time.Now()). It reads at most MaxWebhookBody bytes and puts
// the body back, so r.Body reads as before.
//
// Every rejection is a *WebhookError matching ErrInvalidWebhook and one
// ErrWebhook… reason. An empty secret is refused (ErrWebhookSecret).
func VerifyWebhook(r *http.Request, secret string, now time.Time) (*Webhook, error) {
	key, err := webhookKey(secret)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, webhookErr(ErrWebhookMissingHeader)
	}
	id, err := oneHeader(r.Header, EventIDHeader)
	if err != nil {
		return nil, err
	}
	ts, err := oneHeader(r.Header, TimestampHeader)
	if err != nil {
		return nil, err
	}
	if len(id) > maxEventIDLen || hasControl(id) {
		return nil, webhookErr(ErrWebhookMalformedHeader)
	}
	at, err := parseTimestamp(ts)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(strings.Join(r.Header.Values(SignatureHeader), "")) == "" {
		return nil, webhookErr(ErrWebhookMissingHeader)
	}
	if now.IsZero() {
		now = time.Now()
	}
	if d := now.Sub(at); d > WebhookTolerance || d < -WebhookTolerance {
		return nil, webhookErr(ErrWebhookStale)
	}
	body, err := client.ReadRequestBody(r, MaxWebhookBody)
	switch {
	case errors.Is(err, client.ErrBodyTooLarge):
		return nil, webhookErr(ErrWebhookBodyTooLarge)
	case err != nil:
		return nil, webhookErr(ErrWebhookBodyUnreadable)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	matched := false
	for _, s := range signatures(r.Header.Values(SignatureHeader)) {
		// Every signature is compared, so the time taken does not tell
		// which one matched.
		if hmac.Equal(s, want) {
			matched = true
		}
	}
	if !matched {
		return nil, webhookErr(ErrWebhookSignature)
	}
	return &Webhook{EventID: id, Timestamp: at, Body: body}, nil
}

// webhookKey decodes the secret: padded standard base64, not empty.
func webhookKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.Strict().DecodeString(secret)
	if secret == "" || err != nil || len(key) == 0 {
		return nil, webhookErr(ErrWebhookSecret)
	}
	return key, nil
}

// oneHeader returns the single non-empty value of a header.
func oneHeader(h http.Header, name string) (string, error) {
	vals := h.Values(name)
	switch {
	case len(vals) == 0 || vals[0] == "":
		return "", webhookErr(ErrWebhookMissingHeader)
	case len(vals) > 1:
		return "", webhookErr(ErrWebhookMalformedHeader)
	}
	return vals[0], nil
}

// parseTimestamp reads Unix seconds written as digits only.
func parseTimestamp(ts string) (time.Time, error) {
	if len(ts) > maxTimestampDigits || strings.ContainsFunc(ts, func(r rune) bool { return r < '0' || r > '9' }) {
		return time.Time{}, webhookErr(ErrWebhookMalformedHeader)
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, webhookErr(ErrWebhookMalformedHeader)
	}
	return time.Unix(n, 0), nil
}

// signatures decodes every "v1,<padded std base64>" signature of the
// header values, each of which may hold several separated by spaces.
// Other versions and undecodable ones are skipped.
func signatures(values []string) [][]byte {
	var out [][]byte
	for _, v := range values {
		for _, f := range strings.Fields(v) {
			b64, ok := strings.CutPrefix(f, "v1,")
			if !ok {
				continue
			}
			if sig, err := base64.StdEncoding.Strict().DecodeString(b64); err == nil && len(sig) == sha256.Size {
				out = append(out, sig)
			}
		}
	}
	return out
}

package shopify

import "errors"

// ErrInvalidWebhook is matched by every webhook rejection of
// VerifyWebhook, so a handler can answer them all alike (WebhookHandler
// answers 401). Each rejection also matches exactly one reason below, or
// ErrInvalidShop.
var ErrInvalidWebhook = errors.New("shopify: invalid webhook")

// Webhook rejection reasons, matched with errors.Is.
var (
	// ErrWebhookSignature: the HMAC header is missing, or is not the padded
	// standard base64 of HMAC-SHA256(app secret, raw body). Hex, unpadded
	// and base64url forms of the right HMAC are refused too.
	ErrWebhookSignature = errors.New("shopify: webhook hmac mismatch")
	// ErrWebhookEmptyBody: the request has no body. Shopify never sends
	// one, so it is refused even with a correct HMAC of "".
	ErrWebhookEmptyBody = errors.New("shopify: webhook body is empty")
	// ErrWebhookBodyTooLarge: the body is longer than MaxWebhookBody.
	ErrWebhookBodyTooLarge = errors.New("shopify: webhook body is too large")
	// ErrWebhookBodyUnreadable: reading the body failed (the sender went
	// away mid-body).
	ErrWebhookBodyUnreadable = errors.New("shopify: webhook body could not be read")
	// ErrWebhookMissingHeader: a header the selected header set requires
	// is missing or empty (Detail names it).
	ErrWebhookMissingHeader = errors.New("shopify: webhook header missing")
	// ErrWebhookDuplicateHeader: a webhook header came more than once
	// (two HMACs, two shop domains, …).
	ErrWebhookDuplicateHeader = errors.New("shopify: webhook header repeated")
	// ErrWebhookMixedHeaders: the request mixes the two header sets: a
	// classic (X-Shopify-*) delivery carrying shopify-* headers, or an
	// events delivery whose required shopify-* header is missing while its
	// X-Shopify-* twin is there, or whose X-Shopify-Hmac-Sha256 differs
	// from its shopify-hmac-sha256.
	ErrWebhookMixedHeaders = errors.New("shopify: webhook mixes the X-Shopify-* and shopify-* header sets")
	// ErrWebhookMalformedHeader: a header has a value that does not parse
	// (a triggered-at that is not an RFC 3339 time).
	ErrWebhookMalformedHeader = errors.New("shopify: webhook header malformed")
)

func webhookError(reason error, detail string) error {
	return &RequestError{Kind: ErrInvalidWebhook, Reason: reason, Detail: detail}
}

package finch

import "errors"

// ErrInvalidWebhook is matched by every rejection of VerifyWebhook, so a
// handler can answer them all alike. Each rejection also matches exactly
// one reason below.
var ErrInvalidWebhook = errors.New("finch: invalid webhook")

// Webhook rejection reasons, matched with errors.Is.
var (
	// ErrWebhookSecret: the secret given to VerifyWebhook is empty or not
	// standard (padded) base64. Nothing was read from the request.
	ErrWebhookSecret = errors.New("finch: webhook secret empty or not base64")
	// ErrWebhookMissingHeader: finch-event-id, finch-timestamp or
	// finch-signature is missing or empty.
	ErrWebhookMissingHeader = errors.New("finch: webhook header missing")
	// ErrWebhookMalformedHeader: a header does not parse: a timestamp that
	// is not digits only (a sign, spaces, a fraction), an event id with
	// control characters, or a repeated event id or timestamp.
	ErrWebhookMalformedHeader = errors.New("finch: webhook header malformed")
	// ErrWebhookStale: the timestamp is more than WebhookTolerance away
	// from now.
	ErrWebhookStale = errors.New("finch: webhook timestamp outside the tolerance")
	// ErrWebhookSignature: no v1 signature matches (none may be
	// decodable: another version, not padded standard base64, not 32
	// bytes).
	ErrWebhookSignature = errors.New("finch: webhook signature mismatch")
	// ErrWebhookBodyTooLarge: the body is longer than MaxWebhookBody.
	ErrWebhookBodyTooLarge = errors.New("finch: webhook body too large")
	// ErrWebhookBodyUnreadable: reading the body failed.
	ErrWebhookBodyUnreadable = errors.New("finch: webhook body could not be read")
)

// WebhookError is a webhook rejection: it matches ErrInvalidWebhook and its
// Reason. It holds no signed material, secret or signature.
type WebhookError struct {
	// Reason is one of the ErrWebhook… sentinels.
	Reason error
}

// Error describes the rejection.
func (e *WebhookError) Error() string { return e.Reason.Error() }

// Is reports whether target is ErrInvalidWebhook.
func (e *WebhookError) Is(target error) bool { return target == ErrInvalidWebhook }

// Unwrap returns the Reason.
func (e *WebhookError) Unwrap() error { return e.Reason }

func webhookErr(reason error) error { return &WebhookError{Reason: reason} }

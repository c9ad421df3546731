package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/oauthx/oauthx/client"
)

// MaxWebhookBody is the largest webhook body VerifyWebhook reads: 10 MiB.
// A longer body is refused (ErrWebhookBodyTooLarge) without being read to
// the end.
const MaxWebhookBody = 10 << 20

// WebhookHeaderSet says which of Shopify's two webhook header families a
// delivery used.
type WebhookHeaderSet int

const (
	// ClassicHeaders is the X-Shopify-* set (X-Shopify-Hmac-Sha256,
	// X-Shopify-Topic, X-Shopify-Shop-Domain, …).
	ClassicHeaders WebhookHeaderSet = iota + 1
	// EventHeaders is the lowercase shopify-* set of Shopify's events
	// (shopify-hmac-sha256, shopify-topic, shopify-event-id, …).
	EventHeaders
)

// String returns "X-Shopify-*" or "shopify-*".
func (s WebhookHeaderSet) String() string {
	switch s {
	case ClassicHeaders:
		return "X-Shopify-*"
	case EventHeaders:
		return "shopify-*"
	}
	return "unknown"
}

// Webhook is a verified webhook delivery.
type Webhook struct {
	// Topic is the topic as sent, e.g. "orders/create".
	Topic string
	// Shop is the shop's domain, sanitized (SanitizeShop).
	Shop string
	// WebhookID identifies the delivery. Shopify retries a delivery with
	// the same id: it is the idempotency key, so remember the ids you
	// handled and skip a repeat.
	WebhookID string
	// EventID identifies the event behind the delivery (always set for
	// EventHeaders, optional for ClassicHeaders). Several deliveries
	// (subscriptions) may share it.
	EventID string
	// APIVersion is the Admin API version of the payload, e.g. "2026-01".
	APIVersion string
	// TriggeredAt is when the event happened; zero when not sent.
	TriggeredAt time.Time
	// Body is the raw JSON payload, exactly as signed.
	Body []byte

	// HeaderSet is the header family the delivery used.
	HeaderSet WebhookHeaderSet
	// SubTopic and Name are the optional X-Shopify-Sub-Topic and
	// X-Shopify-Name (ClassicHeaders only).
	SubTopic, Name string
	// Handle, Action and ResourceID are the optional shopify-handle,
	// shopify-action and shopify-resource-id (EventHeaders only).
	Handle, Action, ResourceID string
}

// webhookHeaders names one header family; "" for a field it lacks.
type webhookHeaders struct {
	hmac, topic, shop, apiVersion, webhookID, eventID, triggeredAt string
	subTopic, name, handle, action, resourceID                     string
	required                                                       []string
}

var classicWebhookHeaders = webhookHeaders{
	hmac: "X-Shopify-Hmac-Sha256", topic: "X-Shopify-Topic", shop: "X-Shopify-Shop-Domain",
	apiVersion: "X-Shopify-API-Version", webhookID: "X-Shopify-Webhook-Id",
	eventID: "X-Shopify-Event-Id", triggeredAt: "X-Shopify-Triggered-At",
	subTopic: "X-Shopify-Sub-Topic", name: "X-Shopify-Name",
	required: []string{"X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain",
		"X-Shopify-API-Version", "X-Shopify-Webhook-Id"},
}

var eventWebhookHeaders = webhookHeaders{
	hmac: "Shopify-Hmac-Sha256", topic: "Shopify-Topic", shop: "Shopify-Shop-Domain",
	apiVersion: "Shopify-API-Version", webhookID: "Shopify-Webhook-Id",
	eventID: "Shopify-Event-Id", triggeredAt: "Shopify-Triggered-At",
	handle: "Shopify-Handle", action: "Shopify-Action", resourceID: "Shopify-Resource-Id",
	required: []string{"Shopify-Hmac-Sha256", "Shopify-Topic", "Shopify-Shop-Domain",
		"Shopify-API-Version", "Shopify-Webhook-Id", "Shopify-Event-Id"},
}

// all lists every header of the family.
func (h *webhookHeaders) all() []string {
	out := make([]string, 0, 12)
	for _, n := range []string{h.hmac, h.topic, h.shop, h.apiVersion, h.webhookID, h.eventID,
		h.triggeredAt, h.subTopic, h.name, h.handle, h.action, h.resourceID} {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// twin is the name of the other family's header for the same field.
func twin(name string) string {
	c, e := &classicWebhookHeaders, &eventWebhookHeaders
	pairs := [][2]string{{c.hmac, e.hmac}, {c.topic, e.topic}, {c.shop, e.shop},
		{c.apiVersion, e.apiVersion}, {c.webhookID, e.webhookID}, {c.eventID, e.eventID},
		{c.triggeredAt, e.triggeredAt}}
	for _, p := range pairs {
		switch name {
		case p[0]:
			return p[1]
		case p[1]:
			return p[0]
		}
	}
	return ""
}

// VerifyWebhook checks a webhook delivery and returns it typed. It reads
// the body (at most MaxWebhookBody bytes) and puts it back into r.Body, so
// a handler after it can read it again.
//
// A non-empty shopify-hmac-sha256 header selects the events header set
// (shopify-hmac-sha256, -topic, -shop-domain, -api-version, -webhook-id
// and -event-id required; -handle, -action, -resource-id, -triggered-at
// optional); otherwise the classic set applies (X-Shopify-Hmac-Sha256,
// -Topic, -Shop-Domain, -API-Version, -Webhook-Id required; -Sub-Topic,
// -Name, -Triggered-At, -Event-Id optional). Every field is read from the
// selected set only: an events delivery may also carry its X-Shopify-*
// copies (Shopify sends them for compatibility), but a classic delivery
// carrying shopify-* headers, an events delivery completed from
// X-Shopify-* headers, or two different HMACs, are ErrWebhookMixedHeaders.
//
// The HMAC must be the padded standard base64 of HMAC-SHA256(app secret,
// raw body), compared in constant time; any header of the set sent twice
// is refused; an empty body is refused; the shop domain must pass
// SanitizeShop (Shopify's official library returns any shop domain as
// given, "evil.com" included; here it is ErrInvalidShop).
//
// Every rejection is a *RequestError matching ErrInvalidWebhook and one
// reason (ErrWebhookSignature, ErrWebhookEmptyBody, …, or ErrInvalidShop).
func (c *Client) VerifyWebhook(r *http.Request) (*Webhook, error) {
	if r == nil {
		return nil, webhookError(ErrWebhookEmptyBody, "no request")
	}
	set, names, err := webhookHeaderSet(r.Header)
	if err != nil {
		return nil, err
	}
	body, err := readRestoring(r, MaxWebhookBody)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, webhookError(ErrWebhookEmptyBody, "")
	}
	if !c.webhookMACEqual(body, r.Header.Get(names.hmac)) {
		return nil, webhookError(ErrWebhookSignature, "")
	}
	get := func(name string) string {
		if name == "" {
			return ""
		}
		return r.Header.Get(name)
	}
	shop, err := c.SanitizeShop(get(names.shop))
	if err != nil {
		return nil, &RequestError{Kind: ErrInvalidWebhook, Reason: ErrInvalidShop, Detail: names.shop, Err: err}
	}
	wh := &Webhook{
		Topic: get(names.topic), Shop: shop, WebhookID: get(names.webhookID),
		EventID: get(names.eventID), APIVersion: get(names.apiVersion), Body: body,
		HeaderSet: set, SubTopic: get(names.subTopic), Name: get(names.name),
		Handle: get(names.handle), Action: get(names.action), ResourceID: get(names.resourceID),
	}
	if ts := get(names.triggeredAt); ts != "" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return nil, webhookError(ErrWebhookMalformedHeader, names.triggeredAt+" is not an RFC 3339 time")
		}
		wh.TriggeredAt = t
	}
	return wh, nil
}

// webhookHeaderSet picks the header family and checks that the request
// does not mix them, repeat a header or lack a required one.
func webhookHeaderSet(h http.Header) (WebhookHeaderSet, *webhookHeaders, error) {
	set, names, other := ClassicHeaders, &classicWebhookHeaders, &eventWebhookHeaders
	if h.Get(eventWebhookHeaders.hmac) != "" {
		set, names, other = EventHeaders, &eventWebhookHeaders, &classicWebhookHeaders
	}
	for _, n := range names.all() {
		if len(h.Values(n)) > 1 {
			return 0, nil, webhookError(ErrWebhookDuplicateHeader, n)
		}
	}
	if set == ClassicHeaders {
		for _, n := range other.all() {
			if _, ok := h[n]; ok {
				return 0, nil, webhookError(ErrWebhookMixedHeaders, n+" in an X-Shopify-* delivery")
			}
		}
	} else if vs := h.Values(classicWebhookHeaders.hmac); len(vs) > 1 ||
		len(vs) == 1 && vs[0] != h.Get(eventWebhookHeaders.hmac) {
		return 0, nil, webhookError(ErrWebhookMixedHeaders, "two different HMAC headers")
	}
	for _, n := range names.required {
		if h.Get(n) != "" {
			continue
		}
		if t := twin(n); t != "" && h.Get(t) != "" {
			return 0, nil, webhookError(ErrWebhookMixedHeaders, n+" missing, "+t+" sent instead")
		}
		if n == names.hmac {
			return 0, nil, webhookError(ErrWebhookSignature, "no "+n+" header")
		}
		return 0, nil, webhookError(ErrWebhookMissingHeader, n)
	}
	return set, names, nil
}

// webhookMACEqual compares given with the padded standard base64 of the
// body's HMAC, in constant time.
func (c *Client) webhookMACEqual(body []byte, given string) bool {
	mac := hmac.New(sha256.New, []byte(c.cfg.APISecret))
	mac.Write(body)
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return subtle.ConstantTimeCompare([]byte(want), []byte(given)) == 1
}

// readRestoring is client.ReadRequestBody with the webhook's errors.
func readRestoring(r *http.Request, limit int64) ([]byte, error) {
	body, err := client.ReadRequestBody(r, limit)
	switch {
	case errors.Is(err, client.ErrBodyTooLarge):
		return nil, webhookError(ErrWebhookBodyTooLarge, "")
	case err != nil:
		return nil, webhookError(ErrWebhookBodyUnreadable, "")
	}
	return body, nil
}

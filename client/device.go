package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultDeviceInterval is the polling interval RFC 8628 §3.2 prescribes
// when the device authorization answer gives none.
const DefaultDeviceInterval = 5 * time.Second

// DeviceAuth is a device authorization in progress (RFC 8628 §3.2): show
// UserCode and VerificationURI (or VerificationURIComplete, e.g. as a QR
// code) to the user, then call PollDeviceToken. Printing it never shows
// the device code.
type DeviceAuth struct {
	// DeviceCode is the secret the client polls with. Never shown.
	DeviceCode string
	// UserCode is what the user types at VerificationURI.
	UserCode string
	// VerificationURI is where the user goes, on any device.
	VerificationURI string
	// VerificationURIComplete also carries the user code, when the
	// provider gives one.
	VerificationURIComplete string
	// Expiry is when the device code stops working.
	Expiry time.Time
	// Interval is the polling interval: DefaultDeviceInterval when the
	// provider gave none; a slow_down answer adds 5 s.
	Interval time.Duration

	// ended is shared by copies: once a poll got a terminal answer, the
	// device code is never polled again.
	ended *atomic.Bool
	// dpop is the key every poll's proof is signed with (nil without
	// DPoP): the tokens are bound to it.
	dpop *DPoPKey
}

// WithSleep sets how PollDeviceToken waits between polls (tests: a fake
// sleeper that advances a fake clock). It must return ctx's error when ctx
// ends first (Sleep, the default, does). A nil function makes New fail.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(o *options) error {
		if sleep == nil {
			return invalidOption("client.WithSleep", "nil function")
		}
		o.sleep = sleep
		return nil
	}
}

// Sleep waits for d, or until ctx ends and then returns ctx's error. A d
// of zero or less returns ctx's error at once (nil while ctx is live). It
// is how PollDeviceToken waits unless WithSleep says otherwise.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// StartDeviceAuth begins the device authorization grant (RFC 8628 §3.1):
// a form POST of client_id (with the client's authentication) and the
// scopes of WithScopes (Config.Scopes when the call gives none) to the
// provider's device authorization endpoint. An answer without device_code,
// user_code, verification_uri or expires_in is ErrBadResponse.
func (c *Client) StartDeviceAuth(ctx context.Context, opts ...ExchangeOption) (*DeviceAuth, error) {
	r := c.newRequest(GrantDeviceCode)
	r.Scopes = append([]string(nil), c.cfg.Scopes...)
	for _, o := range opts {
		if o != nil {
			o(r)
		}
	}
	if err := c.dpopKeyFor(r); err != nil {
		return nil, c.requestError(err, r)
	}
	params := map[string][]string{}
	if len(r.Scopes) > 0 {
		params["scope"] = []string{strings.Join(r.Scopes, " ")}
	}
	for k, v := range r.Params {
		params[k] = append([]string(nil), v...)
	}
	obj, err := c.callEndpoint(ctx, EndpointDeviceAuthorization, r, params, false)
	if err != nil {
		return nil, err
	}
	str := func(k string) string { v, _ := obj[k].(string); return v }
	da := &DeviceAuth{
		DeviceCode:              str("device_code"),
		UserCode:                str("user_code"),
		VerificationURI:         str("verification_uri"),
		VerificationURIComplete: str("verification_uri_complete"),
		Interval:                DefaultDeviceInterval,
		ended:                   new(atomic.Bool),
		dpop:                    r.DPoPKey,
	}
	r.DeviceCode = da.DeviceCode
	if da.VerificationURI == "" {
		da.VerificationURI = str("verification_url") // Google's pre-RFC name
	}
	lifetime := secondsOf(obj["expires_in"])
	if da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" || lifetime <= 0 {
		return nil, c.finishError(&Error{Kind: ErrBadResponse,
			Description: "device authorization answer needs device_code, user_code, verification_uri and expires_in"}, r, nil)
	}
	da.Expiry = r.Now.Add(lifetime)
	if d := secondsOf(obj["interval"]); d > 0 {
		da.Interval = d
	}
	return da, nil
}

// PollDeviceToken polls the token endpoint with the device code (RFC 8628
// §3.4) until the user answers, waiting Interval before each poll (see
// WithSleep): authorization_pending polls again, slow_down polls again 5 s
// more slowly for the rest of the flow, and so does a 429 or 503 (the
// provider did not act on the poll). The terminal answers end it:
// access_denied and expired_token match ErrReauthorize (start again),
// other errors their usual sentinels. A failure after which the provider
// may have issued the tokens (Error.MaybeConsumed) ends it too: the device
// code may be spent. The context ends it with an error matching ErrTransient
// that wraps the context's error. The device code is never polled after
// its expiry or a terminal answer, not even by a later call.
func (c *Client) PollDeviceToken(ctx context.Context, da *DeviceAuth, opts ...ExchangeOption) (*Session, error) {
	if ctx == nil {
		return nil, c.invalid("nil context")
	}
	if da == nil || da.DeviceCode == "" || da.ended == nil {
		return nil, c.invalid("PollDeviceToken needs the DeviceAuth StartDeviceAuth returned")
	}
	interval := max(da.Interval, time.Millisecond)
	for {
		if da.ended.Load() {
			return nil, c.invalid("the device code already had its final answer: start again")
		}
		if err := c.opts.sleep(ctx, interval); err != nil {
			return nil, &Error{Provider: c.cfg.Provider.Name(), Kind: ErrTransient, Description: "device authorization: stopped waiting", Err: err}
		}
		if !c.opts.now().Before(da.Expiry) {
			da.ended.Store(true)
			return nil, &Error{Provider: c.cfg.Provider.Name(), Kind: ErrReauthorize, Code: "expired_token", Description: "the device code expired before the user answered"}
		}
		r := c.newRequest(GrantDeviceCode)
		r.DeviceCode = da.DeviceCode
		r.DPoPKey = da.dpop
		for _, o := range opts {
			if o != nil {
				o(r)
			}
		}
		s, err := c.Do(ctx, r)
		if err == nil {
			da.ended.Store(true)
			return s, nil
		}
		var e *Error
		if !errors.As(err, &e) {
			da.ended.Store(true)
			return nil, err
		}
		switch {
		case e.Code == "authorization_pending":
		case e.Code == "slow_down" || e.Kind == ErrRateLimited || e.StatusCode == 503:
			interval += 5 * time.Second
			da.Interval = interval
		case e.Code == "access_denied" || e.Code == "expired_token":
			e.Kind = ErrReauthorize
			da.ended.Store(true)
			return nil, e
		case e.Kind == ErrTransient && !e.MaybeConsumed:
			// The poll never reached the provider: poll again.
		default:
			da.ended.Store(true)
			return nil, e
		}
	}
}

// String describes da without its device code.
func (da DeviceAuth) String() string {
	return fmt.Sprintf("client.DeviceAuth{DeviceCode: %s, UserCode: %s, VerificationURI: %s, Expiry: %s, Interval: %s}",
		RedactSecret(da.DeviceCode), da.UserCode, da.VerificationURI, formatExpiry(da.Expiry), da.Interval)
}

// GoString is the %#v form: the same as String.
func (da DeviceAuth) GoString() string { return da.String() }

// Format makes every fmt verb print the redacted form.
func (da DeviceAuth) Format(f fmt.State, verb rune) { FormatRedacted(f, verb, da.String()) }

// LogValue implements slog.LogValuer without the device code.
func (da DeviceAuth) LogValue() slog.Value { return slog.StringValue(da.String()) }

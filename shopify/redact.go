package shopify

import (
	"fmt"
	"log/slog"

	"github.com/oauthx/oauthx/client"
)

// String describes p with the session token as a fingerprint.
func (p TokenExchangeParams) String() string {
	return fmt.Sprintf("shopify.TokenExchangeParams{Shop: %s, SessionToken: %s, RequestedTokenType: %s, Expiring: %t}",
		p.Shop, client.RedactSecret(p.SessionToken), p.RequestedTokenType, p.Expiring)
}

// GoString is the %#v form: the same as String.
func (p TokenExchangeParams) GoString() string { return p.String() }

// Format makes every fmt verb print the redacted form.
func (p TokenExchangeParams) Format(f fmt.State, verb rune) {
	client.FormatRedacted(f, verb, p.String())
}

// LogValue implements slog.LogValuer without the session token.
func (p TokenExchangeParams) LogValue() slog.Value { return slog.StringValue(p.String()) }

// String describes cfg with the API secret as a fingerprint.
func (cfg Config) String() string {
	return fmt.Sprintf("shopify.Config{APIKey: %s, APISecret: %s, Scopes: %v}", cfg.APIKey, client.RedactSecret(cfg.APISecret), cfg.Scopes)
}

// GoString is the %#v form: the same as String.
func (cfg Config) GoString() string { return cfg.String() }

// Format makes every fmt verb print the redacted form.
func (cfg Config) Format(f fmt.State, verb rune) { client.FormatRedacted(f, verb, cfg.String()) }

// LogValue implements slog.LogValuer without the secret.
func (cfg Config) LogValue() slog.Value { return slog.StringValue(cfg.String()) }

// GoString is the %#v form: Reason, and Input as a fingerprint (a caller
// that swapped arguments may have passed a token where the shop goes).
// Value receivers, so that a ShopError value prints redacted too.
func (e ShopError) GoString() string {
	return fmt.Sprintf("&shopify.ShopError{Reason: %q, Input: %s}", e.Reason, client.RedactSecret(e.Input))
}

// Format makes every fmt verb print the error text (%#v: GoString), never
// Input in clear.
func (e ShopError) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, e.GoString())
		return
	}
	client.FormatRedacted(f, verb, (&e).Error())
}

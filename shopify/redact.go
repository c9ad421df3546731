package shopify

import (
	"fmt"
	"log/slog"

	"github.com/oauthx/oauthx/client"
)

// String describes p with the session token as a fingerprint.
func (p TokenExchangeParams) String() string {
	return fmt.Sprintf("shopify.TokenExchangeParams{Shop: %s, SessionToken: %s, RequestedTokenType: %s, Expiring: %t}",
		p.Shop, fingerprintOrEmpty(p.SessionToken), p.RequestedTokenType, p.Expiring)
}

// GoString is the %#v form: the same as String.
func (p TokenExchangeParams) GoString() string { return p.String() }

// Format makes every fmt verb print the redacted form.
func (p TokenExchangeParams) Format(f fmt.State, verb rune) { formatRedacted(f, verb, p.String()) }

// LogValue implements slog.LogValuer without the session token.
func (p TokenExchangeParams) LogValue() slog.Value { return slog.StringValue(p.String()) }

// String describes cfg with the API secret as a fingerprint.
func (cfg Config) String() string {
	return fmt.Sprintf("shopify.Config{APIKey: %s, APISecret: %s, Scopes: %v}", cfg.APIKey, fingerprintOrEmpty(cfg.APISecret), cfg.Scopes)
}

// GoString is the %#v form: the same as String.
func (cfg Config) GoString() string { return cfg.String() }

// Format makes every fmt verb print the redacted form.
func (cfg Config) Format(f fmt.State, verb rune) { formatRedacted(f, verb, cfg.String()) }

// LogValue implements slog.LogValuer without the secret.
func (cfg Config) LogValue() slog.Value { return slog.StringValue(cfg.String()) }

func fingerprintOrEmpty(secret string) string {
	if secret == "" {
		return `""`
	}
	return "<redacted " + client.Fingerprint(secret) + ">"
}

func formatRedacted(f fmt.State, verb rune, text string) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", text)
		return
	}
	fmt.Fprint(f, text)
}

package client

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
)

// The values callers build with secrets in them print redacted too, so a
// log line or an error wrapping one cannot show the secret.

// String describes cfg with the client secret as a fingerprint.
func (cfg Config) String() string {
	name := "<nil>"
	if cfg.Provider != nil {
		name = cfg.Provider.Name()
	}
	return fmt.Sprintf("client.Config{Provider: %s, ClientID: %s, ClientSecret: %s, RedirectURL: %s, Scopes: [%s]}",
		name, cfg.ClientID, RedactSecret(cfg.ClientSecret), cfg.RedirectURL, strings.Join(cfg.Scopes, " "))
}

// GoString is the %#v form: the same as String.
func (cfg Config) GoString() string { return cfg.String() }

// Format makes every fmt verb print the redacted form.
func (cfg Config) Format(f fmt.State, verb rune) { FormatRedacted(f, verb, cfg.String()) }

// LogValue implements slog.LogValuer without the secret.
func (cfg Config) LogValue() slog.Value { return slog.StringValue(cfg.String()) }

// String describes r with every secret (client secret, code, verifier,
// refresh token, subject and actor tokens) as a fingerprint.
func (r TokenRequest) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client.TokenRequest{Grant: %s, ClientID: %s, ClientSecret: %s", r.Grant, r.ClientID, RedactSecret(r.ClientSecret))
	for _, f := range [...]struct{ name, value string }{
		{"Code", RedactSecret(r.Code)}, {"CodeVerifier", RedactSecret(r.CodeVerifier)},
		{"RefreshToken", RedactSecret(r.RefreshToken)}, {"DeviceCode", RedactSecret(r.DeviceCode)},
		{"Token", RedactSecret(r.Token)}, {"RedirectURL", r.RedirectURL},
		{"Tenant", r.Tenant}, {"SessionID", r.SessionID}, {"Scopes", strings.Join(r.Scopes, " ")},
	} {
		if f.value != "" && f.value != `""` {
			fmt.Fprintf(&b, ", %s: %s", f.name, f.value)
		}
	}
	if r.Exchange != nil {
		b.WriteString(", Exchange: ")
		b.WriteString(r.Exchange.String())
	}
	if len(r.Params) > 0 {
		// Parameter values may be secrets of a provider's own: keys only.
		keys := make([]string, 0, len(r.Params))
		for k := range r.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, ", Params: [%s]", strings.Join(keys, " "))
	}
	if r.Previous != nil {
		b.WriteString(", Previous: ")
		b.WriteString(r.Previous.ID)
	}
	if r.DPoPKey != nil {
		b.WriteString(", DPoPKey: ")
		b.WriteString(r.DPoPKey.Thumbprint())
	}
	b.WriteString("}")
	return b.String()
}

// GoString is the %#v form: the same as String.
func (r TokenRequest) GoString() string { return r.String() }

// Format makes every fmt verb print the redacted form.
func (r TokenRequest) Format(f fmt.State, verb rune) { FormatRedacted(f, verb, r.String()) }

// LogValue implements slog.LogValuer without the secrets.
func (r TokenRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// String describes x with the subject and actor tokens as fingerprints.
func (x TokenExchangeRequest) String() string {
	return fmt.Sprintf("client.TokenExchangeRequest{SubjectToken: %s, SubjectTokenType: %s, RequestedTokenType: %s, ActorToken: %s, Audience: [%s], Resource: [%s], Scopes: [%s], Tenant: %s, SessionID: %s}",
		RedactSecret(x.SubjectToken), x.SubjectTokenType, x.RequestedTokenType, RedactSecret(x.ActorToken),
		strings.Join(x.Audience, " "), strings.Join(x.Resource, " "), strings.Join(x.Scopes, " "), x.Tenant, x.SessionID)
}

// GoString is the %#v form: the same as String.
func (x TokenExchangeRequest) GoString() string { return x.String() }

// Format makes every fmt verb print the redacted form.
func (x TokenExchangeRequest) Format(f fmt.State, verb rune) { FormatRedacted(f, verb, x.String()) }

// LogValue implements slog.LogValuer without the secrets.
func (x TokenExchangeRequest) LogValue() slog.Value { return slog.StringValue(x.String()) }

// FormatRedacted prints text, already redacted, for any verb (%q quotes
// it): the body of a Format method that makes every verb print a type's
// redacted String.
func FormatRedacted(f fmt.State, verb rune, text string) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", text)
		return
	}
	fmt.Fprint(f, text)
}

// String describes r with its access token as a fingerprint and its
// Secrets and Body left out.
func (r APIRequest) String() string {
	return fmt.Sprintf("client.APIRequest{Method: %s, URL: %s, AccessToken: %s, TokenHeader: %s, BasicAuth: %t, Secrets: %d <redacted>}",
		r.Method, r.URL, RedactSecret(r.AccessToken), r.TokenHeader, r.BasicAuth, len(r.Secrets))
}

// GoString is the %#v form: the same as String.
func (r APIRequest) GoString() string { return r.String() }

// Format makes every fmt verb print the redacted form.
func (r APIRequest) Format(f fmt.State, verb rune) { FormatRedacted(f, verb, r.String()) }

// LogValue implements slog.LogValuer without the secrets.
func (r APIRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

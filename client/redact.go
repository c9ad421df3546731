package client

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
)

// Fingerprint returns a short, non-reversible tag for a secret, such as
// "sha256:1a2b3c4d", so two values can be told apart in logs without showing
// either. It returns "" for an empty secret.
func Fingerprint(secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(secret))
	return "sha256:" + hex.EncodeToString(sum[:4])
}

// String returns a one-line description of s with every token replaced by
// its Fingerprint. It never contains a token.
func (s Session) String() string {
	var b strings.Builder
	b.WriteString("Session{ID: ")
	b.WriteString(s.ID)
	b.WriteString(", Provider: ")
	b.WriteString(s.Provider)
	if s.Subject != "" {
		b.WriteString(", Subject: ")
		b.WriteString(s.Subject)
	}
	b.WriteString(", AccessToken: ")
	b.WriteString(RedactSecret(s.AccessToken))
	if s.RefreshToken != "" {
		b.WriteString(", RefreshToken: ")
		b.WriteString(RedactSecret(s.RefreshToken))
	}
	if s.IDToken != "" {
		b.WriteString(", IDToken: ")
		b.WriteString(RedactSecret(s.IDToken))
	}
	if s.DPoPKey != nil {
		b.WriteString(", DPoPKey: ")
		b.WriteString(s.DPoPKey.Thumbprint())
	}
	b.WriteString(", Expiry: ")
	b.WriteString(formatExpiry(s.Expiry))
	if !s.RefreshExpiry.IsZero() {
		b.WriteString(", RefreshExpiry: ")
		b.WriteString(s.RefreshExpiry.UTC().Format(time.RFC3339))
	}
	if len(s.Scopes) > 0 {
		b.WriteString(", Scopes: ")
		b.WriteString(strings.Join(s.Scopes, " "))
	}
	if len(s.Extra) > 0 {
		b.WriteString(", Extra: [")
		b.WriteString(strings.Join(extraKeys(s.Extra), " "))
		b.WriteString("]")
	}
	b.WriteString("}")
	return b.String()
}

// GoString is the %#v form: the same redacted text as String.
func (s Session) GoString() string { return "client." + s.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, …) print the redacted
// form, so a Session can never be printed with its tokens.
func (s Session) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	FormatRedacted(f, verb, s.String())
}

// LogValue implements slog.LogValuer: a group of the non-secret fields and
// fingerprints of the tokens.
func (s Session) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("id", s.ID),
		slog.String("provider", s.Provider),
		slog.String("access_token", RedactSecret(s.AccessToken)),
		slog.String("expiry", formatExpiry(s.Expiry)),
	}
	if s.Subject != "" {
		attrs = append(attrs, slog.String("subject", s.Subject))
	}
	if s.RefreshToken != "" {
		attrs = append(attrs, slog.String("refresh_token", RedactSecret(s.RefreshToken)))
	}
	if len(s.Scopes) > 0 {
		attrs = append(attrs, slog.String("scopes", strings.Join(s.Scopes, " ")))
	}
	if s.DPoPKey != nil {
		attrs = append(attrs, slog.String("dpop_jkt", s.DPoPKey.Thumbprint()))
	}
	return slog.GroupValue(attrs...)
}

// RedactSecret is how a secret prints: <redacted sha256:…> (its Fingerprint),
// or "" quoted when it is empty.
func RedactSecret(secret string) string {
	if secret == "" {
		return `""`
	}
	return "<redacted " + Fingerprint(secret) + ">"
}

func formatExpiry(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

func extraKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

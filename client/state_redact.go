package client

import (
	"fmt"
	"log/slog"
	"strconv"
)

// String describes the login without its secrets: the state and the PKCE
// verifier are shown as fingerprints, Binding not at all.
func (st AuthState) String() string {
	return "AuthState{State: " + RedactSecret(st.State) + ", Verifier: " + RedactSecret(st.Verifier) +
		", RedirectURL: " + strconv.Quote(st.RedirectURL) + ", ReturnTo: " + strconv.Quote(st.ReturnTo) +
		", Extra: " + strconv.Quote(st.Extra) + ", Expires: " + formatExpiry(st.Expires) + "}"
}

// GoString is String, so %#v is redacted too.
func (st AuthState) GoString() string { return "client." + st.String() }

// Format prints String under every verb.
func (st AuthState) Format(f fmt.State, verb rune) { FormatRedacted(f, verb, st.String()) }

// LogValue logs String.
func (st AuthState) LogValue() slog.Value { return slog.StringValue(st.String()) }

// String describes the BrowserState without its keys.
func (b *BrowserState) String() string {
	if b == nil {
		return "BrowserState(nil)"
	}
	kind := "signed, " + strconv.Itoa(len(b.keys)) + " key(s) <redacted>"
	if b.store != nil {
		kind = "server-side store"
	}
	return "BrowserState{" + kind + ", cookie " + b.name + " path " + b.path + ", lifetime " + b.lifetime.String() + "}"
}

// GoString is String, so %#v is redacted too.
func (b *BrowserState) GoString() string { return "client." + b.String() }

// Format prints String under every verb.
func (b *BrowserState) Format(f fmt.State, verb rune) { FormatRedacted(f, verb, b.String()) }

// LogValue logs String.
func (b *BrowserState) LogValue() slog.Value { return slog.StringValue(b.String()) }

// String describes cfg without its keys: only how many there are.
func (cfg BrowserStateConfig) String() string {
	return "client.BrowserStateConfig{Key: " + strconv.Itoa(len(cfg.Key)) + " bytes <redacted>, PreviousKeys: " +
		strconv.Itoa(len(cfg.PreviousKeys)) + " <redacted>, Store: " + strconv.FormatBool(cfg.Store != nil) +
		", CookieName: " + strconv.Quote(cfg.CookieName) + ", CookiePath: " + strconv.Quote(cfg.CookiePath) +
		", Lifetime: " + cfg.Lifetime.String() + "}"
}

// GoString is String, so %#v is redacted too.
func (cfg BrowserStateConfig) GoString() string { return cfg.String() }

// Format prints String under every verb.
func (cfg BrowserStateConfig) Format(f fmt.State, verb rune) { FormatRedacted(f, verb, cfg.String()) }

// LogValue logs String.
func (cfg BrowserStateConfig) LogValue() slog.Value { return slog.StringValue(cfg.String()) }

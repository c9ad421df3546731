package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
)

// sessionView is how show, list and the saving commands print a session.
// Tokens are fingerprints ("<redacted sha256:…>") unless revealed.
type sessionView struct {
	Name          string         `json:"name"`
	Provider      string         `json:"provider"`
	Subject       string         `json:"subject,omitempty"`
	BaseURL       string         `json:"base_url,omitempty"`
	ClientID      string         `json:"client_id,omitempty"`
	TokenType     string         `json:"token_type,omitempty"`
	AccessToken   string         `json:"access_token"`
	RefreshToken  string         `json:"refresh_token,omitempty"`
	IDToken       string         `json:"id_token,omitempty"`
	DPoPKey       string         `json:"dpop_jkt,omitempty"` // the key's thumbprint; the key is never shown
	Expiry        *time.Time     `json:"expiry"`
	NeverExpires  bool           `json:"never_expires"`
	Valid         bool           `json:"valid"`
	RefreshExpiry *time.Time     `json:"refresh_expiry,omitempty"`
	Scopes        []string       `json:"scopes,omitempty"`
	IssuedAt      *time.Time     `json:"issued_at,omitempty"`
	ExtraKeys     []string       `json:"extra_keys,omitempty"`
	Extra         map[string]any `json:"extra,omitempty"`
	Revealed      bool           `json:"revealed"`
}

// redact is the fingerprint form of a token, as client.Session prints it.
func redact(tok string) string {
	if tok == "" {
		return ""
	}
	return "<redacted " + client.Fingerprint(tok) + ">"
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// viewOf builds the view of s at now. With reveal, tokens and Extra
// values are shown in clear.
func viewOf(s *client.Session, now time.Time, reveal bool) sessionView {
	m, _ := metaOf(s)
	v := sessionView{
		Name: s.ID, Provider: s.Provider, Subject: s.Subject, BaseURL: m.BaseURL, ClientID: m.ClientID,
		TokenType: s.TokenType, Expiry: timePtr(s.Expiry), NeverExpires: s.NeverExpires(),
		Valid: s.ValidAt(now, client.DefaultExpiryMargin), RefreshExpiry: timePtr(s.RefreshExpiry),
		Scopes: s.Scopes, IssuedAt: timePtr(s.IssuedAt), Revealed: reveal,
	}
	if s.DPoPKey != nil {
		v.DPoPKey = s.DPoPKey.Thumbprint()
	}
	for k := range s.Extra {
		if k != metaKey {
			v.ExtraKeys = append(v.ExtraKeys, k)
		}
	}
	sort.Strings(v.ExtraKeys)
	if reveal {
		v.AccessToken, v.RefreshToken, v.IDToken = s.AccessToken, s.RefreshToken, s.IDToken
		if len(v.ExtraKeys) > 0 {
			v.Extra = map[string]any{}
			for _, k := range v.ExtraKeys {
				v.Extra[k] = s.Extra[k]
			}
		}
	} else {
		v.AccessToken, v.RefreshToken, v.IDToken = redact(s.AccessToken), redact(s.RefreshToken), redact(s.IDToken)
	}
	return v
}

// expiryText says when a session's access token expires, for humans.
func expiryText(s *client.Session, now time.Time) string {
	if s.NeverExpires() {
		return "never expires"
	}
	d := s.Expiry.Sub(now).Round(time.Second)
	if d <= 0 {
		return fmt.Sprintf("expired %s ago (%s)", -d, s.Expiry.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("expires in %s (%s)", d, s.Expiry.UTC().Format(time.RFC3339))
}

// writeView prints v as "key: value" lines.
func writeView(w io.Writer, v sessionView) {
	line := func(k, val string) {
		if val != "" {
			fmt.Fprintf(w, "%-14s %s\n", k+":", val)
		}
	}
	line("name", v.Name)
	line("provider", v.Provider)
	line("subject", v.Subject)
	line("base url", v.BaseURL)
	line("client id", v.ClientID)
	line("token type", v.TokenType)
	line("access token", v.AccessToken)
	line("refresh token", v.RefreshToken)
	line("id token", v.IDToken)
	line("dpop key", v.DPoPKey)
	switch {
	case v.NeverExpires:
		line("expiry", "never")
	case v.Expiry != nil:
		line("expiry", v.Expiry.Format(time.RFC3339))
	}
	line("valid", fmt.Sprint(v.Valid))
	if v.RefreshExpiry != nil {
		line("refresh until", v.RefreshExpiry.Format(time.RFC3339))
	}
	line("scopes", strings.Join(v.Scopes, " "))
	if v.IssuedAt != nil {
		line("issued at", v.IssuedAt.Format(time.RFC3339))
	}
	if v.Extra != nil {
		for _, k := range v.ExtraKeys {
			line("extra."+k, fmt.Sprint(v.Extra[k]))
		}
	} else {
		line("extra", strings.Join(v.ExtraKeys, " "))
	}
}

// saved reports a session the command just stored.
func (c *cli) saved(verb string, s *client.Session, now time.Time) error {
	if c.json {
		return c.printJSON(viewOf(s, now, false))
	}
	subj := ""
	if s.Subject != "" {
		subj = ", subject " + s.Subject
	}
	_, err := fmt.Fprintf(c.stdout, "%s %q (%s%s): access token %s, %s\n", verb, s.ID, s.Provider, subj, redact(s.AccessToken), expiryText(s, now))
	return err
}

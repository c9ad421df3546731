package main

import (
	"net/http"
	"strings"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/shopify"
)

// Provider names the CLI knows.
const (
	provGeneric  = "generic"
	provFinch    = "finch"
	provPassport = "passport"
	provShopify  = "shopify"
)

// metaKey is the Session.Extra key under which the CLI records what it
// needs to rebuild a session's client later (refresh, token, logout):
// the provider, its base URL and the client id. Never the secret.
const metaKey = "oauthx_cli"

// sessionMeta is what metaKey holds.
type sessionMeta struct {
	Provider string `json:"provider"`
	BaseURL  string `json:"base_url,omitempty"`
	ClientID string `json:"client_id"`
	// The generic provider's endpoints, when not under BaseURL (generic.go).
	TokenURL      string `json:"token_url,omitempty"`
	RevocationURL string `json:"revocation_url,omitempty"`
}

func (m sessionMeta) extra() map[string]any {
	v := map[string]any{"provider": m.Provider, "client_id": m.ClientID}
	for k, s := range map[string]string{"base_url": m.BaseURL, "token_url": m.TokenURL, "revocation_url": m.RevocationURL} {
		if s != "" {
			v[k] = s
		}
	}
	return v
}

// metaOf reads a session's metadata; ok is false when the session was not
// saved by the CLI (or by an older one): then Provider is s.Provider.
func metaOf(s *client.Session) (sessionMeta, bool) {
	m, ok := s.Extra[metaKey].(map[string]any)
	str := func(k string) string { v, _ := m[k].(string); return v }
	meta := sessionMeta{Provider: str("provider"), BaseURL: str("base_url"), ClientID: str("client_id"),
		TokenURL: str("token_url"), RevocationURL: str("revocation_url")}
	if meta.Provider == "" {
		meta.Provider = s.Provider
	}
	return meta, ok && meta.ClientID != ""
}

// stamp records m in s and names it.
func stamp(s *client.Session, name string, m sessionMeta) {
	if s.Extra == nil {
		s.Extra = map[string]any{}
	}
	s.Extra[metaKey] = m.extra()
	if name != "" {
		s.ID = name
	}
}

// stampingProvider wraps a provider so that every session it returns
// carries the CLI metadata: a refresh answer does not repeat Extra, and
// tokenstore.TokenSource saves the refreshed session before we see it.
type stampingProvider struct {
	client.Provider
	meta sessionMeta
}

func (p stampingProvider) ParseTokenResponse(r *client.TokenRequest, resp *client.Response) (*client.Session, error) {
	s, err := p.Provider.ParseTokenResponse(r, resp)
	if err == nil && s != nil {
		stamp(s, "", p.meta)
	}
	return s, err
}

// Validate forwards to the wrapped provider's check, if it has one.
func (p stampingProvider) Validate() error {
	if v, ok := p.Provider.(client.Validator); ok {
		return v.Validate()
	}
	return nil
}

// target is everything needed to talk to one provider as one client.
type target struct {
	meta        sessionMeta
	authURL     string // authorize / Connect page override
	secret      string
	redirectURL string
	scopes      []string
	httpClient  *http.Client
}

// clients are the clients of one target.
type clients struct {
	// plain uses the provider package's own adapter: authorize URLs,
	// Finch Connect and Disconnect, Passport discovery.
	plain *client.Client
	// tokens is plain with a provider that stamps the CLI metadata on every
	// session: for code exchanges and refreshes.
	tokens *client.Client
	// shop is set for Shopify.
	shop *shopify.Client
	// meta is what tokens stamps on sessions.
	meta sessionMeta
}

// newClients builds the clients of t. A bad provider name, a missing
// client id or base URL is a usage error.
func newClients(t target) (*clients, error) {
	m := t.meta
	if m.ClientID == "" {
		return nil, usagef("%s needs a client id: --client-id or $%s", m.Provider, envClientID)
	}
	var opts []client.Option
	if t.httpClient != nil {
		opts = append(opts, client.WithHTTPClient(t.httpClient))
	}
	var p client.Provider
	cl := &clients{meta: m}
	switch m.Provider {
	case provGeneric:
		if m.BaseURL == "" && m.TokenURL == "" {
			return nil, usagef("the generic provider needs --base-url (its token endpoint is BASE/oauth2/token) or --token-url")
		}
		p = providers.Generic(m.BaseURL, genericOptions(m, t.authURL)...)
	case provFinch:
		var fopts []finch.Option
		if m.BaseURL != "" {
			fopts = append(fopts, finch.WithBaseURL(m.BaseURL))
			// A sandbox or fake serves its Connect page at BASE/authorize.
			fopts = append(fopts, finch.WithConnectURL(strings.TrimRight(m.BaseURL, "/")+"/authorize"))
		}
		if t.authURL != "" {
			fopts = append(fopts, finch.WithConnectURL(t.authURL))
		}
		p = finch.Provider(fopts...)
	case provPassport:
		var popts []passport.Option
		if m.BaseURL != "" {
			popts = append(popts, passport.WithBaseURL(m.BaseURL))
		}
		p = passport.Provider(popts...)
	case provShopify:
		if t.secret == "" {
			return nil, usagef("shopify needs the app's API secret: set %s or pass --client-secret-stdin", envClientSecret)
		}
		sc, err := shopify.New(shopify.Config{APIKey: m.ClientID, APISecret: t.secret, InsecureShopBaseURL: m.BaseURL}, opts...)
		if err != nil {
			return nil, usagef("shopify: %v", err)
		}
		cl.shop = sc
		cl.plain = sc.TokenClient()
		p = cl.plain.Provider()
	default:
		return nil, usagef("unknown provider %q (want generic, finch, passport or shopify)", m.Provider)
	}
	cfg := client.Config{Provider: p, ClientID: m.ClientID, ClientSecret: t.secret, RedirectURL: t.redirectURL, Scopes: t.scopes}
	var err error
	if cl.plain == nil {
		if cl.plain, err = client.New(cfg, opts...); err != nil {
			return nil, usagef("%s: %v", m.Provider, err)
		}
	}
	cfg.Provider = stampingProvider{Provider: p, meta: m}
	if cl.tokens, err = client.New(cfg, opts...); err != nil {
		return nil, usagef("%s: %v", m.Provider, err)
	}
	return cl, nil
}

// splitList splits a comma- or space-separated flag value.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

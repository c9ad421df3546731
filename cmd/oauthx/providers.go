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
	Issuer        string `json:"issuer,omitempty"`
	TokenURL      string `json:"token_url,omitempty"`
	AuthURL       string `json:"auth_url,omitempty"`
	RevocationURL string `json:"revocation_url,omitempty"`
	DeviceAuthURL string `json:"device_auth_url,omitempty"`
	ClientAuth    string `json:"client_auth,omitempty"`
	// DPoP: the generic provider's tokens are bound to the session's
	// DPoP key (--dpop).
	DPoP bool `json:"dpop,omitempty"`
}

func (m sessionMeta) extra() map[string]any {
	v := map[string]any{"provider": m.Provider, "client_id": m.ClientID}
	for k, s := range m.optionalFields() {
		if *s != "" {
			v[k] = *s
		}
	}
	if m.DPoP {
		v["dpop"] = true
	}
	return v
}

// metaOf reads a session's metadata; ok is false when the session was not
// saved by the CLI (or by an older one): then Provider is s.Provider.
func metaOf(s *client.Session) (sessionMeta, bool) {
	m, ok := s.Extra[metaKey].(map[string]any)
	str := func(k string) string { v, _ := m[k].(string); return v }
	meta := sessionMeta{Provider: str("provider"), ClientID: str("client_id")}
	for k, p := range meta.optionalFields() {
		*p = str(k)
	}
	meta.DPoP, _ = m["dpop"].(bool)
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

// target is everything needed to talk to one provider as one client.
type target struct {
	meta        sessionMeta
	authURL     string // authorize page override (generic)
	secret      string
	redirectURL string
	scopes      []string
	httpClient  *http.Client
}

// clients is the one client of a target: tokens makes every token call;
// for the provider packages with calls of their own, the typed client
// built around it makes those (Connect Sessions and Disconnect for Finch;
// discovery, authorize URLs and userinfo for Passport; session tokens and
// the Admin API for Shopify).
type clients struct {
	tokens   *client.Client
	finch    *finch.Client    // finch only
	passport *passport.Client // passport only
	shop     *shopify.Client  // shopify only
	// meta is what the CLI stamps on the sessions it saves; a refresh
	// carries it over (client.Client.Refresh keeps Extra).
	meta sessionMeta
}

// newClients builds the client of t. A bad provider name, a missing
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
	cl := &clients{meta: m}
	var err error
	switch m.Provider {
	case provGeneric:
		if m.BaseURL == "" && m.TokenURL == "" {
			return nil, usagef("the generic provider needs --base-url (its token endpoint is BASE/oauth2/token), --token-url or --issuer")
		}
		cl.tokens, err = client.New(client.Config{Provider: providers.Generic(m.BaseURL, genericOptions(m, t.authURL)...), ClientID: m.ClientID,
			ClientSecret: t.secret, RedirectURL: t.redirectURL, Scopes: t.scopes}, opts...)
	case provFinch:
		// No Connect page here: each login's comes from its Connect Session.
		fc := finch.Config{ClientID: m.ClientID, ClientSecret: t.secret, RedirectURL: t.redirectURL, BaseURL: m.BaseURL}
		if cl.finch, err = finch.New(fc, opts...); err == nil {
			cl.tokens = cl.finch.TokenClient()
		}
	case provPassport:
		cl.passport, err = passport.New(passport.Config{ClientID: m.ClientID, ClientSecret: t.secret,
			RedirectURL: t.redirectURL, Scopes: t.scopes, BaseURL: m.BaseURL}, opts...)
		if err == nil {
			cl.tokens = cl.passport.TokenClient()
		}
	case provShopify:
		if t.secret == "" {
			return nil, usagef("shopify needs the app's API secret: set %s or pass --client-secret-stdin", envClientSecret)
		}
		cl.shop, err = shopify.New(shopify.Config{APIKey: m.ClientID, APISecret: t.secret, InsecureShopBaseURL: m.BaseURL}, opts...)
		if err == nil {
			cl.tokens = cl.shop.TokenClient()
		}
	default:
		return nil, usagef("unknown provider %q (want generic, finch, passport or shopify)", m.Provider)
	}
	if err != nil {
		return nil, usagef("%s: %v", m.Provider, err)
	}
	return cl, nil
}

// splitList splits a comma- or space-separated flag value.
func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

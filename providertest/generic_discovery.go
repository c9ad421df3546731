package providertest

import (
	"net/http"
	"strings"
)

// The generic fake's metadata documents: RFC 8414's
// /.well-known/oauth-authorization-server and OpenID Connect's
// /.well-known/openid-configuration, for providers.Discover.

// discoveryConfig says which documents the fake serves and how.
type discoveryConfig struct {
	oidcOnly bool                 // serve only /.well-known/openid-configuration
	edit     func(map[string]any) // changes the document before it is served
}

// WithOIDCDiscoveryOnly serves the metadata only at
// /.well-known/openid-configuration, as OpenID providers without RFC 8414
// do; /.well-known/oauth-authorization-server answers 404.
func WithOIDCDiscoveryOnly() GenericOption {
	return genericOption(func(c *genericConfig) { c.ext.discovery.oidcOnly = true })
}

// WithMetadataEdit lets a test change the metadata document before it is
// served (a wrong issuer, PKCE "plain" only, an http:// endpoint, a missing
// member). A nil edit is ignored.
func WithMetadataEdit(edit func(doc map[string]any)) GenericOption {
	return genericOption(func(c *genericConfig) {
		if edit != nil {
			c.ext.discovery.edit = edit
		}
	})
}

// Issuer is the fake's issuer identifier: its URL, for providers.Discover.
func (g *Generic) Issuer() string { return g.URL }

// Metadata returns the document the fake serves, after WithMetadataEdit.
func (g *Generic) Metadata() map[string]any { return g.metadataAt(g.URL) }

// metadataAt is the document of the fake at base.
func (g *Generic) metadataAt(base string) map[string]any {
	doc := map[string]any{
		"issuer":                                        base,
		"authorization_endpoint":                        base + "/oauth2/authorize",
		"token_endpoint":                                base + "/oauth2/token",
		"revocation_endpoint":                           base + "/oauth2/revoke",
		"introspection_endpoint":                        base + "/oauth2/introspect",
		"device_authorization_endpoint":                 base + "/oauth2/device_authorization",
		"userinfo_endpoint":                             base + "/userinfo",
		"response_types_supported":                      []string{"code"},
		"grant_types_supported":                         []string{"authorization_code", "refresh_token", "client_credentials", deviceGrant},
		"token_endpoint_auth_methods_supported":         []string{"client_secret_basic", "client_secret_post"},
		"revocation_endpoint_auth_methods_supported":    []string{"client_secret_basic", "client_secret_post"},
		"introspection_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":              []string{"S256"},
	}
	if g.cfg.ext.dpop.enabled {
		doc["dpop_signing_alg_values_supported"] = []string{"ES256", "EdDSA", "RS256"} // RFC 9449 §5.1
	}
	if g.cfg.ext.discovery.edit != nil {
		g.cfg.ext.discovery.edit(doc)
	}
	return doc
}

// baseOf is the fake's base URL as a request reached it (g.URL is set
// after the server starts, so handlers do not read it).
func baseOf(r *http.Request) string { return "http://" + r.Host }

// metadata serves a metadata document at its well-known path.
func (g *Generic) metadata(oidc bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "metadata takes GET", http.StatusMethodNotAllowed)
			return
		}
		if !oidc && g.cfg.ext.discovery.oidcOnly {
			http.NotFound(w, r)
			return
		}
		g.count(func(s *GenericStats) { s.MetadataRequests++ })
		if !strings.Contains(r.Header.Get("Accept"), "json") && r.Header.Get("Accept") != "" {
			http.Error(w, "metadata is JSON", http.StatusNotAcceptable)
			return
		}
		writeJSON(w, http.StatusOK, g.metadataAt(baseOf(r)))
	}
}

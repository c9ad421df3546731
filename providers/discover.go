package providers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// Metadata is an authorization server's metadata document (RFC 8414 §2,
// and the OpenID Connect Discovery 1.0 members oauthx uses).
type Metadata struct {
	// Issuer is the server's issuer identifier; it must equal the issuer
	// the document was fetched for.
	Issuer string `json:"issuer"`
	// AuthorizationEndpoint, TokenEndpoint, JWKSURI, UserinfoEndpoint,
	// RevocationEndpoint, IntrospectionEndpoint and
	// DeviceAuthorizationEndpoint are the URLs of the server's endpoints
	// and key set (empty: not offered).
	AuthorizationEndpoint       string `json:"authorization_endpoint,omitempty"`
	TokenEndpoint               string `json:"token_endpoint,omitempty"`
	JWKSURI                     string `json:"jwks_uri,omitempty"`
	UserinfoEndpoint            string `json:"userinfo_endpoint,omitempty"`
	RevocationEndpoint          string `json:"revocation_endpoint,omitempty"`
	IntrospectionEndpoint       string `json:"introspection_endpoint,omitempty"`
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint,omitempty"`
	// ScopesSupported, ResponseTypesSupported, GrantTypesSupported,
	// TokenEndpointAuthMethodsSupported, TokenEndpointAuthSigningAlgs,
	// CodeChallengeMethodsSupported, DPoPSigningAlgValuesSupported,
	// RevocationEndpointAuthMethods and IntrospectionEndpointAuthMethods
	// list what the server says it supports (the *_supported members of
	// the same names).
	ScopesSupported                   []string `json:"scopes_supported,omitempty"`
	ResponseTypesSupported            []string `json:"response_types_supported,omitempty"`
	GrantTypesSupported               []string `json:"grant_types_supported,omitempty"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	TokenEndpointAuthSigningAlgs      []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported,omitempty"`
	DPoPSigningAlgValuesSupported     []string `json:"dpop_signing_alg_values_supported,omitempty"`
	// AuthorizationResponseIssParameter is true when the server adds iss
	// to authorization responses (RFC 9207).
	AuthorizationResponseIssParameter bool     `json:"authorization_response_iss_parameter_supported,omitempty"`
	RevocationEndpointAuthMethods     []string `json:"revocation_endpoint_auth_methods_supported,omitempty"`
	IntrospectionEndpointAuthMethods  []string `json:"introspection_endpoint_auth_methods_supported,omitempty"`
	// RequirePushedAuthorizationRequests is true when the server accepts
	// authorization requests only through PAR (RFC 9126).
	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests,omitempty"`
}

// Well-known paths of the two metadata documents Discover reads.
const (
	OAuthMetadataPath = "/.well-known/oauth-authorization-server" // RFC 8414 §3
	OIDCMetadataPath  = "/.well-known/openid-configuration"       // OpenID Connect Discovery 1.0 §4
)

// Client authentication method names (RFC 8414 §2, IANA "OAuth Token
// Endpoint Authentication Methods").
const (
	MethodClientSecretBasic = "client_secret_basic"
	MethodClientSecretPost  = "client_secret_post"
	MethodNone              = "none"
)

// DiscoverOption configures Discover.
type DiscoverOption func(*discoverConfig)

type discoverConfig struct {
	httpClient *http.Client
	name       string
	opts       []GenericOption
	errs       []error
}

// WithDiscoveryHTTPClient fetches the metadata through hc (default: an
// http.Client with client.DefaultHTTPTimeout). A nil hc makes Discover
// fail.
func WithDiscoveryHTTPClient(hc *http.Client) DiscoverOption {
	return func(c *discoverConfig) {
		if hc == nil {
			c.errs = append(c.errs, &client.OptionError{Option: "providers.WithDiscoveryHTTPClient", Reason: "nil *http.Client"})
			return
		}
		c.httpClient = hc
	}
}

// WithDiscoveredName names the provider (Session.Provider; default
// "generic"). An empty name makes Discover fail.
func WithDiscoveredName(name string) DiscoverOption {
	return func(c *discoverConfig) {
		if name == "" {
			c.errs = append(c.errs, &client.OptionError{Option: "providers.WithDiscoveredName", Reason: "empty name"})
			return
		}
		c.name = name
	}
}

// WithSpecOptions applies Generic's options after the metadata has
// configured the Spec: to override an endpoint, the client authentication
// or the default lifetime.
func WithSpecOptions(opts ...GenericOption) DiscoverOption {
	return func(c *discoverConfig) { c.opts = append(c.opts, opts...) }
}

// Discover reads the authorization server metadata of issuer — RFC 8414's
// /.well-known/oauth-authorization-server first, then OpenID Connect's
// /.well-known/openid-configuration when the first is not there (404 and
// the other 4xx answers) — and returns a generic provider configured from
// it: the token, authorization, revocation, introspection and device
// authorization endpoints, and the client authentication method
// (client_secret_basic when the server lists it or lists nothing, as RFC
// 8414 defaults to; else client_secret_post; else "none", for public
// clients; WithSpecOptions(WithPrivateKeyJWT(…)) or another option
// overrides it). The result is a *Provider; its Metadata method returns
// the document.
//
// The document's "issuer" must equal issuer exactly (RFC 8414 §3.3), and
// every endpoint in it must be https:// (or http:// on a loopback host), or
// Discover fails with an *client.Error matching client.ErrBadResponse. A
// server that supports PKCE only with the "plain" method is refused: oauthx
// sends S256 challenges only. A server that lists no client authentication
// oauthx can do is refused too. Network failures and 5xx answers match
// client.ErrTransient.
func Discover(ctx context.Context, issuer string, opts ...DiscoverOption) (client.Provider, error) {
	cfg := discoverConfig{httpClient: &http.Client{Timeout: client.DefaultHTTPTimeout}, name: "generic"}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	if ctx == nil {
		return nil, discoverError(client.ErrInvalidRequest, "nil context")
	}
	iu, err := url.Parse(issuer)
	if err != nil || issuer == "" {
		return nil, discoverError(client.ErrInvalidRequest, "issuer must be a URL like https://auth.example.com")
	}
	if iu.RawQuery != "" || iu.Fragment != "" || iu.ForceQuery {
		return nil, discoverError(client.ErrInvalidRequest, "issuer must not carry a query or fragment (RFC 8414 §2)")
	}
	if err := client.CheckEndpoint(iu); err != nil {
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Description: "discovery", Err: err}
	}
	md, err := fetchMetadata(ctx, cfg.httpClient, iu)
	if err != nil {
		return nil, err
	}
	if md.Issuer != issuer {
		return nil, discoverError(client.ErrBadResponse, "metadata issuer "+quoteURL(md.Issuer)+" is not the issuer asked for, "+quoteURL(issuer))
	}
	spec, err := specFrom(cfg.name, md)
	if err != nil {
		return nil, err
	}
	authErr := chooseClientAuth(&spec, md)
	discovered := spec.ClientAuth
	for _, o := range cfg.opts {
		if o != nil {
			o(&spec)
		}
	}
	if authErr != nil && spec.ClientAuth == discovered {
		if spec.Err != nil {
			return nil, spec.Err // an option meant to choose one, with a bad value
		}
		return nil, authErr // no option chose a method either
	}
	p, err := New(spec)
	if err != nil {
		return nil, &client.Error{Kind: client.ErrBadResponse, Description: "discovered metadata", Err: err}
	}
	return p, nil
}

// Metadata returns the authorization server metadata the provider was
// discovered from, or nil for a provider not built by Discover.
func (p *Provider) Metadata() *Metadata { return p.spec.Metadata }

// specFrom configures a Spec from checked metadata.
func specFrom(name string, md *Metadata) (Spec, error) {
	if md.TokenEndpoint == "" {
		return Spec{}, discoverError(client.ErrBadResponse, "metadata has no token_endpoint")
	}
	if m := md.CodeChallengeMethodsSupported; len(m) > 0 && !slices.Contains(m, "S256") {
		return Spec{}, discoverError(client.ErrBadResponse, "the server supports PKCE only with "+strings.Join(m, ", ")+": oauthx refuses plain and sends S256 only")
	}
	spec := Spec{
		Name:             name,
		TokenURL:         md.TokenEndpoint,
		AuthURL:          md.AuthorizationEndpoint,
		RevocationURL:    md.RevocationEndpoint,
		IntrospectionURL: md.IntrospectionEndpoint,
		DeviceAuthURL:    md.DeviceAuthorizationEndpoint,
		Metadata:         md,
	}
	return spec, nil
}

// chooseClientAuth picks the client authentication from the metadata:
// client_secret_basic when the server lists it or lists nothing (RFC
// 8414's default), else client_secret_post, else "none" (a public client:
// client_id in the body). With none of those it reports an error, which
// stands unless an option then chooses a method (WithPrivateKeyJWT…).
func chooseClientAuth(spec *Spec, md *Metadata) error {
	methods := md.TokenEndpointAuthMethodsSupported
	switch {
	case len(methods) == 0 || slices.Contains(methods, MethodClientSecretBasic):
		spec.ClientAuth = AuthBasic
	case slices.Contains(methods, MethodClientSecretPost), slices.Contains(methods, MethodNone):
		spec.ClientAuth = AuthInBody
	default:
		return discoverError(client.ErrBadResponse, "the server supports no client authentication oauthx was given the means for ("+
			strings.Join(methods, ", ")+"): for private_key_jwt pass WithSpecOptions(WithPrivateKeyJWT(key, kid))")
	}
	return nil
}

// fetchMetadata reads the RFC 8414 document, falling back to the OpenID
// Connect one when the first is not served.
func fetchMetadata(ctx context.Context, hc *http.Client, issuer *url.URL) (*Metadata, error) {
	// RFC 8414 §3.1: the well-known segment goes between the host and the
	// issuer's path; OIDC Discovery §4.1 appends it to the issuer.
	path := strings.TrimSuffix(issuer.EscapedPath(), "/")
	oauth := *issuer
	oauth.RawPath, oauth.Path = "", ""
	oauthURL := oauth.String() + OAuthMetadataPath + path
	oidcURL := strings.TrimSuffix(issuer.String(), "/") + OIDCMetadataPath

	md, status, err := getMetadata(ctx, hc, oauthURL)
	if err == nil {
		return md, nil
	}
	if status >= 400 && status < 500 && status != http.StatusTooManyRequests {
		md, _, err = getMetadata(ctx, hc, oidcURL)
	}
	return md, err
}

// getMetadata GETs one metadata document; status is the HTTP status (0
// when there was no answer).
func getMetadata(ctx context.Context, hc *http.Client, u string) (*Metadata, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, discoverError(client.ErrInvalidRequest, "bad metadata URL")
	}
	req.Header.Set("Accept", "application/json")
	// Never follow a redirect: the document must come from the issuer.
	hcNoRedirect := *hc
	hcNoRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hcNoRedirect.Do(req)
	if err != nil {
		return nil, 0, client.TransportError(req, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, client.MaxResponseBytes+1))
	if err != nil {
		e := client.TransportError(req, err)
		e.StatusCode = resp.StatusCode
		return nil, resp.StatusCode, e
	}
	bad := func(kind error, desc string) (*Metadata, int, error) {
		return nil, resp.StatusCode, &client.Error{Kind: kind, StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
			Description: "metadata " + u + ": " + desc}
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return bad(client.ErrRateLimited, "rate limited")
	case resp.StatusCode >= 500:
		return bad(client.ErrTransient, "server error")
	case resp.StatusCode != http.StatusOK:
		return bad(client.ErrBadResponse, "not served")
	case len(body) > client.MaxResponseBytes:
		return bad(client.ErrBadResponse, "body exceeds 1 MiB")
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return bad(client.ErrBadResponse, "not application/json")
	}
	var md Metadata
	if err := json.Unmarshal(body, &md); err != nil {
		return bad(client.ErrBadResponse, "malformed JSON")
	}
	if md.Issuer == "" {
		return bad(client.ErrBadResponse, "no issuer")
	}
	return &md, resp.StatusCode, nil
}

func discoverError(kind error, desc string) error {
	return &client.Error{Kind: kind, Description: "discovery: " + desc}
}

// quoteURL quotes a URL from a document for an error message, shortened.
func quoteURL(u string) string { return strconv.Quote(client.Clip(u, 200)) }

// Package providers adapts "standard-ish" OAuth token endpoints to
// client.Provider declaratively: a Spec says how the endpoint wants its
// request (body encoding, client authentication, fields) and how it answers
// (success statuses, field names, error shapes, expiry policy, scope
// separator). Generic is the plain OAuth2 provider built from one.
package providers

import (
	"net/http"
	"net/url"
	"time"

	"github.com/oauthx/oauthx/client"
)

// BodyEncoding is how the token request body is encoded.
type BodyEncoding int

const (
	// Form is application/x-www-form-urlencoded (RFC 6749's default).
	Form BodyEncoding = iota
	// JSON is a JSON object of strings (a parameter given several values
	// becomes an array).
	JSON
)

// ClientAuth is where the client credentials go.
type ClientAuth int

const (
	// AuthInBody sends client_id and client_secret as body parameters.
	AuthInBody ClientAuth = iota
	// AuthBasic sends them as HTTP Basic authentication (RFC 6749 §2.3.1).
	AuthBasic
	// AuthPrivateKeyJWT sends client_id and a client assertion signed
	// with Spec.AssertionSigner's private key (RFC 7523 §2.2,
	// "private_key_jwt"); no secret is sent.
	AuthPrivateKeyJWT
	// AuthClientSecretJWT sends client_id and a client assertion signed
	// with HS256 under the client secret (RFC 7523 §2.2,
	// "client_secret_jwt"); the secret itself is not sent. The secret
	// must be at least 32 bytes.
	AuthClientSecretJWT
)

// ExpiryPolicy is how a Session's Expiry is decided.
type ExpiryPolicy int

const (
	// ExpiresIn uses the response's expires_in; without it,
	// DefaultLifetime; with neither, FallbackLifetime when the session can
	// be renewed (the answer carries a refresh token, or it came from the
	// client credentials grant), so that a token source renews it instead
	// of using it forever. Only an answer that nothing could renew is left
	// never expiring.
	ExpiresIn ExpiryPolicy = iota
	// JWTExpiry uses expires_in if present, else the access token's own
	// JWT "exp" claim (read, not verified), else what ExpiresIn would
	// decide.
	JWTExpiry
	// Never: the access token never expires, whatever the response says.
	Never
	// ExpiresInOrNever uses the response's expires_in; without it, the
	// token never expires even when a refresh token came with it. Use it
	// only for a provider documented to issue non-expiring access tokens.
	ExpiresInOrNever
)

// FallbackLifetime is the lifetime the ExpiresIn and JWTExpiry policies
// assume for a renewable token whose answer gave no lifetime and whose Spec
// sets no DefaultLifetime.
const FallbackLifetime = time.Hour

// Fields renames response fields. An empty name means the RFC 6749 name.
type Fields struct {
	AccessToken      string // "access_token"
	TokenType        string // "token_type"
	RefreshToken     string // "refresh_token"
	ExpiresIn        string // "expires_in"
	RefreshExpiresIn string // "refresh_token_expires_in"
	Scope            string // "scope"
	IDToken          string // "id_token"
}

// Spec declares one provider's token endpoint. Build a client.Provider from
// it with New.
type Spec struct {
	// Name becomes Session.Provider. Required.
	Name string
	// TokenURL is the token endpoint. Either it or TokenURLFunc is required.
	TokenURL string
	// TokenURLFunc computes the endpoint per request (per-tenant hosts).
	// It must validate whatever it builds the URL from.
	TokenURLFunc func(r *client.TokenRequest) (string, error)
	// AuthURL is the authorization endpoint, for client.AuthCodeURL.
	AuthURL string
	// RevocationURL is the RFC 7009 revocation endpoint, for
	// client.Client.Revoke. Empty: the provider has none.
	RevocationURL string
	// IntrospectionURL is the RFC 7662 introspection endpoint, for
	// client.Client.Introspect. Empty: the provider has none.
	IntrospectionURL string
	// DeviceAuthURL is the RFC 8628 device authorization endpoint, for
	// client.Client.StartDeviceAuth. Empty: the provider has none.
	DeviceAuthURL string

	// Grants lists the grants the endpoint takes. A request for another is
	// refused before anything is sent (ErrInvalidRequest, with GrantHint
	// when set). Nil: any grant.
	Grants []string
	// GrantHint says what to do instead of a refused grant.
	GrantHint string

	// Encoding of the request body. Default Form.
	Encoding BodyEncoding
	// ClientAuth says where the credentials go. Default AuthInBody.
	ClientAuth ClientAuth
	// AssertionSigner signs the client assertions of AuthPrivateKeyJWT
	// (required with it). Their audience is the token endpoint's URL, for
	// the other endpoints' requests too.
	AssertionSigner *client.AssertionSigner
	// DPoP makes the provider use DPoP (RFC 9449; see WithDPoP and
	// client.DPoPProvider): every grant is bound to a per-session key,
	// every token request carries a proof, and token_type DPoP answers
	// are accepted.
	DPoP bool
	// Header is added to every token request (e.g. an API version).
	Header http.Header
	// OmitGrantType lists grants sent without a grant_type parameter
	// (Shopify's and Finch's code grants have none).
	OmitGrantType []string
	// EncodeHook, if set, may change the body parameters last.
	EncodeHook func(r *client.TokenRequest, params url.Values) error

	// SuccessStatuses are the statuses that carry a token. Nil: any 2xx.
	SuccessStatuses []int
	// Fields renames response fields.
	Fields Fields
	// ErrorShapes parse error bodies, tried in order. Nil: OAuthErrors then
	// MessageErrors.
	ErrorShapes []ErrorShape
	// ErrorCodes maps provider error codes to sentinels, before the RFC 6749
	// mapping of client.ErrorKind.
	ErrorCodes map[string]error

	// Expiry is the expiry policy; DefaultLifetime its fallback when the
	// answer has no expires_in (zero: FallbackLifetime for a renewable
	// token, see ExpiresIn).
	Expiry          ExpiryPolicy
	DefaultLifetime time.Duration
	// ScopeSeparator splits the granted scope string. Default " ".
	ScopeSeparator string

	// Finish, if set, completes a decoded Session: its ID, Subject, typed
	// extras. raw is the whole decoded response.
	Finish func(r *client.TokenRequest, s *client.Session, raw map[string]any) error

	// ReplaySafe, if set, reports which requests the provider answers
	// the same way when they are sent again after an ambiguous failure
	// (see client.ReplaySafe): client.Client retries those with the same
	// grant. Nil: none. Authorization-code requests are never retried,
	// whatever it says.
	ReplaySafe func(r *client.TokenRequest) bool

	// Err is what was wrong while the Spec was being built, e.g. a
	// provider package's option given an invalid value. Validate reports
	// it (so client.New does), and the provider refuses every request
	// while it is set: constructors without an error result (NewDeferred)
	// hand it on this way.
	Err error
	// Metadata is the authorization server metadata the Spec was built
	// from by Discover; nil for a Spec written by hand.
	Metadata *Metadata
}

// Provider is a client.Provider built from a Spec.
type Provider struct {
	spec        Spec
	err         error // what Validate reports
	grants      map[string]bool
	omit        map[string]bool
	success     map[int]bool
	errorShapes []ErrorShape
	fields      Fields
	sep         string
}

// New checks spec and returns the provider it describes.
func New(spec Spec) (*Provider, error) {
	p := NewDeferred(spec)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// NewDeferred returns the provider spec describes and leaves its errors to
// Validate, which client.New calls: for constructors whose signature has
// no error result (finch.Provider, passport.Provider). While Validate
// reports an error the provider refuses every request.
func NewDeferred(spec Spec) *Provider {
	p := &Provider{spec: spec, omit: map[string]bool{}, sep: spec.ScopeSeparator}
	if spec.Grants != nil {
		p.grants = map[string]bool{}
		for _, g := range spec.Grants {
			p.grants[g] = true
		}
	}
	for _, g := range spec.OmitGrantType {
		p.omit[g] = true
	}
	if spec.SuccessStatuses != nil {
		p.success = map[int]bool{}
		for _, s := range spec.SuccessStatuses {
			p.success[s] = true
		}
	}
	p.errorShapes = spec.ErrorShapes
	if p.errorShapes == nil {
		p.errorShapes = []ErrorShape{OAuthErrors, MessageErrors}
	}
	if p.sep == "" {
		p.sep = " "
	}
	p.fields = spec.Fields.withDefaults()
	p.err = p.check()
	return p
}

// Validate implements client.Validator: it reports a Spec that cannot
// work.
func (p *Provider) Validate() error { return p.err }

func (p *Provider) check() error {
	s := p.spec
	if s.Err != nil {
		return s.Err
	}
	if s.Name == "" {
		return &client.OptionError{Option: "providers.Spec.Name", Reason: "required"}
	}
	if s.TokenURLFunc == nil {
		if s.TokenURL == "" {
			return &client.OptionError{Option: "providers.Spec.TokenURL", Reason: "it or TokenURLFunc is required"}
		}
		if err := CheckURL("providers.Spec.TokenURL", s.TokenURL); err != nil {
			return err
		}
	}
	if s.DefaultLifetime < 0 {
		return &client.OptionError{Option: "providers.Spec.DefaultLifetime", Reason: "negative"}
	}
	if s.ClientAuth == AuthPrivateKeyJWT && s.AssertionSigner == nil {
		return &client.OptionError{Option: "providers.Spec.AssertionSigner", Reason: "required with AuthPrivateKeyJWT (see WithPrivateKeyJWT)"}
	}
	return s.checkEndpoints()
}

// Name implements client.Provider.
func (p *Provider) Name() string { return p.spec.Name }

// ReplaySafe implements client.ReplaySafe with Spec.ReplaySafe.
func (p *Provider) ReplaySafe(r *client.TokenRequest) bool {
	return p.spec.ReplaySafe != nil && p.spec.ReplaySafe(r)
}

// UsesDPoP implements client.DPoPProvider with Spec.DPoP.
func (p *Provider) UsesDPoP() bool { return p.spec.DPoP }

// AuthURL implements client.AuthURLProvider.
func (p *Provider) AuthURL() string { return p.spec.AuthURL }

func (f Fields) withDefaults() Fields {
	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	return Fields{
		AccessToken:      def(f.AccessToken, "access_token"),
		TokenType:        def(f.TokenType, "token_type"),
		RefreshToken:     def(f.RefreshToken, "refresh_token"),
		ExpiresIn:        def(f.ExpiresIn, "expires_in"),
		RefreshExpiresIn: def(f.RefreshExpiresIn, "refresh_token_expires_in"),
		Scope:            def(f.Scope, "scope"),
		IDToken:          def(f.IDToken, "id_token"),
	}
}

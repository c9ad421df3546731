package providers

import (
	"net/url"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// Client authentication method names of the JWT methods (RFC 7523 §2.2,
// as RFC 8414 lists them).
const (
	MethodPrivateKeyJWT   = "private_key_jwt"
	MethodClientSecretJWT = "client_secret_jwt"
)

// WithPrivateKeyJWT authenticates the client with a JWT signed by key
// (RFC 7523 "private_key_jwt"): an *rsa.PrivateKey (RS256, ≥ 2048 bits),
// *ecdsa.PrivateKey on P-256 (ES256), ed25519.PrivateKey (EdDSA) or
// another crypto.Signer of those kinds; kid names the key in the JWK set
// registered with the provider ("" for none). Each request carries a
// fresh assertion: iss and sub the client id, aud the token endpoint,
// a random jti, one minute of life. A key oauthx cannot use makes
// client.New fail.
func WithPrivateKeyJWT(key any, kid string) GenericOption {
	return func(s *Spec) {
		signer, err := client.NewAssertionSigner(key, kid)
		if err != nil {
			s.addErr(&client.OptionError{Option: "providers.WithPrivateKeyJWT", Reason: strings.TrimPrefix(err.Error(), "oauthx: assertion key: ")})
			return
		}
		s.ClientAuth, s.AssertionSigner = AuthPrivateKeyJWT, signer
	}
}

// WithClientSecretJWT authenticates the client with a JWT signed with
// HS256 under the client secret (RFC 7523 "client_secret_jwt"), which is
// then never sent. The secret must be at least 32 bytes; a shorter one
// fails each request with client.ErrInvalidRequest.
func WithClientSecretJWT() GenericOption {
	return func(s *Spec) { s.ClientAuth, s.AssertionSigner = AuthClientSecretJWT, nil }
}

// clientAuthParams adds the body parameters of the Spec's client
// authentication (RFC 6749 §2.3.1) for r; the JWT methods' assertion is
// added by assertionParams.
func (p *Provider) clientAuthParams(r *client.TokenRequest, add func(k, v string)) {
	switch p.spec.ClientAuth {
	case AuthInBody:
		add("client_id", r.ClientID)
		if r.ClientSecret != "" {
			add("client_secret", r.ClientSecret)
		}
	case AuthPrivateKeyJWT, AuthClientSecretJWT:
		add("client_id", r.ClientID)
	}
}

// tokenEndpoint is the token endpoint for r (Spec.TokenURL, or what
// Spec.TokenURLFunc computes) and the client assertion parameters whose
// audience it is (nil for the methods without an assertion).
func (p *Provider) tokenEndpoint(r *client.TokenRequest) (string, url.Values, error) {
	endpoint := p.spec.TokenURL
	if p.spec.TokenURLFunc != nil {
		var err error
		if endpoint, err = p.spec.TokenURLFunc(r); err != nil {
			return "", nil, &client.Error{Kind: client.ErrInvalidRequest, Err: err}
		}
	}
	assertion, err := p.assertionParams(r, endpoint)
	if err != nil {
		return "", nil, err
	}
	return endpoint, assertion, nil
}

// assertionParams are the client assertion parameters of the JWT methods
// (nil for the others), with audience aud. The assertion is recorded as a
// secret of r, so nothing the provider echoes shows it.
func (p *Provider) assertionParams(r *client.TokenRequest, aud string) (url.Values, error) {
	signer := p.spec.AssertionSigner
	switch p.spec.ClientAuth {
	case AuthPrivateKeyJWT:
	case AuthClientSecretJWT:
		var err error
		if signer, err = client.NewAssertionSigner([]byte(r.ClientSecret), ""); err != nil {
			return nil, &client.Error{Kind: client.ErrInvalidRequest, Description: "client_secret_jwt", Err: err}
		}
	default:
		return nil, nil
	}
	a, err := signer.Assertion(r.ClientID, aud, r.Now)
	if err != nil {
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Err: err}
	}
	r.AddSecret(a)
	return url.Values{"client_assertion_type": {client.ClientAssertionType}, "client_assertion": {a}}, nil
}

package client

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ClientAssertionType is the client_assertion_type of a request that
// authenticates the client with a JWT (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// AssertionLifetime is how long a client assertion lives (exp - iat). Each
// has a fresh jti, so a captured one cannot be replayed for long, and not
// at all at a server that remembers jtis.
const AssertionLifetime = time.Minute

// AssertionSigner signs RFC 7523 client assertions (private_key_jwt with
// an asymmetric key, client_secret_jwt with an HMAC secret), through
// go-jose. providers.WithPrivateKeyJWT and providers.WithClientSecretJWT
// use it for any Spec, and the shopify package for application-only
// tokens. It is safe for concurrent use; printing it never shows the key.
type AssertionSigner struct {
	signer jose.Signer
	alg    jose.SignatureAlgorithm
	kid    string
}

// NewAssertionSigner checks key and returns its signer. key is one of:
//
//   - *rsa.PrivateKey of at least 2048 bits: RS256
//   - *ecdsa.PrivateKey on P-256: ES256
//   - ed25519.PrivateKey: EdDSA
//   - any other crypto.Signer whose public key is one of those (an HSM or
//     KMS key): the same algorithms
//   - []byte of at least 32 bytes, the client secret: HS256
//     (client_secret_jwt, RFC 7518 §3.2 sets the minimum)
//
// kid, when not empty, goes into the JWS header (the key's id in the JWK
// set the client registered); an HMAC secret has none.
func NewAssertionSigner(key any, kid string) (*AssertionSigner, error) {
	alg, k, err := assertionKey(key)
	if err != nil {
		return nil, err
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k}, opts)
	if err != nil {
		return nil, errors.New("oauthx: assertion key: " + err.Error())
	}
	return &AssertionSigner{signer: s, alg: alg, kid: kid}, nil
}

func assertionKey(key any) (jose.SignatureAlgorithm, any, error) {
	switch k := key.(type) {
	case nil:
		return "", nil, errors.New("oauthx: assertion key: nil")
	case []byte:
		if len(k) < 32 {
			return "", nil, errors.New("oauthx: assertion key: an HS256 secret needs at least 32 bytes (RFC 7518 §3.2)")
		}
		return jose.HS256, k, nil
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		alg, err := algFor(k.(crypto.Signer).Public())
		if err != nil {
			return "", nil, errors.New("oauthx: assertion key: " + err.Error())
		}
		return alg, k, nil
	case crypto.Signer:
		alg, err := algFor(k.Public())
		if err != nil {
			return "", nil, errors.New("oauthx: assertion key: " + err.Error())
		}
		return alg, cryptosigner.Opaque(k), nil
	}
	return "", nil, fmt.Errorf("oauthx: assertion key: unsupported type %T", key)
}

// algFor is the JWS algorithm of an asymmetric key, for client
// assertions and DPoP proofs alike; its error says why a key is refused,
// without a prefix.
func algFor(pub crypto.PublicKey) (jose.SignatureAlgorithm, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p.N.BitLen() < 2048 {
			return "", errors.New("RSA keys need at least 2048 bits")
		}
		return jose.RS256, nil
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() {
			return "", errors.New("ECDSA keys must be P-256 (ES256)")
		}
		return jose.ES256, nil
	case ed25519.PublicKey:
		return jose.EdDSA, nil
	}
	return "", fmt.Errorf("unsupported public key %T", pub)
}

// Algorithm is the JWS algorithm: "RS256", "ES256", "EdDSA" or "HS256".
func (a *AssertionSigner) Algorithm() string { return string(a.alg) }

// Assertion returns a client assertion (RFC 7523 §3): iss and sub
// clientID, aud audience (the token endpoint's URL), iat now, exp
// AssertionLifetime later, and a random jti.
func (a *AssertionSigner) Assertion(clientID, audience string, now time.Time) (string, error) {
	if clientID == "" || audience == "" {
		return "", errors.New("oauthx: a client assertion needs a client id and an audience")
	}
	claims := jwt.Claims{
		Issuer:   clientID,
		Subject:  clientID,
		Audience: jwt.Audience{audience},
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(AssertionLifetime)),
		ID:       GenerateVerifier(),
	}
	tok, err := jwt.Signed(a.signer).Claims(claims).Serialize()
	if err != nil {
		return "", errors.New("oauthx: signing the client assertion failed")
	}
	return tok, nil
}

// String names the algorithm and kid, never the key.
func (a *AssertionSigner) String() string {
	return "client.AssertionSigner{Algorithm: " + string(a.alg) + ", KeyID: " + a.kid + "}"
}

// GoString is the %#v form: the same as String.
func (a *AssertionSigner) GoString() string { return a.String() }

// Format makes every fmt verb print the redacted form.
func (a *AssertionSigner) Format(f fmt.State, verb rune) { FormatRedacted(f, verb, a.String()) }

// LogValue implements slog.LogValuer without the key.
func (a *AssertionSigner) LogValue() slog.Value { return slog.StringValue(a.String()) }

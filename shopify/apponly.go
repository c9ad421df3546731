package shopify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"time"

	"github.com/oauthx/oauthx/client"
)

// ClientAssertionType is the client_assertion_type of an
// application-only token request (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// AssertionLifetime is how long the client assertions of application-only
// token requests live (exp - iat): one minute. Each has a fresh jti.
const AssertionLifetime = time.Minute

// assertionSigner signs the client assertions of one app key.
type assertionSigner struct {
	key crypto.Signer
	kid string
	alg string // RS256 or ES256
}

// newAssertionSigner checks an app's assertion key: an RSA key of at
// least 2048 bits (RS256) or a P-256 ECDSA key (ES256), and its kid.
func newAssertionSigner(key crypto.Signer, kid string) (*assertionSigner, error) {
	if key == nil {
		if kid != "" {
			return nil, errors.New("shopify: Config.AssertionKeyID is set without an AssertionKey")
		}
		return nil, nil
	}
	if kid == "" {
		return nil, errors.New("shopify: Config.AssertionKeyID (the kid of the JWK registered in the Dev Dashboard) is required with an AssertionKey")
	}
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return nil, errors.New("shopify: Config.AssertionKey: RSA keys need at least 2048 bits")
		}
		return &assertionSigner{key: key, kid: kid, alg: "RS256"}, nil
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return nil, errors.New("shopify: Config.AssertionKey: ECDSA keys must be P-256 (ES256)")
		}
		return &assertionSigner{key: key, kid: kid, alg: "ES256"}, nil
	}
	return nil, errors.New("shopify: Config.AssertionKey must be an RSA or ECDSA P-256 key")
}

// sign makes a compact JWS of claims.
func (a *assertionSigner) sign(claims map[string]any) (string, error) {
	header, _ := json.Marshal(map[string]string{"alg": a.alg, "kid": a.kid, "typ": "JWT"})
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	sig, err := a.key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return "", errors.New("shopify: signing the client assertion failed")
	}
	if a.alg == "ES256" {
		// crypto.Signer gives ASN.1 DER; JWS wants R || S, 32 bytes each
		// (RFC 7518 §3.4).
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(sig, &rs); err != nil || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 ||
			rs.R.BitLen() > 256 || rs.S.BitLen() > 256 {
			return "", errors.New("shopify: the ECDSA signer returned a malformed signature")
		}
		sig = make([]byte, 64)
		rs.R.FillBytes(sig[:32])
		rs.S.FillBytes(sig[32:])
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// clientAssertion is the JWT an application-only token request for shop
// authenticates with (RFC 7523 §3): iss and sub the API key, aud the
// shop's token endpoint, iat now, exp AssertionLifetime later, a random
// jti.
func (c *Client) clientAssertion(shop string) (string, error) {
	aud, err := c.tokenURL(shop)
	if err != nil {
		return "", err
	}
	now := c.now()
	return c.assertion.sign(map[string]any{
		"iss": c.cfg.APIKey,
		"sub": c.cfg.APIKey,
		"aud": aud,
		"iat": now.Unix(),
		"exp": now.Add(AssertionLifetime).Unix(),
		"jti": client.GenerateVerifier(),
	})
}

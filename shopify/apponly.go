package shopify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// ClientAssertionType is the client_assertion_type of an
// application-only token request (RFC 7523 §2.2).
const ClientAssertionType = client.ClientAssertionType

// AssertionLifetime is how long the client assertions of application-only
// token requests live (exp - iat): one minute. Each has a fresh jti.
const AssertionLifetime = client.AssertionLifetime

// assertionSigner signs the client assertions of one app key: the
// module's client.AssertionSigner, limited to the key types Shopify takes.
type assertionSigner = client.AssertionSigner

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
	switch key.Public().(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey:
	default:
		return nil, errors.New("shopify: Config.AssertionKey must be an RSA or ECDSA P-256 key")
	}
	a, err := client.NewAssertionSigner(key, kid)
	if err != nil {
		return nil, errors.New("shopify: Config.AssertionKey: " + strings.TrimPrefix(err.Error(), "oauthx: assertion key: "))
	}
	return a, nil
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
	return c.assertion.Assertion(c.cfg.APIKey, aud, c.now())
}

package providertest

import (
	"crypto"
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// JWT client authentication at the generic fake (RFC 7523 §2.2 and §3):
// private_key_jwt verified with the key given to WithClientKey,
// client_secret_jwt (HS256 under the client secret) with
// WithClientSecretJWT.

// clientAuthConfig holds the JWT client authentication options.
type clientAuthConfig struct {
	key       crypto.PublicKey // private_key_jwt; nil: refused
	secretJWT bool             // client_secret_jwt accepted
}

// WithClientKey makes the fake accept private_key_jwt client assertions
// signed by the private half of key (an *rsa.PublicKey for RS256, an
// *ecdsa.PublicKey on P-256 for ES256, an ed25519.PublicKey for EdDSA).
func WithClientKey(key crypto.PublicKey) GenericOption {
	return genericOption(func(c *genericConfig) { c.ext.clientAuth.key = key })
}

// WithClientSecretJWT makes the fake accept client_secret_jwt client
// assertions: HS256 under the client secret (give a secret of 32 bytes or
// more with WithClientCredentials).
func WithClientSecretJWT() GenericOption {
	return genericOption(func(c *genericConfig) { c.ext.clientAuth.secretJWT = true })
}

// assertionParams are the parameters of JWT client authentication, which
// every endpoint that authenticates the client accepts.
var assertionParams = []string{"client_assertion", "client_assertion_type"}

// withAssertionParams is allowed plus the client assertion parameters.
func withAssertionParams(allowed []string) []string {
	return append(slices.Clip(allowed), assertionParams...)
}

// usesAssertion reports whether the request authenticates with a client
// assertion.
func usesAssertion(p url.Values) bool {
	return p.Has("client_assertion") || p.Has("client_assertion_type")
}

// authenticateAssertion checks a client assertion (RFC 7523 §3): the type,
// no other credentials, a signature by the registered key (or the client
// secret), iss = sub = the client id (and client_id, when sent), aud the
// token endpoint, exp in the future and at most five minutes after iat,
// and a jti never seen before (a replayed assertion is refused and
// counted in Stats().ReplayedAssertions).
func (g *Generic) authenticateAssertion(r *http.Request, p url.Values) bool {
	if _, _, basic := r.BasicAuth(); basic || p.Has("client_secret") || p.Get("client_assertion_type") != clientAssertionType {
		return false
	}
	cfg := g.cfg.ext.clientAuth
	algs := []jose.SignatureAlgorithm{jose.HS256}
	if cfg.key != nil {
		algs = append(algs, jose.RS256, jose.ES256, jose.EdDSA)
	}
	claims, reason := verifyAssertion(p.Get("client_assertion"), assertionRule{
		algs: algs,
		key: func(h jose.Header) any {
			switch {
			case h.Algorithm != string(jose.HS256):
				return cfg.key
			case cfg.secretJWT:
				return []byte(g.cfg.clientSecret)
			}
			return nil
		},
		clientID: g.cfg.clientID,
		audience: baseOf(r) + "/oauth2/token",
		audArray: true,
		leeway:   5 * time.Second,
		now:      g.cfg.now,
	})
	if reason != "" {
		return false
	}
	if id := p.Get("client_id"); id != "" && subtle.ConstantTimeCompare([]byte(id), []byte(g.cfg.clientID)) != 1 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.ext.jtis.first(claims, g.cfg.now()) {
		g.stats.ReplayedAssertions++
		return false
	}
	g.stats.Assertions++
	return true
}

package providertest

import (
	"crypto"
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// JWT client authentication at the generic fake (RFC 7523 §2.2 and §3):
// private_key_jwt verified with the key given to WithClientKey,
// client_secret_jwt (HS256 under the client secret) with
// WithClientSecretJWT.

const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// maxAssertionLifetime is the longest exp - iat the fake accepts: a client
// assertion is meant to live for seconds or minutes.
const maxAssertionLifetime = 5 * time.Minute

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
	var algs []jose.SignatureAlgorithm
	var key any
	if cfg.key != nil {
		algs, key = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}, cfg.key
	}
	tok, err := jwt.ParseSigned(p.Get("client_assertion"), append(algs, jose.HS256))
	if err != nil || len(tok.Headers) != 1 {
		return false
	}
	if tok.Headers[0].Algorithm == string(jose.HS256) {
		if !cfg.secretJWT {
			return false
		}
		key = []byte(g.cfg.clientSecret)
	}
	if key == nil {
		return false
	}
	var claims jwt.Claims
	if err := tok.Claims(key, &claims); err != nil {
		return false
	}
	now := g.cfg.now()
	if err := claims.ValidateWithLeeway(jwt.Expected{Issuer: g.cfg.clientID, Subject: g.cfg.clientID,
		AnyAudience: jwt.Audience{baseOf(r) + "/oauth2/token"}, Time: now}, 5*time.Second); err != nil {
		return false
	}
	if claims.Expiry == nil || claims.IssuedAt == nil || claims.ID == "" ||
		claims.Expiry.Time().Sub(claims.IssuedAt.Time()) > maxAssertionLifetime {
		return false
	}
	if id := p.Get("client_id"); id != "" && subtle.ConstantTimeCompare([]byte(id), []byte(g.cfg.clientID)) != 1 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ext.jtis[claims.ID] {
		g.stats.ReplayedAssertions++
		return false
	}
	g.ext.jtis[claims.ID] = true
	g.stats.Assertions++
	return true
}

package providertest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ShopifyClientAssertionType is the client_assertion_type of an
// application-only token request (RFC 7523 §2.2).
const ShopifyClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ShopifyMaxAssertionLifetime is the longest exp - iat the fake accepts
// in a client assertion.
const ShopifyMaxAssertionLifetime = 5 * time.Minute

// ShopifyGrantStats counts the fake's client credentials and
// application-only grants.
type ShopifyGrantStats struct {
	ClientCredentials  int // tokens issued to client_id + client_secret
	AppOnly            int // tokens issued to a client assertion
	RejectedAssertions int // client assertions refused
	ReusedAssertions   int // client assertions presented again (same jti)
}

// shopifyDoorsConfig are the options of the doors (set by the
// WithShopify…Lifetime options; zero means the default).
type shopifyDoorsConfig struct {
	clientCredentialsLifetime time.Duration
	appOnlyLifetime           time.Duration
}

// shopifyDoors is the state of the doors, under its own lock.
type shopifyDoors struct {
	mu       sync.Mutex
	keys     map[string]crypto.PublicKey // kid → registered public key
	jtis     jtiLog                      // used assertion ids → their exp
	users    map[string]int64            // per-user codes → the approving staff member
	approver int64                       // SetOnlineApprover; 0: user 1
	stats    ShopifyGrantStats
}

// WithShopifyClientCredentialsLifetime sets expires_in of client
// credentials tokens (default 86399 s, as Shopify answers: 24 hours).
func WithShopifyClientCredentialsLifetime(d time.Duration) ShopifyOption {
	return shopifyOption(func(c *shopifyConfig) { c.doors.clientCredentialsLifetime = d })
}

// WithShopifyAppOnlyLifetime sets expires_in of application-only tokens
// (default 3599 s: up to one hour).
func WithShopifyAppOnlyLifetime(d time.Duration) ShopifyOption {
	return shopifyOption(func(c *shopifyConfig) { c.doors.appOnlyLifetime = d })
}

// AddClientKey registers the public key an app signs its client
// assertions with, under kid, as the Dev Dashboard does with the app's
// JWK: an *rsa.PublicKey of at least 2048 bits (RS256) or a P-256
// *ecdsa.PublicKey (ES256).
func (f *Shopify) AddClientKey(kid string, pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return errors.New("providertest: RSA keys need at least 2048 bits")
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return errors.New("providertest: ECDSA keys must be P-256")
		}
	default:
		return errors.New("providertest: client keys are RSA or ECDSA P-256 public keys")
	}
	if kid == "" {
		return errors.New("providertest: a client key needs a kid")
	}
	f.doors.mu.Lock()
	defer f.doors.mu.Unlock()
	if f.doors.keys == nil {
		f.doors.keys = map[string]crypto.PublicKey{}
	}
	f.doors.keys[kid] = pub
	return nil
}

// GrantStats returns the counters of client credentials and
// application-only grants.
func (f *Shopify) GrantStats() ShopifyGrantStats {
	f.doors.mu.Lock()
	defer f.doors.mu.Unlock()
	return f.doors.stats
}

// clientCredentialsGrant answers grant_type=client_credentials: with
// client_id and client_secret (apps of the shop's own organization, 24 h
// tokens), or with client_id, client_assertion_type and client_assertion
// (application-only tokens, up to 1 h). No refresh token either way.
func (f *Shopify) clientCredentialsGrant(w http.ResponseWriter, r *http.Request, shop string, p map[string]string) {
	assertion := p["client_assertion"] != "" || p["client_assertion_type"] != ""
	allowed := []string{"grant_type", "client_id", "client_secret"}
	if assertion {
		allowed = []string{"grant_type", "client_id", "client_assertion_type", "client_assertion"}
	}
	if k, bad := unexpectedField(p, allowed); bad {
		f.fail(w, http.StatusBadRequest, "invalid_request", "unexpected parameter "+k)
		return
	}
	if k, bad := missingField(p, allowed); bad {
		f.fail(w, http.StatusBadRequest, "invalid_request", "missing parameter "+k)
		return
	}
	lifetime := f.cfg.doors.clientCredentialsLifetime
	if assertion {
		if p["client_assertion_type"] != ShopifyClientAssertionType {
			f.fail(w, http.StatusBadRequest, "invalid_request", "client_assertion_type must be "+ShopifyClientAssertionType)
			return
		}
		if reason := f.checkAssertion(p["client_assertion"], p["client_id"], f.assertionAudience(r, shop)); reason != "" {
			f.fail(w, http.StatusUnauthorized, "invalid_client", "client assertion refused: "+reason)
			return
		}
		lifetime = f.cfg.doors.appOnlyLifetime
		if lifetime == 0 {
			lifetime = time.Hour - time.Second
		}
	} else {
		if !sameCredentials(p["client_id"], p["client_secret"], f.cfg.apiKey, f.cfg.apiSecret) {
			f.fail(w, http.StatusUnauthorized, "invalid_client", "client credentials are invalid")
			return
		}
		if lifetime == 0 {
			lifetime = 24*time.Hour - time.Second
		}
	}
	tok := randomToken("shpat_")
	f.mu.Lock()
	f.access[tok] = shopifyAccess{shop: shop, expiry: f.cfg.now().Add(lifetime)}
	f.mu.Unlock()
	f.doors.mu.Lock()
	if assertion {
		f.doors.stats.AppOnly++
	} else {
		f.doors.stats.ClientCredentials++
	}
	f.doors.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "scope": f.cfg.scopes, "expires_in": int(lifetime / time.Second),
	})
}

// assertionAudience is the token endpoint the request was sent to: the
// fake's own URL for the shop, or https://{shop}/admin/oauth/access_token
// when the shop came from the Host header.
func (f *Shopify) assertionAudience(r *http.Request, shop string) string {
	if strings.HasPrefix(r.URL.Path, "/"+shop+"/") {
		return f.URL + "/" + shop + "/admin/oauth/access_token"
	}
	return "https://" + shop + "/admin/oauth/access_token"
}

// checkAssertion verifies a client assertion (verifyAssertion) and
// returns why it is refused ("" when it is good): alg RS256 or ES256,
// signed by the key registered under its kid; iss, sub and the client_id
// the API key; aud a single string equal to the token endpoint; no clock
// tolerance; a jti never seen before.
func (f *Shopify) checkAssertion(tok, clientID, aud string) string {
	reason := f.assertionReason(tok, clientID, aud)
	if reason != "" {
		f.doors.mu.Lock()
		f.doors.stats.RejectedAssertions++
		if reason == "jti already used" {
			f.doors.stats.ReusedAssertions++
		}
		f.doors.mu.Unlock()
	}
	return reason
}

func (f *Shopify) assertionReason(tok, clientID, aud string) string {
	c, reason := verifyAssertion(tok, assertionRule{
		algs: []jose.SignatureAlgorithm{jose.RS256, jose.ES256},
		key: func(h jose.Header) any {
			f.doors.mu.Lock()
			defer f.doors.mu.Unlock()
			return f.doors.keys[h.KeyID]
		},
		clientID: f.cfg.apiKey,
		audience: aud,
		now:      f.cfg.now,
	})
	switch {
	case reason != "":
		return reason
	case clientID != f.cfg.apiKey:
		return "client_id is not the assertion's iss"
	}
	f.doors.mu.Lock()
	defer f.doors.mu.Unlock()
	if f.doors.jtis == nil {
		f.doors.jtis = jtiLog{}
	}
	if !f.doors.jtis.first(c, f.cfg.now()) {
		return "jti already used"
	}
	return ""
}

// MintClientAssertion signs claims as a client assertion under kid
// (through go-jose, header typ JWT), for tests that craft good and broken
// application-only requests: ES256 with a P-256 *ecdsa.PrivateKey, RS256
// with an *rsa.PrivateKey.
func MintClientAssertion(key crypto.Signer, kid string, claims map[string]any) (string, error) {
	var alg jose.SignatureAlgorithm
	switch key.(type) {
	case *ecdsa.PrivateKey:
		alg = jose.ES256
	case *rsa.PrivateKey:
		alg = jose.RS256
	default:
		return "", errors.New("providertest: MintClientAssertion takes an *ecdsa.PrivateKey or an *rsa.PrivateKey")
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), kid)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return "", err
	}
	return jwt.Signed(s).Claims(claims).Serialize()
}

// ClientAssertionClaims are the claims of a good client assertion for
// shop's token endpoint at the fake: iss and sub the API key, aud the
// endpoint, iat now (the fake's clock), exp a minute later, a fresh jti.
func (f *Shopify) ClientAssertionClaims(shop string) map[string]any {
	now := f.cfg.now()
	return map[string]any{
		"iss": f.cfg.apiKey, "sub": f.cfg.apiKey,
		"aud": f.URL + "/" + shop + "/admin/oauth/access_token",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": randomToken("jti_"),
	}
}

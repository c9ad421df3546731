package providertest

import (
	"crypto"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DPoP at the generic fake (RFC 9449), on with WithDPoP: a token request
// carrying a DPoP proof gets tokens bound to the proof's key (token_type
// DPoP, cnf.jkt in introspection); a bound refresh token is refreshed only
// with a proof by the same key; /userinfo takes a bound access token only
// as "Authorization: DPoP …" with a proof whose ath is its hash. Every
// proof is verified: one DPoP header, a compact JWS with one signature
// (ES256, EdDSA or RS256) whose typ is dpop+jwt and whose jwk header is a
// public key that verifies it, htm the request's method, htu its URL
// without query (http://host/path), iat within dpopWindow of the fake's
// clock, a jti never seen before, the current nonce when WithDPoPNonce
// asks for one. A refused proof is answered invalid_dpop_proof (400 at
// the token endpoint, 401 with WWW-Authenticate: DPoP at /userinfo); a
// missing or stale nonce use_dpop_nonce with the nonce in DPoP-Nonce, and
// the request is not acted on (a code is not spent).

// dpopWindow is how far a proof's iat may be from the fake's clock.
const dpopWindow = time.Minute

// dpopAlgs are the proof algorithms the fake accepts.
var dpopAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA, jose.RS256}

// dpopConfig holds the DPoP options.
type dpopConfig struct {
	enabled bool
	nonce   bool // every proof must carry the current nonce
}

// WithDPoP turns DPoP on (see the generic fake's DPoP rules above).
// Requests without a proof still get Bearer tokens, as real servers that
// support DPoP give them.
func WithDPoP() GenericOption {
	return genericOption(func(c *genericConfig) { c.ext.dpop.enabled = true })
}

// WithDPoPNonce turns DPoP on and requires every proof, at the token
// endpoint and at /userinfo, to carry the fake's current nonce (RFC 9449
// §8 and §9): a proof without it is answered use_dpop_nonce with the nonce
// in a DPoP-Nonce header. RotateDPoPNonce changes it.
func WithDPoPNonce() GenericOption {
	return genericOption(func(c *genericConfig) { c.ext.dpop.enabled, c.ext.dpop.nonce = true, true })
}

// DPoPNonce returns the nonce proofs must carry ("" unless WithDPoPNonce).
func (g *Generic) DPoPNonce() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ext.nonce
}

// RotateDPoPNonce replaces the nonce proofs must carry and returns the new
// one: the next proof with the old one is answered use_dpop_nonce.
func (g *Generic) RotateDPoPNonce() string {
	n := randomToken("nonce_")
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ext.nonce = n
	return n
}

// DPoPBinding returns the key thumbprint (jkt) tok is bound to, "" for an
// unbound or unknown token.
func (g *Generic) DPoPBinding(tok string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if info := g.ext.tokens[tok]; info != nil {
		return info.jkt
	}
	return ""
}

// dpopClaims are a proof's claims (RFC 9449 §4.2).
type dpopClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   *int64 `json:"iat"`
	Nonce string `json:"nonce"`
	ATH   string `json:"ath"`
}

// proofCheck is the outcome of checking a request's proof.
type proofCheck struct {
	jkt     string // the proof's key thumbprint; "" when there was no proof
	refused string // why the proof is refused (invalid_dpop_proof)
	nonce   bool   // the proof lacks the current nonce (use_dpop_nonce)
}

// checkProof verifies the DPoP proof of r, for a request using
// accessToken ("" at the token endpoint). A request without a proof, or
// any request while DPoP is off, passes with no jkt.
func (g *Generic) checkProof(r *http.Request, accessToken string) proofCheck {
	vals := r.Header.Values("DPoP")
	if !g.cfg.ext.dpop.enabled || len(vals) == 0 {
		return proofCheck{}
	}
	c := g.verifyProof(r, vals, accessToken)
	switch {
	case c.refused != "":
		g.count(func(s *GenericStats) { s.DPoPProofsRefused++ })
	case c.nonce:
		g.count(func(s *GenericStats) { s.DPoPNonceChallenges++ })
	default:
		g.count(func(s *GenericStats) { s.DPoPProofs++ })
	}
	return c
}

func (g *Generic) verifyProof(r *http.Request, vals []string, accessToken string) proofCheck {
	refuse := func(why string) proofCheck { return proofCheck{refused: why} }
	if len(vals) != 1 {
		return refuse("exactly one DPoP header is allowed")
	}
	tok, h, reason := parseSignedJWT(vals[0], dpopAlgs, "dpop+jwt", false)
	if reason != "" {
		return refuse(reason)
	}
	jwk := h.JSONWebKey
	if jwk == nil || !jwk.IsPublic() || !jwk.Valid() {
		return refuse("the jwk header must hold the public key")
	}
	var c dpopClaims
	if err := tok.Claims(jwk.Key, &c); err != nil {
		return refuse("the signature does not verify with the jwk header's key")
	}
	now := g.cfg.now()
	switch {
	case c.JTI == "":
		return refuse("jti is required")
	case c.HTM != r.Method:
		return refuse("htm does not match the request's method")
	case c.HTU != baseOf(r)+r.URL.Path:
		return refuse("htu does not match the request's URL")
	case c.IAT == nil:
		return refuse("iat is required")
	case time.Unix(*c.IAT, 0).Before(now.Add(-dpopWindow)) || time.Unix(*c.IAT, 0).After(now.Add(dpopWindow)):
		return refuse("iat is too far from the server's clock")
	case accessToken != "" && c.ATH != s256(accessToken):
		return refuse("ath does not match the access token")
	}
	if g.cfg.ext.dpop.nonce && c.Nonce != g.DPoPNonce() {
		return proofCheck{nonce: true}
	}
	// Remembered until no clock could take its iat as fresh again.
	seen := jwt.Claims{ID: c.JTI, Expiry: jwt.NewNumericDate(time.Unix(*c.IAT, 0).Add(dpopWindow))}
	g.mu.Lock()
	fresh := g.ext.jtis.first(seen, now)
	if !fresh {
		g.stats.DPoPReplayedProofs++
	}
	g.mu.Unlock()
	if !fresh {
		return refuse("the proof was already used (jti seen before)")
	}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return refuse("the jwk has no thumbprint")
	}
	return proofCheck{jkt: base64.RawURLEncoding.EncodeToString(sum)}
}

// tokenProof checks a token request's proof and answers a refused one
// (400 invalid_dpop_proof) or a nonce challenge (400 use_dpop_nonce with
// DPoP-Nonce): ok false means the request was answered and not acted on.
func (g *Generic) tokenProof(w http.ResponseWriter, r *http.Request) (jkt string, ok bool) {
	c := g.checkProof(r, "")
	switch {
	case c.refused != "":
		g.fail(w, http.StatusBadRequest, "invalid_dpop_proof", c.refused)
		return "", false
	case c.nonce:
		w.Header().Set("DPoP-Nonce", g.DPoPNonce())
		g.fail(w, http.StatusBadRequest, "use_dpop_nonce", "the DPoP proof must carry the server's nonce")
		return "", false
	}
	return c.jkt, true
}

// resourceAuth checks the access token of a /userinfo call: a bound token
// only with the DPoP scheme and a proof by its key, an unbound one only
// as Bearer. It answers the refusals itself (401 with WWW-Authenticate).
func (g *Generic) resourceAuth(w http.ResponseWriter, r *http.Request) bool {
	challenge := func(code string) bool {
		if g.cfg.ext.dpop.enabled {
			w.Header().Add("WWW-Authenticate", `DPoP algs="ES256 EdDSA RS256", error="`+code+`"`)
			if code == "use_dpop_nonce" {
				w.Header().Set("DPoP-Nonce", g.DPoPNonce())
			}
		}
		if code == "invalid_token" {
			w.Header().Add("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": code})
		return false
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !g.AccessTokenValid(tok) {
		return challenge("invalid_token")
	}
	bound := g.DPoPBinding(tok)
	switch {
	case scheme == "Bearer" && bound == "":
		return true
	case scheme != "DPoP" || bound == "":
		return challenge("invalid_token")
	}
	c := g.checkProof(r, tok)
	switch {
	case c.refused != "":
		return challenge("invalid_dpop_proof")
	case c.nonce:
		return challenge("use_dpop_nonce")
	case c.jkt != bound:
		g.count(func(s *GenericStats) { s.DPoPProofsRefused++ })
		return challenge("invalid_dpop_proof")
	}
	return true
}

package client

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DPoP (RFC 9449): a session's tokens are bound to a key the client holds,
// and every request that uses them carries a fresh proof signed with it.

// TokenTypeDPoP is the token_type of a DPoP-bound access token (RFC 9449
// §5), as Session.TokenType holds it.
const TokenTypeDPoP = "DPoP"

// DPoPProofType is the typ header of a DPoP proof (RFC 9449 §4.2).
const DPoPProofType = "dpop+jwt"

// DPoPKey is the private key a session's DPoP proofs are signed with
// (RFC 9449). Client generates one per grant when its provider uses DPoP
// (see DPoPProvider) and keeps it in Session.DPoPKey; the stores persist
// it with the session's JSON encoding, as a private JWK (RFC 7517). It is
// immutable and safe for concurrent use. Printing it, with any fmt verb or
// log/slog, shows its algorithm and thumbprint, never the key.
type DPoPKey struct {
	// k is behind a pointer so that a DPoPKey printed as a field of a
	// struct without its methods shows an address, not the key.
	k *dpopKey
}

type dpopKey struct {
	priv   crypto.Signer
	alg    jose.SignatureAlgorithm
	signer jose.Signer // typ dpop+jwt, the public key embedded as jwk
	jkt    string
}

// GenerateDPoPKey returns a new P-256 key (ES256), the algorithm every
// DPoP server supports.
func GenerateDPoPKey() (*DPoPKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, errors.New("oauthx: generating a DPoP key failed")
	}
	return NewDPoPKey(k)
}

// NewDPoPKey wraps an existing private key: an *ecdsa.PrivateKey on P-256
// (ES256), an ed25519.PrivateKey (EdDSA) or an *rsa.PrivateKey of at least
// 2048 bits (RS256). Keys that cannot be written out as a JWK (an HSM or
// KMS signer) are refused: the key is stored with the session.
func NewDPoPKey(key crypto.Signer) (*DPoPKey, error) {
	switch key.(type) {
	case *ecdsa.PrivateKey, ed25519.PrivateKey, *rsa.PrivateKey:
	case nil:
		return nil, errors.New("oauthx: DPoP key: nil")
	default:
		return nil, fmt.Errorf("oauthx: DPoP key: unsupported type %T (use *ecdsa.PrivateKey, ed25519.PrivateKey or *rsa.PrivateKey)", key)
	}
	alg, err := algFor(key.Public())
	if err != nil {
		return nil, errors.New("oauthx: DPoP key: " + err.Error())
	}
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType(DPoPProofType)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return nil, errors.New("oauthx: DPoP key: " + err.Error())
	}
	pub := jose.JSONWebKey{Key: key.Public()}
	sum, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, errors.New("oauthx: DPoP key: " + err.Error())
	}
	return &DPoPKey{k: &dpopKey{priv: key, alg: alg, signer: signer, jkt: base64.RawURLEncoding.EncodeToString(sum)}}, nil
}

// Algorithm is the proofs' JWS algorithm: "ES256", "EdDSA" or "RS256"
// ("" for a zero DPoPKey).
func (k DPoPKey) Algorithm() string {
	if k.k == nil {
		return ""
	}
	return string(k.k.alg)
}

// Thumbprint is the key's JWK SHA-256 thumbprint (RFC 7638), base64url:
// the "jkt" a server binds the session's tokens to (RFC 9449 §6). It is
// derived from the public key and is not secret.
func (k DPoPKey) Thumbprint() string {
	if k.k == nil {
		return ""
	}
	return k.k.jkt
}

// Public returns the public half of the key.
func (k DPoPKey) Public() crypto.PublicKey {
	if k.k == nil {
		return nil
	}
	return k.k.priv.Public()
}

// dpopClaims are the claims of a proof (RFC 9449 §4.2).
type dpopClaims struct {
	JTI   string `json:"jti"`
	HTM   string `json:"htm"`
	HTU   string `json:"htu"`
	IAT   int64  `json:"iat"`
	Nonce string `json:"nonce,omitempty"`
	ATH   string `json:"ath,omitempty"`
}

// Proof returns a DPoP proof (RFC 9449 §4.2) for one request: a JWT of
// typ dpop+jwt carrying the public key as its jwk header, signed with the
// key, with a random jti, htm method, htu target without its query and
// fragment, iat now, nonce when not empty (the server's latest DPoP-Nonce),
// and, when accessToken is not empty, ath: the base64url SHA-256 of the
// access token (for requests to a resource server). Client and DPoPTransport
// call it for every request they send; call it yourself only for requests
// they do not send.
func (k DPoPKey) Proof(method, target, nonce, accessToken string, now time.Time) (string, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", errors.New("oauthx: DPoP proof needs an absolute target URL")
	}
	return k.proof(method, u, nonce, accessToken, now)
}

func (k DPoPKey) proof(method string, u *url.URL, nonce, accessToken string, now time.Time) (string, error) {
	if k.k == nil {
		return "", errors.New("oauthx: DPoP proof: no key (use GenerateDPoPKey)")
	}
	if method == "" {
		method = http.MethodGet
	}
	c := dpopClaims{JTI: GenerateVerifier(), HTM: method, HTU: dpopTarget(u), IAT: now.Unix(), Nonce: nonce}
	if accessToken != "" {
		c.ATH = bindingOf(accessToken)
	}
	tok, err := jwt.Signed(k.k.signer).Claims(c).Serialize()
	if err != nil {
		return "", errors.New("oauthx: signing the DPoP proof failed")
	}
	return tok, nil
}

// dpopTarget is a proof's htu: the URL without user info, query and
// fragment (RFC 9449 §4.2).
func dpopTarget(u *url.URL) string {
	t := url.URL{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Host), Path: u.Path, RawPath: u.RawPath}
	return t.String()
}

// MarshalJSON writes the key as a private JWK (RFC 7517), "d" included:
// it is the storage encoding, meant for stores, not for logs.
func (k DPoPKey) MarshalJSON() ([]byte, error) {
	if k.k == nil {
		return nil, errors.New("oauthx: empty DPoP key")
	}
	return jose.JSONWebKey{Key: k.k.priv, Algorithm: string(k.k.alg), Use: "sig"}.MarshalJSON()
}

// UnmarshalJSON reads what MarshalJSON wrote. A public key, or a key of a
// kind NewDPoPKey refuses, is an error that does not quote the input.
func (k *DPoPKey) UnmarshalJSON(data []byte) error {
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(data); err != nil {
		return errors.New("oauthx: stored DPoP key is not a JWK")
	}
	signer, ok := jwk.Key.(crypto.Signer)
	if !ok || jwk.IsPublic() {
		return errors.New("oauthx: stored DPoP key is not a private key")
	}
	nk, err := NewDPoPKey(signer)
	if err != nil {
		return err
	}
	*k = *nk
	return nil
}

// String names the algorithm and thumbprint, never the key.
func (k DPoPKey) String() string {
	if k.k == nil {
		return "client.DPoPKey{}"
	}
	return "client.DPoPKey{Algorithm: " + string(k.k.alg) + ", Thumbprint: " + k.k.jkt + "}"
}

// GoString is the %#v form: the same as String.
func (k DPoPKey) GoString() string { return k.String() }

// Format makes every fmt verb print the redacted form.
func (k DPoPKey) Format(f fmt.State, verb rune) { FormatRedacted(f, verb, k.String()) }

// LogValue implements slog.LogValuer without the key.
func (k DPoPKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// DPoPProvider is implemented by providers that may use DPoP
// (providers.Provider does; providers.WithDPoP turns it on). When
// UsesDPoP reports true, Client binds every grant to a DPoP key: it
// generates one for a code exchange, a client credentials grant and a
// device authorization (unless WithDPoPKey gives one), refreshes with the
// key of the session being refreshed, sends a proof with every token
// request, and accepts token_type DPoP.
type DPoPProvider interface {
	// UsesDPoP reports whether the provider's grants are bound to DPoP
	// keys.
	UsesDPoP() bool
}

// UsesDPoP reports whether the client's provider uses DPoP (see
// DPoPProvider).
func (c *Client) UsesDPoP() bool {
	p, ok := c.cfg.Provider.(DPoPProvider)
	return ok && p.UsesDPoP()
}

// WithDPoPKey binds the grant to key instead of a newly generated one
// (ignored when the provider does not use DPoP). On a refresh it replaces
// the session's key only if the server accepts the new proof for the
// session's refresh token.
func WithDPoPKey(key *DPoPKey) ExchangeOption {
	return func(r *TokenRequest) { r.DPoPKey = key }
}

// dpopKeyFor decides the key a token request is bound to: the one given,
// the refreshed session's, or a new one.
func (c *Client) dpopKeyFor(r *TokenRequest) error {
	if !c.UsesDPoP() {
		r.DPoPKey = nil
		return nil
	}
	if r.DPoPKey != nil && r.DPoPKey.k != nil {
		return nil
	}
	if p := r.Previous; p != nil && p.DPoPKey != nil && p.DPoPKey.k != nil {
		r.DPoPKey = p.DPoPKey
		return nil
	}
	k, err := GenerateDPoPKey()
	if err != nil {
		return err
	}
	r.DPoPKey = k
	return nil
}

// maxDPoPNonces bounds how many servers' nonces one Client or
// DPoPTransport remembers.
const maxDPoPNonces = 256

// dpopNonces remembers the latest DPoP-Nonce each server (scheme and
// host) sent (RFC 9449 §8 and §9).
type dpopNonces struct {
	mu sync.Mutex
	m  map[string]string
}

func nonceOrigin(u *url.URL) string { return strings.ToLower(u.Scheme + "://" + u.Host) }

func (n *dpopNonces) get(u *url.URL) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.m[nonceOrigin(u)]
}

// update keeps the nonce of an answer's DPoP-Nonce header, if it has one.
func (n *dpopNonces) update(u *url.URL, h http.Header) {
	v := strings.TrimSpace(h.Get("DPoP-Nonce"))
	if v == "" || len(v) > 1024 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	o := nonceOrigin(u)
	if _, known := n.m[o]; n.m == nil || (!known && len(n.m) >= maxDPoPNonces) {
		n.m = make(map[string]string) // bounded: a new server past the limit starts over
	}
	n.m[o] = v
}

// dpopSigner signs the proofs of one request, its retries included (a
// retry gets a fresh proof: a server remembers the jti of every proof it
// saw).
type dpopSigner struct {
	key    *DPoPKey
	nonces *dpopNonces
	now    func() time.Time
	proofs []string
}

type dpopSignerKey struct{}

// sign sets req's DPoP header to a fresh proof.
func (d *dpopSigner) sign(req *http.Request) error {
	proof, err := d.key.proof(req.Method, req.URL, d.nonces.get(req.URL), "", d.now()) // no ath at the token endpoint
	if err != nil {
		return err
	}
	req.Header = req.Header.Clone()
	req.Header.Set("DPoP", proof)
	d.proofs = append(d.proofs, proof)
	return nil
}

// attach signs req and returns it with the signer in its context, for
// the retries (prepareRetry).
func (d *dpopSigner) attach(req *http.Request) (*http.Request, error) {
	if err := d.sign(req); err != nil {
		return nil, err
	}
	return req.WithContext(context.WithValue(req.Context(), dpopSignerKey{}, d)), nil
}

// prepareRetry re-signs a request about to be sent again.
func prepareRetry(req *http.Request) error {
	if d, ok := req.Context().Value(dpopSignerKey{}).(*dpopSigner); ok {
		return d.sign(req)
	}
	return nil
}

// isNonceChallenge reports whether an answer asks for the request again
// with the nonce of its DPoP-Nonce header (RFC 9449 §8: 400
// use_dpop_nonce from an authorization server; §9: 401 with
// WWW-Authenticate: DPoP error="use_dpop_nonce" from a resource server).
// The server did not act on the request.
func isNonceChallenge(status int, h http.Header, body []byte) bool {
	if h.Get("DPoP-Nonce") == "" || (status != http.StatusBadRequest && status != http.StatusUnauthorized) {
		return false
	}
	for _, v := range h.Values("WWW-Authenticate") {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "dpop") && strings.Contains(v, "use_dpop_nonce") {
			return true
		}
	}
	if status != http.StatusBadRequest {
		return false
	}
	obj, err := DecodeJSONObject(&Response{StatusCode: status, Header: h, Body: body})
	if err != nil {
		return false
	}
	code, _ := obj["error"].(string)
	return code == "use_dpop_nonce"
}

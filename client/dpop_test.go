package client_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// proofOf verifies a DPoP proof with the key of its own jwk header, as a
// server does, and returns its claims and that key's thumbprint.
func proofOf(t *testing.T, proof string) (map[string]any, string) {
	t.Helper()
	jws, err := jose.ParseSigned(proof, []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA, jose.RS256})
	require.NoError(t, err)
	require.Len(t, jws.Signatures, 1)
	h := jws.Signatures[0].Protected
	require.Equal(t, "dpop+jwt", h.ExtraHeaders[jose.HeaderType])
	require.NotNil(t, h.JSONWebKey)
	require.True(t, h.JSONWebKey.IsPublic(), "the jwk header holds the public key only")
	payload, err := jws.Verify(h.JSONWebKey.Key)
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	sum, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	require.NoError(t, err)
	return claims, base64.RawURLEncoding.EncodeToString(sum)
}

// proofRecorder is a RoundTripper that records the DPoP header of every
// request it sends.
type proofRecorder struct {
	mu     sync.Mutex
	proofs []string
}

func (p *proofRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if v := r.Header.Get("DPoP"); v != "" {
		p.mu.Lock()
		p.proofs = append(p.proofs, v)
		p.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (p *proofRecorder) last() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.proofs[len(p.proofs)-1]
}

func dpopClient(t *testing.T, fake *providertest.Generic, hc *http.Client, opts ...providers.GenericOption) *client.Client {
	t.Helper()
	opts = append([]providers.GenericOption{providers.WithDPoP(), providers.WithIntrospectionURL(fake.IntrospectionURL()),
		providers.WithDeviceAuthURL(fake.DeviceAuthURL())}, opts...)
	copts := []client.Option{client.WithRetryWait(time.Millisecond, 10*time.Millisecond)}
	if hc != nil {
		copts = append(copts, client.WithHTTPClient(hc))
	}
	c, err := client.New(client.Config{Provider: providers.Generic(fake.URL, opts...), ClientID: fake.ClientID,
		ClientSecret: fake.ClientSecret, RedirectURL: redirect}, copts...)
	require.NoError(t, err)
	return c
}

func TestDPoPKeyProof(t *testing.T) {
	t.Parallel()
	k, err := client.GenerateDPoPKey()
	require.NoError(t, err)
	require.Equal(t, "ES256", k.Algorithm())
	now := time.Unix(1_900_000_000, 0)
	p1, err := k.Proof("POST", "https://as.example.com/token?x=1#frag", "n-1", "", now)
	require.NoError(t, err)
	claims, jkt := proofOf(t, p1)
	require.Equal(t, k.Thumbprint(), jkt)
	assert.Equal(t, "POST", claims["htm"])
	assert.Equal(t, "https://as.example.com/token", claims["htu"], "htu has no query or fragment")
	assert.Equal(t, float64(now.Unix()), claims["iat"])
	assert.Equal(t, "n-1", claims["nonce"])
	assert.NotContains(t, claims, "ath", "a token request's proof has no ath")
	p2, err := k.Proof("GET", "https://rs.example.com/api", "", "the-access-token", now)
	require.NoError(t, err)
	claims2, _ := proofOf(t, p2)
	sum := sha256.Sum256([]byte("the-access-token"))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), claims2["ath"])
	assert.NotContains(t, claims2, "nonce")
	assert.NotEqual(t, claims["jti"], claims2["jti"], "every proof has its own jti")

	_, err = k.Proof("GET", "/relative", "", "", now)
	require.Error(t, err)

	// EdDSA and RS256 keys are taken; keys of other kinds are refused.
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	ek, err := client.NewDPoPKey(edKey)
	require.NoError(t, err)
	require.Equal(t, "EdDSA", ek.Algorithm())
	p3, err := ek.Proof("GET", "https://rs.example.com/", "", "", now)
	require.NoError(t, err)
	_, jkt3 := proofOf(t, p3)
	require.Equal(t, ek.Thumbprint(), jkt3)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	_, err = client.NewDPoPKey(p384)
	require.ErrorContains(t, err, "P-256")
	_, err = client.NewDPoPKey(nil)
	require.Error(t, err)
}

func TestDPoPKeyJSONAndRedaction(t *testing.T) {
	t.Parallel()
	k, err := client.GenerateDPoPKey()
	require.NoError(t, err)
	s := &client.Session{ID: "generic:u1", Provider: "generic", AccessToken: "at-x", TokenType: client.TokenTypeDPoP, DPoPKey: k}
	b, err := json.Marshal(s)
	require.NoError(t, err)
	require.Contains(t, string(b), `"dpop_key":{`)
	var back client.Session
	require.NoError(t, json.Unmarshal(b, &back))
	require.NotNil(t, back.DPoPKey)
	require.Equal(t, k.Thumbprint(), back.DPoPKey.Thumbprint())
	// The key read back signs proofs the same key verifies.
	p, err := back.DPoPKey.Proof("GET", "https://rs.example.com/", "", "", time.Now())
	require.NoError(t, err)
	_, jkt := proofOf(t, p)
	require.Equal(t, k.Thumbprint(), jkt)

	// The private scalar, in every form it could be printed.
	var raw struct{ D string }
	var stored map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &stored))
	require.NoError(t, json.Unmarshal(stored["dpop_key"], &raw))
	require.NotEmpty(t, raw.D)
	d, err := base64.RawURLEncoding.DecodeString(raw.D)
	require.NoError(t, err)
	forms := []string{raw.D, fmt.Sprint(d), fmt.Sprintf("%x", d), base64.StdEncoding.EncodeToString(d)}
	var logs strings.Builder
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("s", "session", s, "key", k, "keyval", *k)
	type holder struct {
		Key  *client.DPoPKey
		Val  client.DPoPKey
		Sess client.Session
	}
	h := holder{Key: k, Val: *k, Sess: *s}
	req := client.TokenRequest{Grant: client.GrantRefreshToken, DPoPKey: k}
	texts := []string{logs.String()}
	for _, v := range []any{s, *s, k, *k, h, &h, req} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			texts = append(texts, fmt.Sprintf(verb, v))
		}
	}
	for _, text := range texts {
		for _, f := range forms {
			require.NotContains(t, text, f)
		}
	}
	require.Contains(t, s.String(), k.Thumbprint(), "a session names its key by thumbprint")

	// A public key or garbage is refused, without quoting it.
	var bad client.DPoPKey
	pub := jose.JSONWebKey{Key: k.Public()}
	pb, err := pub.MarshalJSON()
	require.NoError(t, err)
	require.ErrorContains(t, bad.UnmarshalJSON(pb), "not a private key")
	err = bad.UnmarshalJSON([]byte(`{"kty":"EC","d":"SENTINEL"}`))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "SENTINEL")
}

// A DPoP code exchange, refresh, client credentials and device grant
// against the strict fake: every token request carries a proof the fake
// verifies, the tokens are bound to the session's key (cnf.jkt), and the
// refresh signs with the same key.
func TestDPoPGrantsAgainstFake(t *testing.T) {
	t.Parallel()
	fake := providertest.NewGeneric(providertest.WithDPoP(), providertest.WithDeviceInterval(time.Millisecond))
	t.Cleanup(fake.Close)
	rec := &proofRecorder{}
	c := dpopClient(t, fake, &http.Client{Transport: rec})
	require.True(t, c.UsesDPoP())
	ctx := context.Background()

	s, err := c.ExchangeCode(ctx, fake.IssueCode(redirect))
	require.NoError(t, err)
	require.Equal(t, client.TokenTypeDPoP, s.TokenType)
	require.NotNil(t, s.DPoPKey)
	jkt := s.DPoPKey.Thumbprint()
	require.Equal(t, jkt, fake.DPoPBinding(s.AccessToken))
	require.Equal(t, jkt, fake.DPoPBinding(s.RefreshToken))
	claims, proofJKT := proofOf(t, rec.last())
	require.Equal(t, jkt, proofJKT)
	require.Equal(t, "POST", claims["htm"])
	require.Equal(t, fake.TokenURL(), claims["htu"])

	in, err := c.Introspect(ctx, s.AccessToken, client.HintAccessToken)
	require.NoError(t, err)
	require.Equal(t, jkt, in.JKT)
	require.Equal(t, "DPoP", in.TokenType)

	s2, err := c.Refresh(ctx, s)
	require.NoError(t, err)
	require.Same(t, s.DPoPKey, s2.DPoPKey, "a refresh keeps the session's key")
	require.Equal(t, jkt, fake.DPoPBinding(s2.AccessToken))
	_, refreshJKT := proofOf(t, rec.last())
	require.Equal(t, jkt, refreshJKT, "the refresh's proof is signed with the session's key")

	// The bound refresh token is refused with another key, and not spent.
	other, err := client.GenerateDPoPKey()
	require.NoError(t, err)
	_, err = c.Refresh(ctx, s2, client.WithDPoPKey(other))
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	var ce *client.Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "invalid_dpop_proof", ce.Code)
	s3, err := c.Refresh(ctx, s2)
	require.NoError(t, err)
	require.Equal(t, jkt, fake.DPoPBinding(s3.AccessToken))

	cc, err := c.ClientCredentials(ctx)
	require.NoError(t, err)
	require.Equal(t, client.TokenTypeDPoP, cc.TokenType)
	require.NotEqual(t, jkt, cc.DPoPKey.Thumbprint(), "each grant has its own key")
	require.Equal(t, cc.DPoPKey.Thumbprint(), fake.DPoPBinding(cc.AccessToken))
	renewed, err := c.Refresh(ctx, cc) // a new client credentials grant, same key
	require.NoError(t, err)
	require.Equal(t, cc.DPoPKey.Thumbprint(), fake.DPoPBinding(renewed.AccessToken))

	da, err := c.StartDeviceAuth(ctx)
	require.NoError(t, err)
	require.True(t, fake.ApproveDevice(da.UserCode))
	ds, err := c.PollDeviceToken(ctx, da)
	require.NoError(t, err)
	require.Equal(t, client.TokenTypeDPoP, ds.TokenType)
	require.Equal(t, ds.DPoPKey.Thumbprint(), fake.DPoPBinding(ds.AccessToken))

	st := fake.Stats()
	require.Zero(t, st.DPoPReplayedProofs)
	require.Equal(t, 1, st.DPoPProofsRefused, "only the other key's refresh")
	require.GreaterOrEqual(t, st.DPoPProofs, 7)
}

// A replayed proof and a proof for another URL are refused by the fake,
// at the token endpoint (where the refresh token is not spent) and at its
// resource endpoint.
func TestDPoPFakeRefusesReplayedAndMisdirectedProofs(t *testing.T) {
	t.Parallel()
	fake := providertest.NewGeneric(providertest.WithDPoP())
	t.Cleanup(fake.Close)
	rec := &proofRecorder{}
	c := dpopClient(t, fake, &http.Client{Transport: rec})
	ctx := context.Background()
	s, err := c.ExchangeCode(ctx, fake.IssueCode(redirect))
	require.NoError(t, err)
	used := rec.last()

	refresh := func(proof string) (int, string) {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.RefreshToken},
			"client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret}}
		req, err := http.NewRequest(http.MethodPost, fake.TokenURL(), strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("DPoP", proof)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body struct{ Error string }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp.StatusCode, body.Error
	}
	status, code := refresh(used) // the exchange's proof, replayed
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "invalid_dpop_proof", code)
	require.Equal(t, 1, fake.Stats().DPoPReplayedProofs)

	elsewhere, err := s.DPoPKey.Proof(http.MethodPost, fake.URL+"/oauth2/other", "", "", time.Now())
	require.NoError(t, err)
	status, code = refresh(elsewhere)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "invalid_dpop_proof", code)
	wrongMethod, err := s.DPoPKey.Proof(http.MethodGet, fake.TokenURL(), "", "", time.Now())
	require.NoError(t, err)
	status, _ = refresh(wrongMethod)
	require.Equal(t, http.StatusBadRequest, status)
	_, err = c.Refresh(ctx, s)
	require.NoError(t, err, "the refused requests did not spend the refresh token")

	// The resource endpoint.
	s2, err := c.Refresh(ctx, s) // s's refresh token is spent: this fails
	require.ErrorIs(t, err, client.ErrReauthorize)
	require.Nil(t, s2)
	fresh, err := c.ExchangeCode(ctx, fake.IssueCode(redirect))
	require.NoError(t, err)
	call := func(scheme, proof string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, fake.URL+"/userinfo", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", scheme+" "+fresh.AccessToken)
		if proof != "" {
			req.Header.Set("DPoP", proof)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
	}
	good, err := fresh.DPoPKey.Proof(http.MethodGet, fake.URL+"/userinfo", "", fresh.AccessToken, time.Now())
	require.NoError(t, err)
	status, _ = call("DPoP", good)
	require.Equal(t, http.StatusOK, status)
	status, challenge := call("DPoP", good) // replayed
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, challenge, `error="invalid_dpop_proof"`)
	misdirected, err := fresh.DPoPKey.Proof(http.MethodGet, fake.URL+"/elsewhere", "", fresh.AccessToken, time.Now())
	require.NoError(t, err)
	status, challenge = call("DPoP", misdirected)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, challenge, `error="invalid_dpop_proof"`)
	noATH, err := fresh.DPoPKey.Proof(http.MethodGet, fake.URL+"/userinfo", "", "", time.Now())
	require.NoError(t, err)
	status, _ = call("DPoP", noATH)
	require.Equal(t, http.StatusUnauthorized, status)
	otherKey, err := client.GenerateDPoPKey()
	require.NoError(t, err)
	stolen, err := otherKey.Proof(http.MethodGet, fake.URL+"/userinfo", "", fresh.AccessToken, time.Now())
	require.NoError(t, err)
	status, _ = call("DPoP", stolen)
	require.Equal(t, http.StatusUnauthorized, status, "a proof by another key")
	status, _ = call("Bearer", "")
	require.Equal(t, http.StatusUnauthorized, status, "a bound token used as a bearer token")
	require.Equal(t, 2, fake.Stats().DPoPReplayedProofs)
}

// The nonce dance at the token endpoint: a single-use code is sent a
// second time only because the fake answered use_dpop_nonce (it did not
// act on the first request), with the fake's nonce, and is exchanged
// once. The Client remembers the nonce: its next request needs no dance.
func TestDPoPNonceDanceAtTokenEndpoint(t *testing.T) {
	t.Parallel()
	fake := providertest.NewGeneric(providertest.WithDPoPNonce())
	t.Cleanup(fake.Close)
	rec := &proofRecorder{}
	c := dpopClient(t, fake, &http.Client{Transport: rec})
	ctx := context.Background()
	s, err := c.ExchangeCode(ctx, fake.IssueCode(redirect))
	require.NoError(t, err)
	st := fake.Stats()
	require.Equal(t, 2, st.Requests, "the code was sent twice")
	require.Equal(t, 1, st.DPoPNonceChallenges)
	require.Equal(t, 1, st.CodeExchanges)
	require.Zero(t, st.ReusedCodes, "the first request did not spend the code")
	claims, _ := proofOf(t, rec.last())
	require.Equal(t, fake.DPoPNonce(), claims["nonce"])

	_, err = c.Refresh(ctx, s)
	require.NoError(t, err)
	require.Equal(t, 3, fake.Stats().Requests, "the remembered nonce needs no second dance")

	// A new nonce: one more dance, for the refresh token this time.
	fake.RotateDPoPNonce()
	s2, err := c.Refresh(ctx, s)
	require.ErrorIs(t, err, client.ErrReauthorize, "s's refresh token was rotated above")
	require.Nil(t, s2)
	st = fake.Stats()
	require.Equal(t, 5, st.Requests)
	require.Equal(t, 2, st.DPoPNonceChallenges)
}

// A server that keeps asking for a new nonce gets the request exactly
// twice: the one answer to use_dpop_nonce, never a loop.
func TestDPoPNonceChallengeAnsweredOnce(t *testing.T) {
	t.Parallel()
	challenge := func(n string) answer {
		return answer{400, map[string]string{"DPoP-Nonce": n}, `{"error":"use_dpop_nonce","error_description":"nonce required"}`}
	}
	rec := newRecorder(t, challenge("n-1"), challenge("n-2"), challenge("n-3"))
	c, err := client.New(client.Config{Provider: providers.Generic(rec.URL, providers.WithDPoP()), ClientID: "id",
		ClientSecret: "secret", RedirectURL: redirect}, client.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	require.NoError(t, err)
	_, err = c.ExchangeCode(context.Background(), "code-1")
	require.ErrorIs(t, err, client.ErrTransient)
	var ce *client.Error
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "use_dpop_nonce", ce.Code)
	require.False(t, ce.MaybeConsumed)
	seen := rec.requests()
	require.Len(t, seen, 2)
	first, _ := proofOf(t, seen[0].Header.Get("DPoP"))
	second, jkt := proofOf(t, seen[1].Header.Get("DPoP"))
	require.NotContains(t, first, "nonce")
	require.Equal(t, "n-1", second["nonce"])
	require.NotEqual(t, first["jti"], second["jti"])
	_, jkt0 := proofOf(t, seen[0].Header.Get("DPoP"))
	require.Equal(t, jkt0, jkt, "both proofs are signed with the grant's key")
	require.Equal(t, "code-1", seen[1].Form.Get("code"))
}

// A retry after 503 carries a fresh proof (a server remembers every jti).
func TestDPoPRetryGetsFreshProof(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, answer{503, nil, `{"error":"temporarily_unavailable"}`},
		answer{200, nil, `{"access_token":"at-1","token_type":"DPoP","expires_in":3600}`})
	c, err := client.New(client.Config{Provider: providers.Generic(rec.URL, providers.WithDPoP()), ClientID: "id",
		ClientSecret: "secret"}, client.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	require.NoError(t, err)
	s, err := c.ClientCredentials(context.Background())
	require.NoError(t, err)
	require.Equal(t, client.TokenTypeDPoP, s.TokenType)
	seen := rec.requests()
	require.Len(t, seen, 2)
	a, _ := proofOf(t, seen[0].Header.Get("DPoP"))
	b, _ := proofOf(t, seen[1].Header.Get("DPoP"))
	require.NotEqual(t, a["jti"], b["jti"])
}

// token_type handling: DPoP answered to a client that sent no proof is
// ErrBadResponse; Bearer answered to a DPoP request is kept as Bearer,
// with the key (a refresh token may still be bound to it).
func TestDPoPTokenTypes(t *testing.T) {
	t.Parallel()
	dpopAnswer := answer{200, nil, `{"access_token":"at-1","token_type":"DPoP","expires_in":3600}`}
	rec := newRecorder(t, dpopAnswer)
	plain, err := client.New(client.Config{Provider: providers.Generic(rec.URL), ClientID: "id", ClientSecret: "secret"})
	require.NoError(t, err)
	_, err = plain.ClientCredentials(context.Background())
	require.ErrorIs(t, err, client.ErrBadResponse)
	require.ErrorContains(t, err, "without a DPoP proof")
	require.Empty(t, rec.requests()[0].Header.Get("DPoP"))

	bearer := newRecorder(t, answer{200, nil, `{"access_token":"at-2","token_type":"bearer","refresh_token":"rt-2","expires_in":3600}`})
	c, err := client.New(client.Config{Provider: providers.Generic(bearer.URL, providers.WithDPoP()), ClientID: "id", ClientSecret: "secret"})
	require.NoError(t, err)
	s, err := c.ExchangeCode(context.Background(), "code")
	require.NoError(t, err)
	require.Equal(t, "Bearer", s.TokenType)
	require.NotNil(t, s.DPoPKey)
	require.NotEmpty(t, bearer.requests()[0].Header.Get("DPoP"))
}

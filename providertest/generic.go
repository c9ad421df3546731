package providertest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Generic is a fake of the generic OAuth2 provider (providers.Generic):
// POST /oauth2/token, GET /oauth2/authorize, GET /userinfo, and the RFC
// endpoints of generic_endpoints.go: POST /oauth2/revoke (RFC 7009),
// POST /oauth2/introspect (RFC 7662), POST /oauth2/device_authorization
// and the user's GET /device (RFC 8628, generic_device.go), and the
// metadata documents (RFC 8414, OpenID Connect Discovery;
// generic_discovery.go). Faults queued with Fail are served to requests of
// the token, revocation, introspection and device authorization endpoints,
// in order.
//
// With WithConsentPage, GET /oauth2/authorize shows a consent page with
// Allow and Deny (generic_consent.go) instead of approving at once.
//
// Codes are single-use and bound to their redirect_uri and PKCE challenge.
// Refresh tokens are single-use and rotate: a reused one is answered 400
// invalid_token, as the real endpoint does, and counted in
// Stats().ReusedRefreshTokens.
type Generic struct {
	// URL is the base URL to give providers.Generic.
	URL string
	// ClientID and ClientSecret are the credentials the fake accepts.
	ClientID, ClientSecret string

	fake[GenericStats]
	cfg genericConfig

	// under mu
	codes    map[string]codeGrant
	refresh  map[string][]string       // live refresh token → granted scopes
	spent    map[string]bool           // used codes and refresh tokens
	access   map[string]time.Time      // access token → expiry (zero: never)
	consents map[string]consentPending // consent pages not answered yet
	ext      genericExt                // the endpoints of generic_endpoints.go
}

// GenericStats counts what the fake has seen.
type GenericStats struct {
	Requests             int // token endpoint requests, faults included
	CodeExchanges        int // successful code exchanges
	Refreshes            int // successful refreshes
	Rejected             int // token requests answered with an error
	ReusedCodes          int // codes presented a second time
	ReusedRefreshTokens  int // refresh tokens presented after rotation
	ClientCredentials    int // client credentials grants answered with a token
	Revocations          int // authenticated revocation requests
	Introspections       int // authenticated introspection requests
	MetadataRequests     int // metadata documents served
	DeviceAuthorizations int // device authorization requests answered with a device code
	DevicePolls          int // device_code token requests, whatever the answer
	DeviceCodesReused    int // device codes polled after their terminal answer
	Assertions           int // client assertions accepted
	ReplayedAssertions   int // client assertions presented a second time (refused)
	ConsentPages         int // consent pages served (WithConsentPage)
	Consented            int // consent pages answered Allow
	Denied               int // consent pages answered Deny
	DPoPProofs           int // DPoP proofs that verified (token endpoint and /userinfo)
	DPoPProofsRefused    int // requests answered invalid_dpop_proof: bad or replayed proofs, or another key than the token's
	DPoPReplayedProofs   int // DPoP proofs whose jti was seen before (refused)
	DPoPNonceChallenges  int // proofs answered use_dpop_nonce (no nonce, or a stale one)
}

type codeGrant struct {
	redirectURI string
	challenge   string
	scopes      []string
}

type genericConfig struct {
	clientID, clientSecret string
	lifetime               time.Duration
	jsonBodies             bool
	messageErrors          bool
	consent                bool      // WithConsentPage
	ext                    extConfig // options of generic_endpoints.go
	common
}

// WithClientCredentials sets the accepted client id and secret (defaults
// "test-client" and "test-secret").
func WithClientCredentials(id, secret string) GenericOption {
	return genericOption(func(c *genericConfig) { c.clientID, c.clientSecret = id, secret })
}

// WithTokenLifetime sets expires_in (default one hour). Zero leaves
// expires_in out of answers, as some servers do; tokens then live 14 days.
func WithTokenLifetime(d time.Duration) GenericOption {
	return genericOption(func(c *genericConfig) { c.lifetime = d })
}

// WithJSONRequests makes the fake accept JSON bodies only (for
// providers.WithJSONBody); by default it accepts forms only.
func WithJSONRequests() GenericOption {
	return genericOption(func(c *genericConfig) { c.jsonBodies = true })
}

// WithMessageErrors answers errors in the {message, description} shape
// instead of RFC 6749's {error, error_description}.
func WithMessageErrors() GenericOption {
	return genericOption(func(c *genericConfig) { c.messageErrors = true })
}

// WithServerClock sets the fake's clock.
//
// Deprecated: use WithClock, which every fake takes.
func WithServerClock(now func() time.Time) GenericOption { return WithClock(now) }

// NewGeneric starts a fake generic provider on a loopback port. Close it
// when done.
func NewGeneric(opts ...GenericOption) *Generic {
	cfg := genericConfig{clientID: "test-client", clientSecret: "test-secret", lifetime: time.Hour, common: defaultCommon()}
	for _, o := range opts {
		if o != nil {
			o.applyGeneric(&cfg)
		}
	}
	g := &Generic{
		ClientID: cfg.clientID, ClientSecret: cfg.clientSecret, cfg: cfg,
		codes: map[string]codeGrant{}, refresh: map[string][]string{},
		spent: map[string]bool{}, access: map[string]time.Time{},
		consents: map[string]consentPending{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.stats.Requests++
		g.mu.Unlock()
		g.faults.serve(w, r, g.token)
	})
	mux.HandleFunc("/oauth2/authorize", g.authorize)
	mux.HandleFunc("POST /oauth2/consent", g.consent)
	mux.HandleFunc("/userinfo", g.userinfo)
	g.ext.init()
	if cfg.ext.dpop.nonce {
		g.ext.nonce = randomToken("nonce_")
	}
	g.routes(mux)
	g.URL = g.start(cfg.common, mux)
	return g
}

// IssueCode returns a fresh single-use code, as if the user had consented
// at the authorize endpoint with this redirect_uri ("" for none) and scopes.
func (g *Generic) IssueCode(redirectURI string, scopes ...string) string {
	return g.issueCode(codeGrant{redirectURI: redirectURI, scopes: scopes})
}

// IssueCodeWithPKCE is IssueCode for an authorization that carried an S256
// code challenge derived from verifier.
func (g *Generic) IssueCodeWithPKCE(redirectURI, verifier string, scopes ...string) string {
	return g.issueCode(codeGrant{redirectURI: redirectURI, challenge: s256(verifier), scopes: scopes})
}

func (g *Generic) issueCode(c codeGrant) string {
	return issue(&g.fake, g.codes, "code_", c)
}

// AccessTokenValid reports whether tok is an access token the fake issued
// and that has not expired by its clock.
func (g *Generic) AccessTokenValid(tok string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	exp, ok := g.access[tok]
	return ok && (exp.IsZero() || g.cfg.now().Before(exp))
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

var genericAllowed = map[string][]string{
	"authorization_code": {"grant_type", "code", "redirect_uri", "code_verifier", "client_id", "client_secret"},
	"refresh_token":      {"grant_type", "refresh_token", "scope", "client_id", "client_secret"},
	"client_credentials": {"grant_type", "scope", "client_id", "client_secret"},
	deviceGrant:          {"grant_type", "device_code", "client_id", "client_secret"},
}

func (g *Generic) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		g.fail(w, http.StatusMethodNotAllowed, "invalid_request", "token endpoint takes POST")
		return
	}
	params, ok := g.readParams(w, r)
	if !ok {
		return
	}
	grant := params.Get("grant_type")
	allowed, known := genericAllowed[grant]
	if !known {
		g.fail(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code, refresh_token, client_credentials or device_code")
		return
	}
	if k, bad := unexpectedField(params, withAssertionParams(allowed)); bad {
		g.fail(w, http.StatusBadRequest, "invalid_request", "unexpected parameter "+strconv.Quote(k))
		return
	}
	if k, bad := repeatedField(params); bad {
		g.fail(w, http.StatusBadRequest, "invalid_request", "parameter "+strconv.Quote(k)+" repeated")
		return
	}
	jkt, ok := g.tokenProof(w, r) // generic_dpop.go; before anything is acted on
	if !ok {
		return
	}
	if !g.authenticate(r, params) {
		g.fail(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	switch grant {
	case "authorization_code":
		g.exchangeCode(w, params, jkt)
	case "client_credentials":
		g.clientCredentials(w, params, jkt)
	case deviceGrant:
		g.pollDevice(w, params, jkt)
	default:
		g.refreshToken(w, params, jkt)
	}
}

// readParams decodes the body in the one encoding the fake accepts.
func (g *Generic) readParams(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	want := "application/x-www-form-urlencoded"
	if g.cfg.jsonBodies {
		want = "application/json"
	}
	if mt != want {
		g.fail(w, http.StatusUnsupportedMediaType, "invalid_request", "content type must be "+want)
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !g.cfg.jsonBodies {
		if err := r.ParseForm(); err != nil {
			g.fail(w, http.StatusBadRequest, "invalid_request", "malformed form body")
			return nil, false
		}
		if len(r.URL.RawQuery) > 0 {
			g.fail(w, http.StatusBadRequest, "invalid_request", "parameters must be in the body, not the query")
			return nil, false
		}
		return r.PostForm, true
	}
	var obj map[string]string
	if err := json.NewDecoder(r.Body).Decode(&obj); err != nil {
		g.fail(w, http.StatusBadRequest, "invalid_request", "body must be a JSON object of strings")
		return nil, false
	}
	v := url.Values{}
	for k, s := range obj {
		v.Set(k, s)
	}
	return v, true
}

// authenticate accepts credentials in the body or as HTTP Basic, not both.
func (g *Generic) authenticate(r *http.Request, p url.Values) bool {
	if usesAssertion(p) {
		return g.authenticateAssertion(r, p) // generic_clientauth.go
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		if p.Has("client_id") || p.Has("client_secret") {
			return false
		}
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = p.Get("client_id"), p.Get("client_secret")
	}
	return sameCredentials(id, secret, g.cfg.clientID, g.cfg.clientSecret)
}

func (g *Generic) exchangeCode(w http.ResponseWriter, p url.Values, jkt string) {
	code := p.Get("code")
	// spent even if the checks below fail, as real servers do
	grant, ok, _ := spend(&g.fake, g.codes, g.spent, code, func(s *GenericStats) { s.ReusedCodes++ })
	if !ok {
		g.fail(w, http.StatusBadRequest, "invalid_code", "authorization code is invalid, expired or already used")
		return
	}
	if p.Get("redirect_uri") != grant.redirectURI {
		g.fail(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return
	}
	if desc, _ := pkceFailure(grant.challenge, p.Get("code_verifier")); desc != "" {
		g.fail(w, http.StatusBadRequest, "invalid_grant", desc)
		return
	}
	g.mu.Lock()
	g.stats.CodeExchanges++
	g.mu.Unlock()
	g.issueTokens(w, "authorization_code", "user-1", grant.scopes, true, jkt)
}

func (g *Generic) refreshToken(w http.ResponseWriter, p url.Values, jkt string) {
	rt := p.Get("refresh_token")
	g.mu.Lock()
	scopes, ok := g.refresh[rt]
	if !ok {
		if g.spent[rt] {
			g.stats.ReusedRefreshTokens++
		}
		g.mu.Unlock()
		g.fail(w, http.StatusBadRequest, "invalid_token", "refresh token is invalid or was already used")
		return
	}
	if info := g.ext.tokens[rt]; info != nil && info.jkt != "" && info.jkt != jkt {
		// Bound to a key (RFC 9449 §5): refused, and not spent.
		g.stats.DPoPProofsRefused++
		g.mu.Unlock()
		g.fail(w, http.StatusBadRequest, "invalid_dpop_proof", "the refresh token is bound to another DPoP key")
		return
	}
	if p.Has("scope") {
		asked := strings.Fields(p.Get("scope"))
		for _, s := range asked {
			if !slices.Contains(scopes, s) {
				g.mu.Unlock()
				g.fail(w, http.StatusBadRequest, "invalid_scope", "scope wider than the original grant")
				return
			}
		}
		scopes = asked
	}
	delete(g.refresh, rt)
	g.spent[rt] = true
	g.stats.Refreshes++
	subject, grant := "user-1", "authorization_code"
	if info := g.ext.tokens[rt]; info != nil {
		subject, grant = info.subject, info.grant
	}
	g.mu.Unlock()
	g.issueTokens(w, grant, subject, scopes, true, jkt)
}

// issueTokens answers a grant with a new access token and, when
// withRefresh, a new single-use refresh token, for subject; bound to the
// DPoP key jkt (token_type DPoP) when it is not empty.
func (g *Generic) issueTokens(w http.ResponseWriter, grant, subject string, scopes []string, withRefresh bool, jkt string) {
	at, rt := randomToken("at_"), ""
	lifetime := g.cfg.lifetime
	if lifetime == 0 {
		lifetime = 14 * 24 * time.Hour
	}
	g.mu.Lock()
	expiry := g.cfg.now().Add(lifetime)
	g.access[at] = expiry
	resp := map[string]any{"access_token": at, "token_type": "bearer"}
	if jkt != "" {
		resp["token_type"] = "DPoP"
	}
	if withRefresh {
		rt = randomToken("rt_")
		g.refresh[rt] = scopes
		resp["refresh_token"] = rt
	}
	g.remember(at, rt, grant, subject, scopes, expiry, jkt)
	g.mu.Unlock()
	if g.cfg.lifetime > 0 {
		resp["expires_in"] = int(g.cfg.lifetime / time.Second)
	}
	if len(scopes) > 0 {
		resp["scope"] = strings.Join(scopes, " ")
	}
	writeJSON(w, http.StatusOK, resp)
}

func (g *Generic) fail(w http.ResponseWriter, status int, code, desc string) {
	g.mu.Lock()
	g.stats.Rejected++
	g.mu.Unlock()
	if g.cfg.messageErrors {
		writeJSON(w, status, map[string]string{"message": code, "description": desc})
		return
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// authorize plays the user consenting at once: it redirects to
// redirect_uri with a fresh code and the state. With WithConsentPage it
// shows the consent page instead.
func (g *Generic) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" {
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	}
	target, ok := authorizeTarget(w, q, g.cfg.clientID)
	if !ok {
		return
	}
	if q.Get("state") == "" {
		http.Error(w, "state is required", http.StatusBadRequest)
		return
	}
	challenge, ok := pkceChallenge(w, q)
	if !ok {
		return
	}
	grant := codeGrant{redirectURI: q.Get("redirect_uri"), challenge: challenge, scopes: strings.Fields(q.Get("scope"))}
	if g.cfg.consent {
		g.consentPage(w, target, q.Get("state"), grant)
		return
	}
	redirectWithCode(w, r, target, g.issueCode(grant), q.Get("state"))
}

// userinfo answers a call with a valid access token: a bearer one as
// "Bearer", a DPoP-bound one as "DPoP" with a proof (resourceAuth).
func (g *Generic) userinfo(w http.ResponseWriter, r *http.Request) {
	if !g.resourceAuth(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"sub": "user-1"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

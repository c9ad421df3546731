package providertest

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PassportCodeLifetime is how long a Passport authorization code lives.
const PassportCodeLifetime = 10 * time.Minute

// PassportTokenLifetime is the default lifetime of Passport access tokens
// and id_tokens (the JWT exp).
const PassportTokenLifetime = time.Hour

// Passport is a strict fake of Rollup ID's Passport for passport.Provider:
// POST /token, GET /authorize, GET /userinfo,
// GET /.well-known/openid-configuration and GET /.well-known/jwks.json.
// Its URL is its issuer.
//
// The token endpoint reads form bodies only (JSON is answered 400, as the
// real one fails on it), rejects unknown fields (exchange_code included:
// the field is code), answers 201 by default (SetSuccessStatus(200) for
// what the server sends in practice), and never sends expires_in: access
// tokens and id_tokens are ES256 JWTs, signed with a key published at
// /.well-known/jwks.json, whose exp says when they end. Refresh tokens are
// not rotated: a refresh answers only a new access token. Errors have
// Rollup's shape {code, message, name:"RollupError"}.
type Passport struct {
	// URL is the base URL and issuer, for passport.WithBaseURL.
	URL string
	// ClientID and ClientSecret are the credentials the fake accepts.
	ClientID, ClientSecret string

	fake[PassportStats]
	cfg passportConfig
	key *ecdsa.PrivateKey
	kid string

	// under mu
	status  int
	codes   map[string]passportCode
	spent   map[string]bool
	refresh map[string]passportCode // refresh token → the grant (never rotated)
	access  map[string]passportAccess
}

// PassportStats counts what the Passport fake has seen.
type PassportStats struct {
	Requests      int // POST /token requests, faults included
	CodeExchanges int // successful code exchanges
	Refreshes     int // successful refreshes
	Rejected      int // token requests answered with an error
	ReusedCodes   int // codes presented a second time
	Discovery     int // GET /.well-known/openid-configuration
	JWKS          int // GET /.well-known/jwks.json
	Userinfo      int // successful GET /userinfo
}

type passportCode struct {
	subject   string
	scopes    []string
	challenge string
	nonce     string
	expires   time.Time
}

type passportAccess struct {
	subject string
	scopes  []string
	expires time.Time
}

type passportConfig struct {
	clientID, clientSecret string
	lifetime               time.Duration
	common
}

// WithPassportCredentials sets the accepted client id and secret
// (defaults "passport-client" and "passport-secret").
func WithPassportCredentials(id, secret string) PassportOption {
	return passportOption(func(c *passportConfig) { c.clientID, c.clientSecret = id, secret })
}

// WithPassportTokenLifetime sets the exp of issued JWTs (default
// PassportTokenLifetime).
func WithPassportTokenLifetime(d time.Duration) PassportOption {
	return passportOption(func(c *passportConfig) { c.lifetime = d })
}

// WithPassportClock sets the fake's clock (JWT iat/exp, code expiry).
//
// Deprecated: use WithClock, which every fake takes.
func WithPassportClock(now func() time.Time) PassportOption { return WithClock(now) }

// NewPassport starts a fake Passport on a loopback port. Close it when
// done.
func NewPassport(opts ...PassportOption) *Passport {
	cfg := passportConfig{clientID: "passport-client", clientSecret: "passport-secret",
		lifetime: PassportTokenLifetime, common: defaultCommon()}
	for _, o := range opts {
		if o != nil {
			o.applyPassport(&cfg)
		}
	}
	p := &Passport{
		ClientID: cfg.clientID, ClientSecret: cfg.clientSecret, cfg: cfg,
		key: newES256Key(), kid: randomToken("")[:12], status: http.StatusCreated,
		codes: map[string]passportCode{}, spent: map[string]bool{},
		refresh: map[string]passportCode{}, access: map[string]passportAccess{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		p.count(func(s *PassportStats) { s.Requests++ })
		p.faults.serve(w, r, p.token)
	})
	mux.HandleFunc("/authorize", p.authorize)
	mux.HandleFunc("/userinfo", p.userinfo)
	mux.HandleFunc("/.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("/.well-known/jwks.json", p.jwks)
	p.URL = p.start(cfg.common, mux)
	return p
}

// SetSuccessStatus sets the status of successful token answers: 201 (the
// default, as documented) or 200 (what the server sends).
func (p *Passport) SetSuccessStatus(status int) {
	p.mu.Lock()
	p.status = status
	p.mu.Unlock()
}

// NewSubject returns a subject in Rollup's form
// (urn:rollupid:account/0x…).
func NewSubject() string {
	b, _ := base64.RawURLEncoding.DecodeString(randomToken("")[:32])
	return "urn:rollupid:account/0x" + hex.EncodeToString(b)
}

// IssueCode returns a fresh single-use code for subject ("" for a new
// one), as if the user had signed in and consented to scopes.
func (p *Passport) IssueCode(subject string, scopes ...string) string {
	return p.issueCode(passportCode{subject: subject, scopes: scopes})
}

// IssueCodeWithPKCE is IssueCode for an authorization that carried an S256
// challenge of verifier.
func (p *Passport) IssueCodeWithPKCE(verifier, subject string, scopes ...string) string {
	return p.issueCode(passportCode{subject: subject, scopes: scopes, challenge: s256(verifier)})
}

func (p *Passport) issueCode(c passportCode) string {
	if c.subject == "" {
		c.subject = NewSubject()
	}
	c.expires = p.cfg.now().Add(PassportCodeLifetime)
	return issue(&p.fake, p.codes, "pc_", c)
}

// AccessTokenValid reports whether tok is an access token the fake issued
// that has not expired by its clock.
func (p *Passport) AccessTokenValid(tok string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.access[tok]
	return ok && p.cfg.now().Before(a.expires)
}

var passportFields = map[string][]string{
	"authorization_code": {"client_id", "client_secret", "grant_type", "code", "code_verifier"},
	"refresh_token":      {"client_id", "client_secret", "grant_type", "refresh_token"},
}

func (p *Passport) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		p.fail(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "method not allowed")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		// The real server reads form data only; a JSON body arrives empty.
		p.fail(w, http.StatusBadRequest, "BAD_REQUEST", "missing client_id: the body must be form data")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || r.URL.RawQuery != "" {
		p.fail(w, http.StatusBadRequest, "BAD_REQUEST", "malformed form body")
		return
	}
	f := r.PostForm
	grant := f.Get("grant_type")
	allowed, ok := passportFields[grant]
	if !ok {
		p.fail(w, http.StatusBadRequest, "BAD_REQUEST", "unsupported grant_type "+strconv.Quote(grant))
		return
	}
	if k, bad := unexpectedField(f, allowed); bad {
		p.fail(w, http.StatusBadRequest, "BAD_REQUEST", "unexpected field "+strconv.Quote(k))
		return
	}
	if k, bad := repeatedField(f); bad {
		p.fail(w, http.StatusBadRequest, "BAD_REQUEST", "field "+strconv.Quote(k)+" repeated")
		return
	}
	if f.Get("client_id") == "" || f.Get("client_secret") == "" {
		p.fail(w, http.StatusBadRequest, "BAD_REQUEST", "missing client credentials")
		return
	}
	if !sameCredentials(f.Get("client_id"), f.Get("client_secret"), p.cfg.clientID, p.cfg.clientSecret) {
		p.fail(w, http.StatusBadRequest, "BAD_REQUEST", "invalid client credentials")
		return
	}
	if grant == "authorization_code" {
		p.exchange(w, f)
		return
	}
	p.refreshToken(w, f)
}

func (p *Passport) exchange(w http.ResponseWriter, f url.Values) {
	code := f.Get("code")
	if code == "" {
		p.fail(w, http.StatusBadRequest, "BAD_REQUEST", "missing code")
		return
	}
	grant, ok, _ := spend(&p.fake, p.codes, p.spent, code, func(s *PassportStats) { s.ReusedCodes++ })
	if !ok {
		p.fail(w, http.StatusUnauthorized, "UNAUTHORIZED", "invalid code")
		return
	}
	if !p.cfg.now().Before(grant.expires) {
		p.fail(w, http.StatusUnauthorized, "UNAUTHORIZED", "expired code")
		return
	}
	switch desc, unexpected := pkceFailure(grant.challenge, f.Get("code_verifier")); {
	case unexpected:
		p.fail(w, http.StatusBadRequest, "BAD_REQUEST", desc)
		return
	case desc != "":
		p.fail(w, http.StatusUnauthorized, "UNAUTHORIZED", "invalid code verifier")
		return
	}
	rt := randomToken("prt_")
	p.mu.Lock()
	p.refresh[rt] = grant
	p.stats.CodeExchanges++
	status := p.status
	p.mu.Unlock()
	writeJSON(w, status, map[string]any{
		"token_type":    "Bearer",
		"access_token":  p.accessToken(grant),
		"refresh_token": rt,
		"id_token":      p.idToken(grant),
	})
}

func (p *Passport) refreshToken(w http.ResponseWriter, f url.Values) {
	p.mu.Lock()
	grant, ok := p.refresh[f.Get("refresh_token")]
	if ok {
		p.stats.Refreshes++
	}
	status := p.status
	p.mu.Unlock()
	if !ok {
		p.fail(w, http.StatusUnauthorized, "UNAUTHORIZED", "invalid refresh token")
		return
	}
	// Not rotated: only a new access token comes back.
	writeJSON(w, status, map[string]any{"token_type": "Bearer", "access_token": p.accessToken(grant)})
}

func (p *Passport) accessToken(g passportCode) string {
	now := p.cfg.now()
	exp := now.Add(p.cfg.lifetime)
	tok := signES256(p.key, p.kid, map[string]any{
		"iss": p.URL, "sub": g.subject, "aud": []string{p.cfg.clientID},
		"iat": now.Unix(), "exp": exp.Unix(), "scope": strings.Join(g.scopes, " "),
		"jti": randomToken("")[:16],
	})
	p.mu.Lock()
	p.access[tok] = passportAccess{subject: g.subject, scopes: g.scopes, expires: exp}
	p.mu.Unlock()
	return tok
}

func (p *Passport) idTokenClaims(subject, nonce string) map[string]any {
	now := p.cfg.now()
	c := map[string]any{
		"iss": p.URL, "sub": subject, "aud": []string{p.cfg.clientID},
		"iat": now.Unix(), "exp": now.Add(p.cfg.lifetime).Unix(),
		"name": "Test User", "email": "test.user@example.com", "picture": "https://example.com/avatar.png",
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return c
}

func (p *Passport) idToken(g passportCode) string {
	return signES256(p.key, p.kid, p.idTokenClaims(g.subject, g.nonce))
}

// BrokenIDToken names a way an id_token can be wrong, for MintIDToken.
type BrokenIDToken int

// Ways an id_token can be wrong.
const (
	// IDTokenValid is a correct id_token.
	IDTokenValid BrokenIDToken = iota
	// IDTokenWrongIssuer names another issuer.
	IDTokenWrongIssuer
	// IDTokenWrongAudience is for another client.
	IDTokenWrongAudience
	// IDTokenExpired expired an hour ago.
	IDTokenExpired
	// IDTokenBadSignature has a signature that does not match.
	IDTokenBadSignature
	// IDTokenOtherKey is signed by a key the fake does not publish, under
	// the published key's kid.
	IDTokenOtherKey
	// IDTokenAlgHS256 swaps the algorithm to HS256, keyed with the public
	// key (the classic algorithm confusion attack).
	IDTokenAlgHS256
	// IDTokenAlgNone is unsigned (alg "none").
	IDTokenAlgNone
)

// MintIDToken returns an id_token for subject ("" for a new one), broken
// the given way, for tests of id_token verification.
func (p *Passport) MintIDToken(subject string, broken BrokenIDToken) string {
	if subject == "" {
		subject = NewSubject()
	}
	c := p.idTokenClaims(subject, "")
	header := map[string]any{"alg": "ES256", "typ": "JWT", "kid": p.kid}
	switch broken {
	case IDTokenWrongIssuer:
		c["iss"] = "https://passport.evil.example"
	case IDTokenWrongAudience:
		c["aud"] = []string{"someone-else"}
	case IDTokenExpired:
		now := p.cfg.now()
		c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
	case IDTokenBadSignature:
		tok := signES256(p.key, p.kid, c)
		sig, _ := base64.RawURLEncoding.DecodeString(tok[strings.LastIndexByte(tok, '.')+1:])
		if len(sig) > 0 {
			sig[len(sig)/2] ^= 0xff
		}
		return tok[:strings.LastIndexByte(tok, '.')+1] + base64.RawURLEncoding.EncodeToString(sig)
	case IDTokenOtherKey:
		return signES256(newES256Key(), p.kid, c)
	case IDTokenAlgHS256:
		header["alg"] = "HS256"
		jwk, _ := json.Marshal(publicJWK(p.key, p.kid))
		return signHS256(jwk, header, c)
	case IDTokenAlgNone:
		header["alg"] = "none"
		return jwtSegment(header) + "." + jwtSegment(c) + "."
	}
	return signES256Header(p.key, header, c)
}

// SignJWT signs claims with the fake's published key (ES256), for tests
// that need a token of their own making.
func (p *Passport) SignJWT(claims map[string]any) string { return signES256(p.key, p.kid, claims) }

func (p *Passport) fail(w http.ResponseWriter, status int, code, msg string) {
	p.count(func(s *PassportStats) { s.Rejected++ })
	writeJSON(w, status, map[string]string{"code": code, "message": msg, "name": "RollupError"})
}

// RollupError is a Raw fault answering status with Rollup's error shape
// {code, message, name:"RollupError"}.
func RollupError(status int, code, message string) Fault {
	b, _ := json.Marshal(map[string]string{"code": code, "message": message, "name": "RollupError"})
	return Raw(status, "application/json", string(b))
}

// authorize plays the user signing in and consenting at once: it checks
// the parameters and redirects to redirect_uri with a code and the state.
func (p *Passport) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target, ok := authorizeTarget(w, q, p.cfg.clientID)
	if !ok {
		return
	}
	switch {
	case q.Get("state") == "":
		http.Error(w, "state is required", http.StatusBadRequest)
		return
	case q.Has("response_type") && q.Get("response_type") != "code":
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	}
	challenge, ok := pkceChallenge(w, q)
	if !ok {
		return
	}
	code := p.issueCode(passportCode{scopes: strings.Fields(q.Get("scope")), nonce: q.Get("nonce"), challenge: challenge})
	redirectWithCode(w, r, target, code, q.Get("state"))
}

func (p *Passport) userinfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		p.fail(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "GET only")
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	a, known := p.access[tok]
	p.mu.Unlock()
	if !ok || !known || !p.cfg.now().Before(a.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "UNAUTHORIZED", "message": "invalid access token", "name": "RollupError"})
		return
	}
	p.count(func(s *PassportStats) { s.Userinfo++ })
	info := map[string]any{"sub": a.subject, "name": "Test User", "picture": "https://example.com/avatar.png"}
	if slices.Contains(a.scopes, "email") {
		info["email"] = "test.user@example.com"
	}
	writeJSON(w, http.StatusOK, info)
}

func (p *Passport) discovery(w http.ResponseWriter, _ *http.Request) {
	p.count(func(s *PassportStats) { s.Discovery++ })
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.URL,
		"authorization_endpoint":                p.URL + "/authorize",
		"token_endpoint":                        p.URL + "/token",
		"userinfo_endpoint":                     p.URL + "/userinfo",
		"jwks_uri":                              p.URL + "/.well-known/jwks.json",
		"scopes_supported":                      []string{"openid", "email", "profile", "connected_accounts", "erc_4337"},
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (p *Passport) jwks(w http.ResponseWriter, _ *http.Request) {
	p.count(func(s *PassportStats) { s.JWKS++ })
	writeJSON(w, http.StatusOK, map[string]any{"keys": []any{publicJWK(p.key, p.kid)}})
}

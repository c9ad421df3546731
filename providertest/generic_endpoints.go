package providertest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The generic fake's endpoints besides /oauth2/token and /oauth2/authorize:
// the client credentials grant, RFC 7009 revocation and RFC 7662
// introspection.

// extConfig holds the options of these endpoints.
type extConfig struct {
	clientScopes []string // nil: any scope
	discovery    discoveryConfig
	device       deviceConfig
	clientAuth   clientAuthConfig
	dpop         dpopConfig
}

// WithClientScopes limits the scopes a client credentials grant may ask
// for; a request for another is answered 400 invalid_scope. By default any
// scope is granted.
func WithClientScopes(scopes ...string) GenericOption {
	return genericOption(func(c *genericConfig) { c.ext.clientScopes = append([]string{}, scopes...) })
}

// genericExt is the fake's state for these endpoints, under Generic.mu.
type genericExt struct {
	tokens  map[string]*tokenInfo // every token issued, live or not
	revoked map[string]bool       // revoked access and refresh tokens
	devices map[string]*deviceGrantState
	jtis    jtiLog // client assertion and DPoP proof ids seen, until they expire
	nonce   string // the DPoP nonce proofs must carry (WithDPoPNonce)
}

// tokenInfo is what the fake knows about one issued token.
type tokenInfo struct {
	refresh bool // a refresh token (else an access token)
	scopes  []string
	expiry  time.Time // access tokens
	issued  time.Time
	subject string // "user-1" for user grants, the client id for client credentials
	grant   string
	pair    string // the other token issued in the same answer
	jkt     string // the DPoP key thumbprint the token is bound to ("" unbound)
}

func (e *genericExt) init() {
	e.tokens = map[string]*tokenInfo{}
	e.revoked = map[string]bool{}
	e.devices = map[string]*deviceGrantState{}
	e.jtis = jtiLog{}
}

// routes adds the endpoints to the fake's mux. Faults queued with Fail are
// served to them too, in order with token requests.
func (g *Generic) routes(mux *http.ServeMux) {
	mux.HandleFunc("/oauth2/revoke", func(w http.ResponseWriter, r *http.Request) {
		g.faults.serve(w, r, g.revoke)
	})
	mux.HandleFunc("/oauth2/introspect", func(w http.ResponseWriter, r *http.Request) {
		g.faults.serve(w, r, g.introspect)
	})
	mux.HandleFunc("/oauth2/device_authorization", func(w http.ResponseWriter, r *http.Request) {
		g.faults.serve(w, r, g.deviceAuthorization)
	})
	mux.HandleFunc("/device", g.verify)
	mux.HandleFunc("/.well-known/oauth-authorization-server", g.metadata(false))
	mux.HandleFunc("/.well-known/openid-configuration", g.metadata(true))
}

// RevocationURL is the fake's RFC 7009 endpoint, for
// providers.WithRevocationURL.
func (g *Generic) RevocationURL() string { return g.URL + "/oauth2/revoke" }

// IntrospectionURL is the fake's RFC 7662 endpoint, for
// providers.WithIntrospectionURL.
func (g *Generic) IntrospectionURL() string { return g.URL + "/oauth2/introspect" }

// TokenURL is the fake's token endpoint, for providers.WithTokenURL.
func (g *Generic) TokenURL() string { return g.URL + "/oauth2/token" }

// Revoked reports whether tok was issued by the fake and then revoked at
// its revocation endpoint.
func (g *Generic) Revoked(tok string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ext.revoked[tok]
}

// remember records the tokens of one answer, bound to the DPoP key jkt
// when not empty. Called with g.mu held.
func (g *Generic) remember(at, rt, grant, subject string, scopes []string, expiry time.Time, jkt string) {
	now := g.cfg.now()
	g.ext.tokens[at] = &tokenInfo{scopes: scopes, expiry: expiry, issued: now, subject: subject, grant: grant, pair: rt, jkt: jkt}
	if rt != "" {
		g.ext.tokens[rt] = &tokenInfo{refresh: true, scopes: scopes, issued: now, subject: subject, grant: grant, pair: at, jkt: jkt}
	}
}

// clientCredentials is RFC 6749 §4.4: a token for the client itself, with
// no refresh token (§4.4.3).
func (g *Generic) clientCredentials(w http.ResponseWriter, p url.Values, jkt string) {
	scopes := strings.Fields(p.Get("scope"))
	if allowed := g.cfg.ext.clientScopes; allowed != nil {
		for _, s := range scopes {
			if !slices.Contains(allowed, s) {
				g.fail(w, http.StatusBadRequest, "invalid_scope", "scope "+strconv.Quote(s)+" is not allowed for this client")
				return
			}
		}
	}
	g.count(func(s *GenericStats) { s.ClientCredentials++ })
	g.issueTokens(w, "client_credentials", g.cfg.clientID, scopes, false, jkt)
}

// endpointParams reads a form POST to the revocation or introspection
// endpoint, with only the parameters RFC 7009/7662 name, and
// authenticates the client.
func (g *Generic) endpointParams(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	p, ok := g.formParams(w, r, withAssertionParams([]string{"token", "token_type_hint", "client_id", "client_secret"}))
	if !ok {
		return nil, false
	}
	if !g.authenticate(r, p) {
		g.fail(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return nil, false
	}
	if p.Get("token") == "" {
		g.fail(w, http.StatusBadRequest, "invalid_request", "token is required")
		return nil, false
	}
	switch p.Get("token_type_hint") {
	case "", "access_token", "refresh_token":
	default:
		g.fail(w, http.StatusBadRequest, "unsupported_token_type", "token_type_hint must be access_token or refresh_token")
		return nil, false
	}
	return p, true
}

// revoke is RFC 7009 §2: 200 with an empty body for any token, known or
// not. Revoking a refresh token also revokes the access token issued with
// it (§2.1 lets the server do so; most do).
func (g *Generic) revoke(w http.ResponseWriter, r *http.Request) {
	p, ok := g.endpointParams(w, r)
	if !ok {
		return
	}
	tok := p.Get("token")
	g.mu.Lock()
	g.stats.Revocations++
	if info, known := g.ext.tokens[tok]; known {
		g.revokeLocked(tok)
		if info.refresh && info.pair != "" {
			g.revokeLocked(info.pair)
		}
	}
	g.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func (g *Generic) revokeLocked(tok string) {
	g.ext.revoked[tok] = true
	delete(g.access, tok)
	delete(g.refresh, tok)
}

// introspect is RFC 7662 §2: {"active": false} and nothing else for a
// token that is unknown, expired or revoked; the token's facts otherwise.
func (g *Generic) introspect(w http.ResponseWriter, r *http.Request) {
	p, ok := g.endpointParams(w, r)
	if !ok {
		return
	}
	tok := p.Get("token")
	now := g.cfg.now()
	g.mu.Lock()
	g.stats.Introspections++
	info, known := g.ext.tokens[tok]
	_, liveRefresh := g.refresh[tok]
	active := known && !g.ext.revoked[tok] &&
		((info.refresh && liveRefresh) || (!info.refresh && (info.expiry.IsZero() || now.Before(info.expiry))))
	var ans map[string]any
	if active {
		ans = map[string]any{"active": true, "client_id": g.cfg.clientID, "sub": info.subject,
			"iat": info.issued.Unix(), "iss": baseOf(r)}
		if len(info.scopes) > 0 {
			ans["scope"] = strings.Join(info.scopes, " ")
		}
		if !info.refresh {
			ans["token_type"] = "Bearer"
			if info.jkt != "" {
				ans["token_type"] = "DPoP"
			}
			if !info.expiry.IsZero() {
				ans["exp"] = info.expiry.Unix()
			}
		}
		if info.jkt != "" {
			ans["cnf"] = map[string]string{"jkt": info.jkt} // RFC 9449 §6.2
		}
	}
	g.mu.Unlock()
	if ans == nil {
		ans = map[string]any{"active": false}
	}
	writeJSON(w, http.StatusOK, ans)
}

// formParams reads a form POST to one of the RFC endpoints with only the
// allowed parameters, each once.
func (g *Generic) formParams(w http.ResponseWriter, r *http.Request, allowed []string) (url.Values, bool) {
	if r.Method != http.MethodPost {
		g.fail(w, http.StatusMethodNotAllowed, "invalid_request", "this endpoint takes POST")
		return nil, false
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		g.fail(w, http.StatusUnsupportedMediaType, "invalid_request", "content type must be application/x-www-form-urlencoded")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || r.URL.RawQuery != "" {
		g.fail(w, http.StatusBadRequest, "invalid_request", "malformed form body, or parameters in the query")
		return nil, false
	}
	p := r.PostForm
	if k, bad := unexpectedField(p, allowed); bad {
		g.fail(w, http.StatusBadRequest, "invalid_request", "unexpected parameter "+strconv.Quote(k))
		return nil, false
	}
	if k, bad := repeatedField(p); bad {
		g.fail(w, http.StatusBadRequest, "invalid_request", "parameter "+strconv.Quote(k)+" repeated")
		return nil, false
	}
	return p, true
}

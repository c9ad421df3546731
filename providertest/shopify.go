package providertest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Shopify is a fake of Shopify's per-shop token endpoint
// (POST https://{shop}/admin/oauth/access_token) and of one Admin API
// call, for any number of shops.
//
// Since it listens on 127.0.0.1, the shop is the first path segment:
// POST {URL}/{shop}/admin/oauth/access_token. Give URL to
// shopify.Config.InsecureShopBaseURL. It also serves
// /admin/oauth/access_token with the shop taken from the Host header, for
// clients that reach it through a proxy.
//
// It is strict: JSON bodies of strings only, Content-Type and Accept
// application/json, exactly the fields each grant takes, every URN
// checked, client credentials compared in constant time, session tokens
// verified with the app secret (HS256, aud, exp, nbf with no tolerance,
// dest and iss naming the shop of the URL). Bad session tokens are answered
// 400 invalid_subject_token, bad refresh tokens 400 invalid_grant.
//
// Grants: token exchange of a session token for an online, offline or
// expiring offline token; refresh of an expiring token; migration of a
// non-expiring offline token (which revokes it); the authorization-code
// grant (IssueCode). A request without the expiring parameter gets an
// expiring token, as public apps created since 2026-04-01 must. A new
// expiring token for a shop revokes the shop's earlier expiring access
// token, as Shopify does.
//
// Refresh follows Shopify's retention rule (2026-08-28): the refresh
// token just used stays valid until the new access token is first used
// on the Admin API (or the new refresh token is used), and presenting it
// again meanwhile answers the same token pair; after that it is refused
// with invalid_grant and counted in ReusedRefreshTokens. A migration
// retried with the same non-expiring token within 7 days answers the same
// token pair.
//
// GET {URL}/{shop}/admin/api/{version}/shop.json answers a request that
// authenticates with a live X-Shopify-Access-Token for that shop, and 401
// for a missing, unknown, expired or revoked one. With
// WithShopifyNonExpiringRejected (Shopify from 2027-01-01 on) it answers
// 401 for a non-expiring offline token too.
//
// The other doors: GET {URL}/{shop}/admin/oauth/authorize approves at once
// and redirects back with a code and a signed query (shopify_authorize.go);
// grant_type=client_credentials takes the client secret or a client
// assertion signed with a key registered by AddClientKey
// (shopify_clientcreds.go); WebhookRequest and AppProxyRequest sign what
// Shopify would send the app.
type Shopify struct {
	// URL is the base URL: give it to shopify.Config.InsecureShopBaseURL.
	URL string
	// APIKey and APISecret are the app credentials the fake accepts; the
	// secret also signs session tokens.
	APIKey, APISecret string

	fake[ShopifyStats]
	cfg   shopifyConfig
	doors shopifyDoors // client credentials and assertions, own lock

	// under mu
	shops    map[string]*fakeShop
	codes    map[string]string           // code → shop
	access   map[string]shopifyAccess    // live access token → what it is
	refresh  map[string]shopifyRefresh   // live refresh token → its shop
	spent    map[string]bool             // used codes and refresh tokens
	revoked  map[string]bool             // revoked access and refresh tokens
	migrated map[string]shopifyMigration // migrated non-expiring token → its answer
	requests []ShopifyRequest
}

// MigrationReplayWindow is how long a migration retried with the same
// non-expiring token answers the same token pair.
const MigrationReplayWindow = 7 * 24 * time.Hour

type shopifyMigration struct {
	at     time.Time
	answer map[string]any
}

// ShopifyStats counts what the fake has seen.
type ShopifyStats struct {
	Requests            int // token endpoint requests, faults included
	TokenExchanges      int // successful session-token exchanges
	Refreshes           int // successful refreshes
	Migrations          int // successful migrations to expiring tokens
	CodeExchanges       int // successful code exchanges
	Rejected            int // token requests answered with an error
	InvalidSubject      int // answers invalid_subject_token
	Revoked             int // tokens revoked by a newer expiring token or a migration
	ReusedRefreshTokens int // refresh tokens presented after they were retired
	RefreshReplays      int // retained refresh tokens presented again (answered the same pair)
	MigrationReplays    int // migrations retried within MigrationReplayWindow (same pair)
	AdminCalls          int // Admin API calls answered 200
	AdminRefused        int // Admin API calls answered 401
	RevokedAdminCalls   int // Admin API calls with a revoked access token
	NonExpiringAdmin    int // Admin API calls with a non-expiring offline token (answered or not)
}

// ShopifyRequest is one request the token endpoint received, as sent.
type ShopifyRequest struct {
	// Shop is the shop of the path (or Host header).
	Shop string
	// Method and Path of the request.
	Method, Path string
	// Header is the request's header.
	Header http.Header
	// Body is the JSON body decoded with numbers as json.Number; nil when
	// it was not a JSON object.
	Body map[string]any
}

type fakeShop struct {
	offline  string // the non-expiring offline token, if any
	expiring string // the current expiring access token, if any
	refresh  string // its refresh token
	// retained is the refresh token that produced expiring, kept valid
	// until expiring is first used; retainedAnswer is what it answers.
	retained       string
	retainedAnswer map[string]any
}

type shopifyAccess struct {
	shop     string
	expiry   time.Time // zero: never
	userID   int64     // online tokens
	expiring bool
}

type shopifyRefresh struct {
	shop   string
	expiry time.Time
}

type shopifyConfig struct {
	apiKey, apiSecret       string
	scopes, userScopes      string
	expiringLifetime        time.Duration
	refreshLifetime         time.Duration
	onlineLifetime          time.Duration
	refreshWithoutExpiresIn bool
	doors                   shopifyDoorsConfig
	rejectNonExpiring       bool
	common
}

// WithShopifyNonExpiringRejected makes the Admin API answer 401 to a
// non-expiring offline token, as Shopify does for public apps from
// 2027-01-01.
func WithShopifyNonExpiringRejected() ShopifyOption {
	return shopifyOption(func(c *shopifyConfig) { c.rejectNonExpiring = true })
}

// WithShopifyCredentials sets the API key and secret (defaults
// "test-api-key" and "test-api-secret").
func WithShopifyCredentials(apiKey, apiSecret string) ShopifyOption {
	return shopifyOption(func(c *shopifyConfig) { c.apiKey, c.apiSecret = apiKey, apiSecret })
}

// WithShopifyScopes sets the granted scopes and the online user's scopes,
// comma-separated (defaults "read_products,write_orders" and
// "read_products").
func WithShopifyScopes(scopes, userScopes string) ShopifyOption {
	return shopifyOption(func(c *shopifyConfig) { c.scopes, c.userScopes = scopes, userScopes })
}

// WithShopifyExpiringLifetime sets expires_in of expiring offline tokens
// (default one hour, as in production).
func WithShopifyExpiringLifetime(d time.Duration) ShopifyOption {
	return shopifyOption(func(c *shopifyConfig) { c.expiringLifetime = d })
}

// WithShopifyRefreshWithoutExpiresIn leaves expires_in out of refresh
// answers, which Shopify may do.
func WithShopifyRefreshWithoutExpiresIn() ShopifyOption {
	return shopifyOption(func(c *shopifyConfig) { c.refreshWithoutExpiresIn = true })
}

// WithShopifyClock sets the fake's clock (session-token checks, lifetimes).
//
// Deprecated: use WithClock, which every fake takes.
func WithShopifyClock(now func() time.Time) ShopifyOption { return WithClock(now) }

// NewShopify starts a fake Shopify on a loopback port. Close it when done.
func NewShopify(opts ...ShopifyOption) *Shopify {
	cfg := shopifyConfig{
		apiKey: "test-api-key", apiSecret: "test-api-secret",
		scopes: "read_products,write_orders", userScopes: "read_products",
		expiringLifetime: time.Hour, refreshLifetime: 90 * 24 * time.Hour,
		onlineLifetime: 24*time.Hour - time.Second, common: defaultCommon(),
	}
	for _, o := range opts {
		if o != nil {
			o.applyShopify(&cfg)
		}
	}
	f := &Shopify{
		APIKey: cfg.apiKey, APISecret: cfg.apiSecret, cfg: cfg,
		shops: map[string]*fakeShop{}, codes: map[string]string{},
		access: map[string]shopifyAccess{}, refresh: map[string]shopifyRefresh{},
		spent: map[string]bool{}, revoked: map[string]bool{}, migrated: map[string]shopifyMigration{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{shop}/admin/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		f.tokenEndpoint(w, r, r.PathValue("shop"))
	})
	mux.HandleFunc("/admin/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		f.tokenEndpoint(w, r, host)
	})
	mux.HandleFunc("GET /{shop}/admin/api/{version}/shop.json", f.adminShop)
	f.routeDoors(mux)
	f.URL = f.start(cfg.common, mux)
	return f
}

// Requests returns the token requests received so far, in order. The fake
// keeps them all, secrets included: it is for tests.
func (f *Shopify) Requests() []ShopifyRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

// SessionToken mints a valid session token for shop and staff member
// userID, as App Bridge would hand the app, signed with the app secret.
func (f *Shopify) SessionToken(shop string, userID int64) string {
	return f.BrokenSessionToken(shop, userID, BreakNothing)
}

// BrokenSessionToken mints a session token spoiled as b says.
func (f *Shopify) BrokenSessionToken(shop string, userID int64, b SessionTokenBreak) string {
	fields := sessionTokenFields(f.cfg.apiKey, shop, userID, f.cfg.now())
	key, ok := breakFields(&fields, b, f.cfg.apiSecret, f.cfg.now())
	if !ok {
		return "not-a-jwt." + randomToken("")
	}
	return MintSessionToken(key, fields)
}

// IssueCode returns a fresh single-use authorization code for shop, as if
// the merchant had approved the app.
func (f *Shopify) IssueCode(shop string) string {
	return issue(&f.fake, f.codes, "code_", shop)
}

// IssueOfflineToken returns the shop's non-expiring offline token, issuing
// one if it has none: the token an app installed before expiring tokens
// holds, to migrate with MigrateToExpiringToken.
func (f *Shopify) IssueOfflineToken(shop string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.offlineLocked(shop)
}

// AccessTokenValid reports whether tok is a live access token for shop:
// issued by the fake, not revoked, not expired by its clock.
func (f *Shopify) AccessTokenValid(shop, tok string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.access[tok]
	return ok && a.shop == shop && (a.expiry.IsZero() || f.cfg.now().Before(a.expiry))
}

// Uninstall revokes every token the fake issued for shop, as when the
// merchant uninstalls the app.
func (f *Shopify) Uninstall(shop string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for tok, a := range f.access {
		if a.shop == shop {
			f.revokeLocked(tok)
		}
	}
	for tok, r := range f.refresh {
		if r.shop == shop {
			f.revokeLocked(tok)
		}
	}
	delete(f.shops, shop)
}

// Revoked reports whether tok (access or refresh) was revoked by a newer
// expiring token or a migration.
func (f *Shopify) Revoked(tok string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.revoked[tok]
}

var fakeShopPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z0-9][a-z0-9-_]*\.(myshopify\.com|shopify\.com|myshopify\.io|shop\.dev)$`)
}) // compiled on first use, not at init

func (f *Shopify) tokenEndpoint(w http.ResponseWriter, r *http.Request, shop string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	_ = r.Body.Close()
	rec := ShopifyRequest{Shop: shop, Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if dec.Decode(&obj) == nil {
		rec.Body = obj
	}
	f.mu.Lock()
	f.stats.Requests++
	f.requests = append(f.requests, rec)
	f.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.faults.serve(w, r, func(w http.ResponseWriter, r *http.Request) { f.token(w, r, shop, rec.Body) })
}

var shopifyAllowed = map[string][]string{
	"":                   {"client_id", "client_secret", "code", "expiring"},
	shopifyTokenExchange: {"client_id", "client_secret", "grant_type", "subject_token", "subject_token_type", "requested_token_type", "expiring"},
	"refresh_token":      {"client_id", "client_secret", "grant_type", "refresh_token"},
}

const (
	shopifyTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	shopifyIDToken       = "urn:ietf:params:oauth:token-type:id_token"
	shopifyOffline       = "urn:shopify:params:oauth:token-type:offline-access-token"
	shopifyOnline        = "urn:shopify:params:oauth:token-type:online-access-token"
)

func (f *Shopify) token(w http.ResponseWriter, r *http.Request, shop string, obj map[string]any) {
	if r.Method != http.MethodPost {
		f.fail(w, http.StatusMethodNotAllowed, "invalid_request", "token endpoint takes POST")
		return
	}
	if !fakeShopPattern().MatchString(shop) {
		f.fail(w, http.StatusNotFound, "invalid_request", "no such shop")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		f.fail(w, http.StatusUnsupportedMediaType, "invalid_request", "content type must be application/json")
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		f.fail(w, http.StatusNotAcceptable, "invalid_request", "Accept must be application/json")
		return
	}
	if obj == nil {
		f.fail(w, http.StatusBadRequest, "invalid_request", "body must be a JSON object")
		return
	}
	p := map[string]string{}
	for k, v := range obj {
		s, ok := v.(string)
		if !ok {
			f.fail(w, http.StatusBadRequest, "invalid_request", "parameter "+strconv.Quote(k)+" must be a string")
			return
		}
		p[k] = s
	}
	if p["grant_type"] == "client_credentials" {
		f.clientCredentialsGrant(w, r, shop, p)
		return
	}
	grant := p["grant_type"]
	allowed, known := shopifyAllowed[grant]
	if !known || (grant == "" && obj["grant_type"] != nil) {
		f.fail(w, http.StatusBadRequest, "unsupported_grant_type", "unsupported grant_type")
		return
	}
	if k, bad := unexpectedField(p, allowed); bad {
		f.fail(w, http.StatusBadRequest, "invalid_request", "unexpected parameter "+strconv.Quote(k))
		return
	}
	if k, bad := missingField(p, allowed, "expiring"); bad {
		f.fail(w, http.StatusBadRequest, "invalid_request", "missing parameter "+strconv.Quote(k))
		return
	}
	if e, ok := p["expiring"]; ok && e != "0" && e != "1" {
		f.fail(w, http.StatusBadRequest, "invalid_request", `expiring must be "0" or "1"`)
		return
	}
	if !sameCredentials(p["client_id"], p["client_secret"], f.cfg.apiKey, f.cfg.apiSecret) {
		f.fail(w, http.StatusUnauthorized, "invalid_client", "client credentials are invalid")
		return
	}
	expiring := p["expiring"] != "0" // absent: expiring, as for public apps since 2026-04-01
	switch grant {
	case "":
		f.codeGrant(w, shop, p["code"], expiring)
	case "refresh_token":
		f.refreshGrant(w, shop, p["refresh_token"])
	default:
		f.exchange(w, shop, p, expiring)
	}
}

func (f *Shopify) codeGrant(w http.ResponseWriter, shop, code string, expiring bool) {
	owner, ok, reused := spend(&f.fake, f.codes, f.spent, code, nil)
	if !ok || owner != shop {
		desc := "authorization code was not found or was already used"
		if reused {
			desc = "authorization code was already used"
		}
		f.fail(w, http.StatusBadRequest, "invalid_grant", desc)
		return
	}
	userID, online := f.takeOnlineCode(code) // expiring does not apply: online tokens expire
	f.mu.Lock()
	f.stats.CodeExchanges++
	var resp map[string]any
	if online {
		resp = f.onlineAnswerLocked(shop, userID)
	} else {
		resp = f.offlineAnswerLocked(shop, expiring)
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

func (f *Shopify) exchange(w http.ResponseWriter, shop string, p map[string]string, expiring bool) {
	requested := p["requested_token_type"]
	if requested != shopifyOffline && requested != shopifyOnline {
		f.fail(w, http.StatusBadRequest, "invalid_request", "requested_token_type must be the online or offline access token URN")
		return
	}
	switch p["subject_token_type"] {
	case shopifyIDToken:
		userID, ok := f.verifySessionToken(p["subject_token"], shop)
		if !ok {
			f.invalidSubject(w, "session token is invalid or expired")
			return
		}
		f.mu.Lock()
		f.stats.TokenExchanges++
		var resp map[string]any
		if requested == shopifyOnline {
			resp = f.onlineAnswerLocked(shop, userID)
		} else {
			resp = f.offlineAnswerLocked(shop, expiring)
		}
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, resp)
	case shopifyOffline:
		if requested != shopifyOffline || !expiring {
			f.fail(w, http.StatusBadRequest, "invalid_request", "an offline access token can only be exchanged for an expiring offline token")
			return
		}
		f.mu.Lock()
		old := p["subject_token"]
		if m, ok := f.migrated[old]; ok && m.answer["shop"] == shop && f.cfg.now().Before(m.at.Add(MigrationReplayWindow)) {
			f.stats.MigrationReplays++
			resp := answerOf(m.answer)
			f.mu.Unlock()
			writeJSON(w, http.StatusOK, resp)
			return
		}
		s := f.shops[shop]
		if s == nil || s.offline == "" || subtle.ConstantTimeCompare([]byte(s.offline), []byte(old)) != 1 {
			f.mu.Unlock()
			f.invalidSubject(w, "offline access token is invalid or was already migrated")
			return
		}
		f.revokeLocked(s.offline)
		s.offline = ""
		f.stats.Migrations++
		resp := f.offlineAnswerLocked(shop, true)
		f.migrated[old] = shopifyMigration{at: f.cfg.now(), answer: withShop(resp, shop)}
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, resp)
	default:
		f.fail(w, http.StatusBadRequest, "invalid_request", "unsupported subject_token_type")
	}
}

func (f *Shopify) refreshGrant(w http.ResponseWriter, shop, rt string) {
	f.mu.Lock()
	info, ok := f.refresh[rt]
	if !ok || info.shop != shop || !f.cfg.now().Before(info.expiry) {
		if f.spent[rt] {
			f.stats.ReusedRefreshTokens++
		}
		f.mu.Unlock()
		f.fail(w, http.StatusBadRequest, "invalid_grant", "refresh token is invalid, expired, revoked or already used")
		return
	}
	s := f.shopLocked(shop)
	if rt == s.retained {
		// Retained: the answer was lost or not saved; the replacement has
		// not been used yet. The same pair again.
		f.stats.RefreshReplays++
		resp := answerOf(s.retainedAnswer)
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, resp)
		return
	}
	f.retireLocked(s) // using the replacement retires its predecessor
	f.stats.Refreshes++
	resp := f.offlineAnswerLocked(shop, true)
	if f.cfg.refreshWithoutExpiresIn {
		delete(resp, "expires_in")
	}
	s.retained, s.retainedAnswer = rt, resp
	f.refresh[rt] = info // offlineAnswerLocked revoked it: it stays valid, retained
	delete(f.revoked, rt)
	f.stats.Revoked--
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// retireLocked ends the retention of s's previous refresh token.
func (f *Shopify) retireLocked(s *fakeShop) {
	if s.retained != "" {
		delete(f.refresh, s.retained)
		f.spent[s.retained] = true
		s.retained, s.retainedAnswer = "", nil
	}
}

// answerOf copies a kept answer for writing, without the fake's own keys.
func answerOf(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != "shop" {
			out[k] = v
		}
	}
	return out
}

func withShop(m map[string]any, shop string) map[string]any {
	out := answerOf(m)
	out["shop"] = shop
	return out
}

func (f *Shopify) shopLocked(shop string) *fakeShop {
	s := f.shops[shop]
	if s == nil {
		s = &fakeShop{}
		f.shops[shop] = s
	}
	return s
}

func (f *Shopify) offlineLocked(shop string) string {
	s := f.shopLocked(shop)
	if s.offline == "" {
		s.offline = randomToken("shpat_")
		f.access[s.offline] = shopifyAccess{shop: shop}
	}
	return s.offline
}

// offlineAnswerLocked issues the shop's offline token: the stable
// non-expiring one, or a new expiring one that revokes the previous.
func (f *Shopify) offlineAnswerLocked(shop string, expiring bool) map[string]any {
	if !expiring {
		return map[string]any{"access_token": f.offlineLocked(shop), "scope": f.cfg.scopes}
	}
	s := f.shopLocked(shop)
	if s.expiring != "" {
		f.revokeLocked(s.expiring)
	}
	if s.refresh != "" {
		f.revokeLocked(s.refresh)
	}
	if s.retained != "" {
		f.revokeLocked(s.retained)
		s.retained, s.retainedAnswer = "", nil
	}
	now := f.cfg.now()
	s.expiring, s.refresh = randomToken("shpat_"), randomToken("shprt_")
	f.access[s.expiring] = shopifyAccess{shop: shop, expiry: now.Add(f.cfg.expiringLifetime), expiring: true}
	f.refresh[s.refresh] = shopifyRefresh{shop: shop, expiry: now.Add(f.cfg.refreshLifetime)}
	return map[string]any{
		"access_token":             s.expiring,
		"scope":                    f.cfg.scopes,
		"expires_in":               int(f.cfg.expiringLifetime / time.Second),
		"refresh_token":            s.refresh,
		"refresh_token_expires_in": int(f.cfg.refreshLifetime / time.Second),
	}
}

func (f *Shopify) onlineAnswerLocked(shop string, userID int64) map[string]any {
	tok := randomToken("shpua_")
	f.access[tok] = shopifyAccess{shop: shop, expiry: f.cfg.now().Add(f.cfg.onlineLifetime), userID: userID}
	return map[string]any{
		"access_token":          tok,
		"scope":                 f.cfg.scopes,
		"expires_in":            int(f.cfg.onlineLifetime / time.Second),
		"associated_user_scope": f.cfg.userScopes,
		"associated_user": map[string]any{
			"id":             userID,
			"first_name":     "Test",
			"last_name":      "User " + strconv.FormatInt(userID, 10),
			"email":          "user" + strconv.FormatInt(userID, 10) + "@example.com",
			"email_verified": true,
			"account_owner":  userID == 1,
			"locale":         "en",
			"collaborator":   false,
		},
	}
}

func (f *Shopify) revokeLocked(tok string) {
	if _, ok := f.access[tok]; ok {
		delete(f.access, tok)
		f.revoked[tok] = true
		f.stats.Revoked++
	}
	if _, ok := f.refresh[tok]; ok {
		delete(f.refresh, tok)
		f.revoked[tok] = true
		f.stats.Revoked++
	}
}

// verifySessionToken checks a session token as Shopify does, on its own
// code (not the shopify package's), and returns the user id.
func (f *Shopify) verifySessionToken(tok, shop string) (int64, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return 0, false
	}
	header, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	payload, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, false
	}
	var h struct{ Alg string }
	if json.Unmarshal(header, &h) != nil || h.Alg != "HS256" {
		return 0, false
	}
	mac := hmac.New(sha256.New, []byte(f.cfg.apiSecret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return 0, false
	}
	var c struct {
		Iss, Dest, Aud, Sub string
		Exp, Nbf            int64
	}
	if json.Unmarshal(payload, &c) != nil {
		return 0, false
	}
	now := f.cfg.now().Unix()
	if c.Aud != f.cfg.apiKey || now >= c.Exp || now < c.Nbf ||
		c.Dest != "https://"+shop || c.Iss != "https://"+shop+"/admin" {
		return 0, false
	}
	id, err := strconv.ParseInt(c.Sub, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

func (f *Shopify) invalidSubject(w http.ResponseWriter, desc string) {
	f.mu.Lock()
	f.stats.InvalidSubject++
	f.mu.Unlock()
	f.fail(w, http.StatusBadRequest, "invalid_subject_token", desc)
}

func (f *Shopify) fail(w http.ResponseWriter, status int, code, desc string) {
	f.mu.Lock()
	f.stats.Rejected++
	f.mu.Unlock()
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// adminShop is GET /admin/api/{version}/shop.json of the Admin API.
func (f *Shopify) adminShop(w http.ResponseWriter, r *http.Request) {
	shop := r.PathValue("shop")
	tok := r.Header.Get("X-Shopify-Access-Token")
	f.mu.Lock()
	a, live := f.access[tok]
	live = live && a.shop == shop && (a.expiry.IsZero() || f.cfg.now().Before(a.expiry))
	nonExpiring := live && a.expiry.IsZero() && a.userID == 0
	if nonExpiring {
		f.stats.NonExpiringAdmin++
	}
	if f.revoked[tok] {
		f.stats.RevokedAdminCalls++
	}
	if r.Header.Get("Authorization") != "" || tok == "" || !live || nonExpiring && f.cfg.rejectNonExpiring {
		f.stats.AdminRefused++
		f.mu.Unlock()
		msg := "[API] Invalid API key or access token (unrecognized login or wrong password)"
		if nonExpiring {
			msg = "[API] Non-expiring offline access tokens are no longer accepted for public apps"
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"errors": msg})
		return
	}
	if s := f.shops[shop]; s != nil && tok == s.expiring {
		f.retireLocked(s) // the first use of the replacement ends the retention
	}
	f.stats.AdminCalls++
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"shop": map[string]any{
		"myshopify_domain": shop,
		"name":             strings.SplitN(shop, ".", 2)[0],
	}})
}

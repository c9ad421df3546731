package providertest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FinchAPIVersion is the Finch-API-Version the fake accepts by default.
const FinchAPIVersion = "2020-09-17"

// FinchCodeLifetime is how long a Finch authorization code lives.
const FinchCodeLifetime = 10 * time.Minute

// Finch is a strict fake of Finch's API for finch.Provider:
// POST /auth/token, POST /disconnect, POST /disconnect-entity (see
// finch_entities.go), GET /introspect, POST
// /connect/sessions and /connect/sessions/reauthenticate (see
// finch_connect.go), and GET /authorize standing in for Finch Connect.
//
// The token endpoint takes a JSON object of strings only: a form body is
// answered 415, an unknown or missing field 400, a wrong or missing
// Finch-API-Version header 400. Codes are single-use, bound to their
// redirect_uri, and live FinchCodeLifetime. Answers never carry expires_in
// or a refresh token: the access token lives until Disconnect. Errors have
// Finch's shape {code, name, finch_code?, message}.
type Finch struct {
	// URL is the base URL to give finch.WithBaseURL.
	URL string
	// ConnectURL is the fake Connect page: its Connect Sessions'
	// connect_url is ConnectURL?session=<id>, and the deprecated static
	// Connect URL (finch.WithConnectURL) is served there too.
	ConnectURL string
	// ClientID and ClientSecret are the credentials the fake accepts.
	ClientID, ClientSecret string

	fake[FinchStats]
	cfg finchConfig

	// under mu
	codes  map[string]finchCode
	spent  map[string]bool
	tokens map[string]*FinchConnection // live access token → its connection
	// sessions are the Connect Sessions not yet used, by session id.
	sessions map[string]*finchSession
	// offEntities are the disconnected entities, by connection id + "/" +
	// entity id.
	offEntities map[string]bool
}

// FinchStats counts what the Finch fake has seen.
type FinchStats struct {
	Requests          int // API requests (token, disconnect, introspect), faults included
	TokenRequests     int // POST /auth/token requests, faults included
	CodeExchanges     int // successful code exchanges
	Rejected          int // requests answered with an error
	ReusedCodes       int // codes presented a second time
	Disconnects       int // successful disconnects
	Introspections    int // successful introspections
	EntityDisconnects int // entities disconnected by /disconnect-entity
	ConnectSessions   int // Connect Sessions created (new connections)
	Reauthentications int // reauthentication sessions created
}

// FinchConnection is what the fake knows about one connection; it comes
// back in token and introspect answers.
type FinchConnection struct {
	// ConnectionID is the connection's id (connection_id).
	ConnectionID string
	// CustomerID, CustomerName and CustomerEmail are the application's
	// customer (customer_id, customer_name, customer_email).
	CustomerID, CustomerName, CustomerEmail string
	// CompanyID and AccountID are the deprecated company_id and
	// account_id.
	CompanyID, AccountID string
	// ProviderID names the payroll or HRIS provider (provider_id).
	ProviderID string
	// ClientType is "production", "development" or "sandbox".
	ClientType string
	// ConnectionType is "provider" or "finch" (assisted).
	ConnectionType string
	// Products are the products granted.
	Products []string
	// EntityIDs are the legal entities the connection covers.
	EntityIDs []string
}

type finchCode struct {
	redirectURI string
	conn        FinchConnection
	expires     time.Time
}

type finchConfig struct {
	clientID, clientSecret string
	apiVersion             string
	common
}

// WithFinchCredentials sets the accepted client id and secret (defaults
// "finch-client" and "finch-secret").
func WithFinchCredentials(id, secret string) FinchOption {
	return finchOption(func(c *finchConfig) { c.clientID, c.clientSecret = id, secret })
}

// WithFinchAPIVersion sets the Finch-API-Version the fake requires
// (default FinchAPIVersion).
func WithFinchAPIVersion(v string) FinchOption {
	return finchOption(func(c *finchConfig) { c.apiVersion = v })
}

// WithFinchClock sets the fake's clock (code expiry).
//
// Deprecated: use WithClock, which every fake takes.
func WithFinchClock(now func() time.Time) FinchOption { return WithClock(now) }

// NewFinch starts a fake Finch on a loopback port. Close it when done.
func NewFinch(opts ...FinchOption) *Finch {
	cfg := finchConfig{clientID: "finch-client", clientSecret: "finch-secret", apiVersion: FinchAPIVersion, common: defaultCommon()}
	for _, o := range opts {
		if o != nil {
			o.applyFinch(&cfg)
		}
	}
	f := &Finch{
		ClientID: cfg.clientID, ClientSecret: cfg.clientSecret, cfg: cfg,
		codes: map[string]finchCode{}, spent: map[string]bool{}, tokens: map[string]*FinchConnection{}, sessions: map[string]*finchSession{}, offEntities: map[string]bool{},
	}
	mux := http.NewServeMux()
	api := func(path string, h http.HandlerFunc) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			f.stats.Requests++
			if path == "/auth/token" {
				f.stats.TokenRequests++
			}
			f.mu.Unlock()
			f.faults.serve(w, r, h)
		})
	}
	api("/auth/token", f.token)
	api("/disconnect", f.disconnect)
	api("/introspect", f.introspect)
	api("/disconnect-entity", f.disconnectEntity)
	api("/connect/sessions", f.connectSession)
	api("/connect/sessions/reauthenticate", f.reauthenticate)
	mux.HandleFunc("/authorize", f.authorize)
	f.URL = f.start(cfg.common, mux)
	f.ConnectURL = f.URL + "/authorize"
	return f
}

// IssueCode returns a fresh single-use code for a new connection, as if
// the user had finished Finch Connect with this redirect_uri ("" for the
// popup flow, where the exchange sends none) and products.
func (f *Finch) IssueCode(redirectURI string, products ...string) string {
	return f.IssueCodeFor(redirectURI, FinchConnection{Products: products})
}

// IssueCodeFor is IssueCode for a connection with these details; empty
// fields get made-up values.
func (f *Finch) IssueCodeFor(redirectURI string, conn FinchConnection) string {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&conn.ConnectionID, "conn_"+randomToken("")[:16])
	def(&conn.CompanyID, "comp_"+randomToken("")[:16])
	def(&conn.AccountID, "acct_"+randomToken("")[:16])
	def(&conn.ProviderID, "gusto")
	def(&conn.ClientType, "sandbox")
	def(&conn.ConnectionType, "provider")
	if conn.Products == nil {
		conn.Products = []string{"company", "directory"}
	}
	if conn.EntityIDs == nil {
		conn.EntityIDs = []string{conn.CompanyID}
	}
	return issue(&f.fake, f.codes, "fc_", finchCode{redirectURI: redirectURI, conn: conn, expires: f.cfg.now().Add(FinchCodeLifetime)})
}

// AccessTokenValid reports whether tok is a live access token of the fake
// (issued and not disconnected).
func (f *Finch) AccessTokenValid(tok string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.tokens[tok]
	return ok
}

var finchTokenFields = []string{"client_id", "client_secret", "code", "redirect_uri"}

func (f *Finch) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		f.fail(w, http.StatusMethodNotAllowed, "method_not_allowed_error", "", "POST only")
		return
	}
	if !f.checkVersion(w, r) {
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		f.fail(w, http.StatusUnsupportedMediaType, "invalid_request_error", "", "Content-Type must be application/json")
		return
	}
	if r.URL.RawQuery != "" {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "parameters belong in the JSON body")
		return
	}
	var body map[string]json.RawMessage
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(&body); err != nil || dec.More() {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "body must be one JSON object")
		return
	}
	if k, bad := unexpectedField(body, finchTokenFields); bad {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "unknown field "+strconv.Quote(k))
		return
	}
	p := map[string]string{}
	for k, raw := range body {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "field "+strconv.Quote(k)+" must be a string")
			return
		}
		p[k] = s
	}
	for _, k := range []string{"client_id", "client_secret", "code"} {
		if p[k] == "" {
			f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "missing field "+strconv.Quote(k))
			return
		}
	}
	if !sameCredentials(p["client_id"], p["client_secret"], f.cfg.clientID, f.cfg.clientSecret) {
		f.fail(w, http.StatusUnauthorized, "invalid_client_error", "", "invalid client credentials")
		return
	}
	grant, ok, _ := spend(&f.fake, f.codes, f.spent, p["code"], func(s *FinchStats) { s.ReusedCodes++ })
	if !ok {
		f.fail(w, http.StatusBadRequest, "invalid_grant_error", "", "authorization code is invalid or has already been used")
		return
	}
	if !f.cfg.now().Before(grant.expires) {
		f.fail(w, http.StatusBadRequest, "invalid_grant_error", "", "authorization code has expired")
		return
	}
	if rd, has := p["redirect_uri"]; has != (grant.redirectURI != "") || rd != grant.redirectURI {
		f.fail(w, http.StatusBadRequest, "invalid_grant_error", "", "redirect_uri does not match the one used with Connect")
		return
	}
	at := randomToken("finch_at_")
	conn := grant.conn
	f.mu.Lock()
	f.tokens[at] = &conn
	f.stats.CodeExchanges++
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":    at,
		"token_type":      "bearer",
		"connection_id":   conn.ConnectionID,
		"customer_id":     nullable(conn.CustomerID),
		"customer_name":   nullable(conn.CustomerName),
		"account_id":      conn.AccountID,
		"company_id":      conn.CompanyID,
		"client_type":     conn.ClientType,
		"connection_type": conn.ConnectionType,
		"products":        conn.Products,
		"provider_id":     conn.ProviderID,
		"entity_ids":      conn.EntityIDs,
	})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (f *Finch) checkVersion(w http.ResponseWriter, r *http.Request) bool {
	if v := r.Header.Get("Finch-API-Version"); v != f.cfg.apiVersion {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "Finch-API-Version must be "+f.cfg.apiVersion)
		return false
	}
	return true
}

// bearer checks a Bearer endpoint's request (its method, the API version
// header, a live access token) and finds the connection of the token.
// When the check fails it has answered the request and returns false.
func (f *Finch) bearer(w http.ResponseWriter, r *http.Request, method string) (string, *FinchConnection, bool) {
	if r.Method != method {
		f.fail(w, http.StatusMethodNotAllowed, "method_not_allowed_error", "", method+" only")
		return "", nil, false
	}
	if !f.checkVersion(w, r) {
		return "", nil, false
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	conn := f.tokens[tok]
	f.mu.Unlock()
	if !ok || conn == nil {
		f.fail(w, http.StatusUnauthorized, "invalid_access_token_error", "", "invalid or revoked access token")
		return "", nil, false
	}
	return tok, conn, true
}

func (f *Finch) disconnect(w http.ResponseWriter, r *http.Request) {
	tok, _, ok := f.bearer(w, r, http.MethodPost)
	if !ok {
		return
	}
	if b, _ := readSmall(r); len(bytes.TrimSpace(b)) > 0 && string(bytes.TrimSpace(b)) != "{}" {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "disconnect takes no body")
		return
	}
	f.mu.Lock()
	delete(f.tokens, tok)
	f.stats.Disconnects++
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"status": "success"})
}

func (f *Finch) introspect(w http.ResponseWriter, r *http.Request) {
	_, conn, ok := f.bearer(w, r, http.MethodGet)
	if !ok {
		return
	}
	f.mu.Lock()
	f.stats.Introspections++
	f.mu.Unlock()
	status := map[string]any{"status": "connected", "message": "", "last_successful_sync": "2026-01-01T00:00:00Z"}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":                  "tok_" + conn.ConnectionID,
		"customer_name":       nullable(conn.CustomerName),
		"customer_email":      nullable(conn.CustomerEmail),
		"entities":            f.entities(conn),
		"client_id":           f.cfg.clientID,
		"client_type":         conn.ClientType,
		"connection_type":     conn.ConnectionType,
		"connection_id":       conn.ConnectionID,
		"customer_id":         nullable(conn.CustomerID),
		"company_id":          conn.CompanyID,
		"account_id":          conn.AccountID,
		"provider_id":         conn.ProviderID,
		"payroll_provider_id": conn.ProviderID,
		"products":            conn.Products,
		"username":            "admin@example.com",
		"manual":              false,
		"entity_ids":          conn.EntityIDs,
		"connection_status":   status,
		"authentication_methods": []map[string]any{
			{"type": "credential", "connection_status": status, "products": conn.Products},
		},
	})
}

// authorize plays Finch Connect with the user consenting at once: it
// checks the Connect parameters and redirects to redirect_uri with a code
// and the state.
func (f *Finch) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("session") {
		f.authorizeSession(w, r, q)
		return
	}
	target, ok := authorizeTarget(w, q, f.cfg.clientID)
	if !ok {
		return
	}
	switch {
	case q.Get("products") == "" || strings.Contains(q.Get("products"), ","):
		http.Error(w, "products must be space-separated", http.StatusBadRequest)
		return
	case q.Has("sandbox") && q.Get("sandbox") != "finch" && q.Get("sandbox") != "provider":
		http.Error(w, "sandbox must be finch or provider", http.StatusBadRequest)
		return
	}
	conn := FinchConnection{Products: strings.Fields(q.Get("products"))}
	if q.Get("sandbox") != "" {
		conn.ClientType = "sandbox"
	} else {
		conn.ClientType = "production"
	}
	redirectWithCode(w, r, target, f.IssueCodeFor(q.Get("redirect_uri"), conn), q.Get("state"))
}

func (f *Finch) fail(w http.ResponseWriter, status int, name, finchCode, msg string) {
	f.mu.Lock()
	f.stats.Rejected++
	f.mu.Unlock()
	body := map[string]any{"code": status, "name": name, "message": msg}
	if finchCode != "" {
		body["finch_code"] = finchCode
	}
	writeJSON(w, status, body)
}

// FinchError is a Raw fault answering status with Finch's error shape
// {code, name, finch_code, message} (finchCode "" leaves it out), for
// tests of error mapping.
func FinchError(status int, name, finchCode, message string) Fault {
	body := map[string]any{"code": status, "name": name, "message": message}
	if finchCode != "" {
		body["finch_code"] = finchCode
	}
	b, _ := json.Marshal(body)
	return Raw(status, "application/json", string(b))
}

func readSmall(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, 64<<10))
	return buf.Bytes(), err
}

// FinchRateLimited answers 429 in Finch's shape
// (rate_limit_exceeded_error) with Retry-After ("" for none), without
// handling the request.
func FinchRateLimited(retryAfter string) Fault {
	return Fault{kind: faultStatus, status: http.StatusTooManyRequests, retryAfter: retryAfter, ctype: "application/json",
		body: `{"code":429,"name":"rate_limit_exceeded_error","message":"Too many requests"}`}
}

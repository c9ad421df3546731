package providertest

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// FinchProducts are the products Finch's Connect Sessions accept.
var FinchProducts = []string{
	"benefits", "company", "deduction", "directory", "documents", "employment",
	"individual", "payment", "pay_statement", "recordkeeping", "ssn",
}

// finchSession is one Connect Session not yet used: its authorize page
// issues one code bound to it.
type finchSession struct {
	conn        FinchConnection // ConnectionID set for a reauthentication
	redirectURI string
	expires     time.Time
}

var (
	finchSessionFields = []string{"customer_id", "customer_name", "customer_email", "products", "integration",
		"manual", "minutes_to_expire", "redirect_uri", "sandbox"}
	finchReauthFields = []string{"connection_id", "minutes_to_expire", "products", "redirect_uri"}
)

// finchSessionBody is a Connect Session request as Finch reads it; absent
// fields stay nil.
type finchSessionBody struct {
	CustomerID      *string  `json:"customer_id"`
	CustomerName    *string  `json:"customer_name"`
	CustomerEmail   *string  `json:"customer_email"`
	ConnectionID    *string  `json:"connection_id"`
	Products        []string `json:"products"`
	RedirectURI     *string  `json:"redirect_uri"`
	MinutesToExpire *int     `json:"minutes_to_expire"`
	Sandbox         *string  `json:"sandbox"`
	Manual          *bool    `json:"manual"`
	Integration     *struct {
		Provider   *string `json:"provider"`
		AuthMethod *string `json:"auth_method"`
	} `json:"integration"`
}

// sessionRequest checks what both session endpoints require — POST, the
// API version, HTTP Basic with the app's credentials (a Bearer token is
// refused), a JSON object with only allowed fields — and decodes it.
func (f *Finch) sessionRequest(w http.ResponseWriter, r *http.Request, allowed []string) (*finchSessionBody, bool) {
	if r.Method != http.MethodPost {
		f.fail(w, http.StatusMethodNotAllowed, "method_not_allowed_error", "", "POST only")
		return nil, false
	}
	if !f.checkVersion(w, r) {
		return nil, false
	}
	id, secret, ok := r.BasicAuth()
	if !ok || !sameCredentials(id, secret, f.cfg.clientID, f.cfg.clientSecret) {
		f.fail(w, http.StatusUnauthorized, "invalid_client_error", "", "Connect Sessions need HTTP Basic client credentials")
		return nil, false
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		f.fail(w, http.StatusUnsupportedMediaType, "invalid_request_error", "", "Content-Type must be application/json")
		return nil, false
	}
	raw, err := readSmall(r)
	var fields map[string]json.RawMessage
	if err != nil || json.Unmarshal(raw, &fields) != nil || fields == nil {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "body must be one JSON object")
		return nil, false
	}
	if k, bad := unexpectedField(fields, allowed); bad {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "unknown field "+strconv.Quote(k))
		return nil, false
	}
	var b finchSessionBody
	if err := json.Unmarshal(raw, &b); err != nil {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", "a field has the wrong type")
		return nil, false
	}
	return &b, true
}

// sessionCommon checks products, redirect_uri and minutes_to_expire.
func sessionCommon(b *finchSessionBody, maxMinutes int) string {
	for i, p := range b.Products {
		if !slices.Contains(FinchProducts, p) || slices.Contains(b.Products[:i], p) {
			return "unknown or repeated product " + strconv.Quote(p)
		}
	}
	if m := b.MinutesToExpire; m != nil && (*m < 1 || *m > maxMinutes) {
		return "minutes_to_expire must be between 1 and " + strconv.Itoa(maxMinutes)
	}
	if b.RedirectURI != nil {
		u, err := url.Parse(*b.RedirectURI)
		if err != nil || !u.IsAbs() || !(u.Scheme == "https" || u.Scheme == "http" && isLoopbackHost(u.Hostname())) {
			return "redirect_uri must be an absolute https URL"
		}
	}
	return ""
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "::1" || strings.HasPrefix(h, "127.")
}

func (f *Finch) connectSession(w http.ResponseWriter, r *http.Request) {
	b, ok := f.sessionRequest(w, r, finchSessionFields)
	if !ok {
		return
	}
	msg := sessionCommon(b, 129600)
	switch {
	case msg != "":
	case b.CustomerID == nil || *b.CustomerID == "":
		msg = "customer_id is required"
	case b.CustomerName == nil || *b.CustomerName == "" || utf8.RuneCountInString(*b.CustomerName) > 255:
		msg = "customer_name must be 1 to 255 characters"
	case len(b.Products) == 0:
		msg = "products is required"
	case b.Sandbox != nil && *b.Sandbox != "finch" && *b.Sandbox != "provider":
		msg = "sandbox must be finch or provider"
	case b.CustomerEmail != nil && !strings.Contains(*b.CustomerEmail, "@"):
		msg = "customer_email is not an email address"
	case b.Integration != nil && (b.Integration.Provider == nil || *b.Integration.Provider == ""):
		msg = "integration.provider is required"
	case b.Integration != nil && b.Integration.AuthMethod != nil &&
		!slices.Contains([]string{"assisted", "credential", "oauth", "api_token"}, *b.Integration.AuthMethod):
		msg = "integration.auth_method must be assisted, credential, oauth or api_token"
	}
	if msg != "" {
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", msg)
		return
	}
	conn := FinchConnection{CustomerID: *b.CustomerID, CustomerName: *b.CustomerName, Products: b.Products, ClientType: "production"}
	if b.CustomerEmail != nil {
		conn.CustomerEmail = *b.CustomerEmail
	}
	if b.Sandbox != nil {
		conn.ClientType = "sandbox"
	}
	f.count(func(s *FinchStats) { s.ConnectSessions++ })
	f.newSession(w, b, conn, 129600)
}

func (f *Finch) reauthenticate(w http.ResponseWriter, r *http.Request) {
	b, ok := f.sessionRequest(w, r, finchReauthFields)
	if !ok {
		return
	}
	if msg := sessionCommon(b, 43200); msg != "" || b.ConnectionID == nil || *b.ConnectionID == "" {
		if msg == "" {
			msg = "connection_id is required"
		}
		f.fail(w, http.StatusBadRequest, "invalid_request_error", "", msg)
		return
	}
	conn, ok := f.connection(*b.ConnectionID)
	if !ok {
		f.fail(w, http.StatusNotFound, "not_found_error", "", "no such connection")
		return
	}
	if len(b.Products) > 0 {
		conn.Products = b.Products
	}
	f.count(func(s *FinchStats) { s.Reauthentications++ })
	f.newSession(w, b, conn, 43200)
}

// connection returns a copy of the live connection with this id.
func (f *Finch) connection(id string) (FinchConnection, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.tokens {
		if c.ConnectionID == id {
			return *c, true
		}
	}
	return FinchConnection{}, false
}

func (f *Finch) newSession(w http.ResponseWriter, b *finchSessionBody, conn FinchConnection, defMinutes int) {
	minutes := defMinutes
	if b.MinutesToExpire != nil {
		minutes = *b.MinutesToExpire
	}
	s := &finchSession{conn: conn, expires: f.cfg.now().Add(time.Duration(minutes) * time.Minute)}
	if b.RedirectURI != nil {
		s.redirectURI = *b.RedirectURI
	}
	id := issue(&f.fake, f.sessions, "sess_", s)
	writeJSON(w, http.StatusOK, map[string]string{"session_id": id, "connect_url": f.ConnectURL + "?session=" + url.QueryEscape(id)})
}

// authorizeSession plays Connect for a session, the user consenting at
// once: it uses the session up and redirects to its redirect_uri with one
// code bound to it (and the state, when the page was given one).
func (f *Finch) authorizeSession(w http.ResponseWriter, r *http.Request, q url.Values) {
	f.mu.Lock()
	s := f.sessions[q.Get("session")]
	delete(f.sessions, q.Get("session"))
	f.mu.Unlock()
	switch {
	case s == nil:
		http.Error(w, "unknown or already used session", http.StatusBadRequest)
		return
	case !f.cfg.now().Before(s.expires):
		http.Error(w, "session expired", http.StatusBadRequest)
		return
	case s.redirectURI == "":
		http.Error(w, "session has no redirect_uri (popup flow)", http.StatusBadRequest)
		return
	}
	target, err := url.Parse(s.redirectURI)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	redirectWithCode(w, r, target, f.IssueCodeFor(s.redirectURI, s.conn), q.Get("state"))
}

package finch

import (
	"context"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/oauthx/oauthx/client"
)

// Bounds and values of Connect Session fields.
const (
	// MaxSessionMinutes is the longest (and Finch's default) lifetime of a
	// Connect Session: 90 days.
	MaxSessionMinutes = 129600
	// MaxReauthMinutes is the longest (and Finch's default) lifetime of a
	// reauthentication session: 30 days.
	MaxReauthMinutes = 43200
	// MaxCustomerNameLen is the longest customer name Finch takes, in
	// characters.
	MaxCustomerNameLen = 255
)

// Integration auth methods for Integration.AuthMethod.
const (
	AuthMethodAssisted   = "assisted"
	AuthMethodCredential = "credential"
	AuthMethodOAuth      = "oauth"
	AuthMethodAPIToken   = "api_token"
)

// KnownProducts are the products Finch documents, in its order.
var KnownProducts = []string{
	"benefits", "company", "deduction", "directory", "documents", "employment",
	"individual", "payment", "pay_statement", "recordkeeping", "ssn",
}

// ConnectSessionParams are the fields of POST /connect/sessions. Only the
// fields set are sent.
type ConnectSessionParams struct {
	// CustomerID is your own id for the employer connecting. Required.
	CustomerID string
	// CustomerName is the employer's name, 1–255 characters. Required.
	CustomerName string
	// CustomerEmail is an optional contact address.
	CustomerEmail string
	// Products are the requested products, from KnownProducts. At least
	// one is required.
	Products []string
	// RedirectURI is where Connect sends the user back with a code:
	// https://, or http:// to a loopback host. Empty for the popup flow.
	RedirectURI string
	// MinutesToExpire is the session's lifetime, 1–MaxSessionMinutes
	// (0: Finch's default, MaxSessionMinutes).
	MinutesToExpire int
	// Sandbox is "", SandboxFinch or SandboxProvider.
	Sandbox string
	// Manual asks for the manual (assisted) flow for providers without an
	// API.
	Manual bool
	// Integration preselects the payroll provider and how to connect it.
	Integration *Integration
}

// Integration preselects a payroll provider in Connect.
type Integration struct {
	// Provider is Finch's provider id (e.g. "gusto"). Required.
	Provider string
	// AuthMethod is "", AuthMethodAssisted, AuthMethodCredential,
	// AuthMethodOAuth or AuthMethodAPIToken.
	AuthMethod string
}

// ReauthenticateParams are the fields of POST
// /connect/sessions/reauthenticate. Only the fields set are sent.
type ReauthenticateParams struct {
	// ConnectionID is the connection to reauthenticate. Required.
	ConnectionID string
	// Products, when set, replace the connection's products (from
	// KnownProducts).
	Products []string
	// RedirectURI is as in ConnectSessionParams.
	RedirectURI string
	// MinutesToExpire is 1–MaxReauthMinutes (0: Finch's default,
	// MaxReauthMinutes).
	MinutesToExpire int
}

// ConnectSession is Finch's answer: send the user to ConnectURL, exactly as
// Finch returned it.
type ConnectSession struct {
	// SessionID identifies the session.
	SessionID string
	// ConnectURL is the Connect page of this session, as Finch sent it.
	ConnectURL string
}

type integrationBody struct {
	Provider   string `json:"provider"`
	AuthMethod string `json:"auth_method,omitempty"`
}

type sessionBody struct {
	CustomerID      string           `json:"customer_id,omitempty"`
	CustomerName    string           `json:"customer_name,omitempty"`
	CustomerEmail   string           `json:"customer_email,omitempty"`
	ConnectionID    string           `json:"connection_id,omitempty"`
	Products        []string         `json:"products,omitempty"`
	RedirectURI     string           `json:"redirect_uri,omitempty"`
	MinutesToExpire int              `json:"minutes_to_expire,omitempty"`
	Sandbox         string           `json:"sandbox,omitempty"`
	Manual          bool             `json:"manual,omitempty"`
	Integration     *integrationBody `json:"integration,omitempty"`
}

// NewConnectSession creates a Finch Connect Session (POST
// {base}/connect/sessions, HTTP Basic with the client id and secret). p is
// checked first: a bad field is a *ParamError and nothing is sent. Finch's
// refusals are *client.Error values (401: ErrInvalidClient).
func (c *Client) NewConnectSession(ctx context.Context, p ConnectSessionParams) (*ConnectSession, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	b := sessionBody{
		CustomerID: p.CustomerID, CustomerName: p.CustomerName, CustomerEmail: p.CustomerEmail,
		Products: p.Products, RedirectURI: p.RedirectURI, MinutesToExpire: p.MinutesToExpire,
		Sandbox: p.Sandbox, Manual: p.Manual,
	}
	if p.Integration != nil {
		b.Integration = &integrationBody{Provider: p.Integration.Provider, AuthMethod: p.Integration.AuthMethod}
	}
	return c.postSession(ctx, "/connect/sessions", b)
}

// ReauthenticateConnectSession creates a Connect Session that
// reauthenticates an existing connection (POST
// {base}/connect/sessions/reauthenticate). Its code exchange yields a new
// access token for the same connection: save it over the stored session of
// that connection (tokenstore CompareAndSave).
func (c *Client) ReauthenticateConnectSession(ctx context.Context, p ReauthenticateParams) (*ConnectSession, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return c.postSession(ctx, "/connect/sessions/reauthenticate", sessionBody{
		ConnectionID: p.ConnectionID, Products: p.Products, RedirectURI: p.RedirectURI, MinutesToExpire: p.MinutesToExpire,
	})
}

func (c *Client) postSession(ctx context.Context, path string, b sessionBody) (*ConnectSession, error) {
	if !c.hasSecret {
		return nil, paramErr("client_secret", "Connect Sessions need the client id and secret")
	}
	var out struct {
		SessionID  string `json:"session_id"`
		ConnectURL string `json:"connect_url"`
	}
	_, err := c.c.CallAPI(ctx, client.APIRequest{
		Method:      http.MethodPost,
		URL:         c.cfg.baseURL + path,
		BasicAuth:   true,
		Header:      http.Header{APIVersionHeader: {c.cfg.apiVersion}},
		Body:        b,
		ErrorShapes: errorShapes,
		ErrorCodes:  errorCodes,
	}, &out)
	if err != nil {
		return nil, err
	}
	u, perr := url.Parse(out.ConnectURL)
	if out.SessionID == "" || out.ConnectURL == "" || perr != nil || client.CheckEndpoint(u) != nil {
		return nil, &client.Error{Provider: Name, Kind: client.ErrBadResponse, StatusCode: http.StatusOK,
			Description: "Connect Session answer lacks a session_id or an https connect_url"}
	}
	return &ConnectSession{SessionID: out.SessionID, ConnectURL: out.ConnectURL}, nil
}

func (p ConnectSessionParams) validate() error {
	n := utf8.RuneCountInString(p.CustomerName)
	switch {
	case strings.TrimSpace(p.CustomerID) == "" || hasControl(p.CustomerID):
		return paramErr("customer_id", "required, without control characters")
	case strings.TrimSpace(p.CustomerName) == "" || n > MaxCustomerNameLen || !utf8.ValidString(p.CustomerName) || hasControl(p.CustomerName):
		return paramErr("customer_name", "required, 1–255 characters, without control characters")
	case p.CustomerEmail != "" && !isEmail(p.CustomerEmail):
		return paramErr("customer_email", "not an email address")
	case p.Sandbox != "" && p.Sandbox != SandboxFinch && p.Sandbox != SandboxProvider:
		return paramErr("sandbox", `must be "", "finch" or "provider"`)
	}
	if len(p.Products) == 0 {
		return paramErr("products", "at least one product is required")
	}
	if err := checkCommon(p.Products, p.RedirectURI, p.MinutesToExpire, MaxSessionMinutes); err != nil {
		return err
	}
	if in := p.Integration; in != nil {
		if strings.TrimSpace(in.Provider) == "" || hasControl(in.Provider) {
			return paramErr("integration.provider", "required when Integration is set")
		}
		switch in.AuthMethod {
		case "", AuthMethodAssisted, AuthMethodCredential, AuthMethodOAuth, AuthMethodAPIToken:
		default:
			return paramErr("integration.auth_method", "must be assisted, credential, oauth or api_token")
		}
	}
	return nil
}

func (p ReauthenticateParams) validate() error {
	if strings.TrimSpace(p.ConnectionID) == "" || hasControl(p.ConnectionID) {
		return paramErr("connection_id", "required, without control characters")
	}
	return checkCommon(p.Products, p.RedirectURI, p.MinutesToExpire, MaxReauthMinutes)
}

// checkCommon checks the fields both session kinds have.
func checkCommon(products []string, redirectURI string, minutes, maxMinutes int) error {
	for i, pr := range products {
		if !slices.Contains(KnownProducts, pr) {
			return paramErr("products", "unknown product (Finch's are "+strings.Join(KnownProducts, ", ")+")")
		}
		if slices.Contains(products[:i], pr) {
			return paramErr("products", "product listed twice")
		}
	}
	if minutes < 0 || minutes > maxMinutes {
		return paramErr("minutes_to_expire", "must be between 1 and the maximum (0: Finch's default)")
	}
	if redirectURI != "" {
		u, err := url.Parse(redirectURI)
		if err != nil || !u.IsAbs() || u.Fragment != "" || client.CheckEndpoint(u) != nil {
			return paramErr("redirect_uri", "must be an absolute https:// URL (http:// only to loopback), without fragment")
		}
	}
	return nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// URLWithState returns ConnectURL as Finch sent it with a state query
// parameter added, which Finch Connect hands back to the redirect URI
// beside the code (as Finch's own Connect SDKs send it): the state a
// client.BrowserState began, so the callback is accepted only in this
// browser. Nothing else in Finch's URL is changed. An empty state, one
// with characters other than URL-safe base64's, or a ConnectURL that
// already carries a state is a *ParamError.
func (cs *ConnectSession) URLWithState(state string) (string, error) {
	if cs == nil || cs.ConnectURL == "" {
		return "", paramErr("connect_url", "no Connect Session")
	}
	if state == "" || strings.ContainsFunc(state, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_')
	}) {
		return "", paramErr("state", "required, URL-safe base64 characters only")
	}
	u, err := url.Parse(cs.ConnectURL)
	if err != nil {
		return "", paramErr("connect_url", "not a URL")
	}
	if u.Query().Has("state") {
		return "", paramErr("connect_url", "already carries a state")
	}
	sep := "&"
	switch {
	case u.RawQuery == "" && !strings.Contains(cs.ConnectURL, "?"):
		sep = "?"
	case strings.HasSuffix(cs.ConnectURL, "?") || strings.HasSuffix(cs.ConnectURL, "&"):
		sep = ""
	}
	if u.Fragment != "" || strings.Contains(cs.ConnectURL, "#") {
		return "", paramErr("connect_url", "has a fragment")
	}
	return cs.ConnectURL + sep + "state=" + state, nil
}

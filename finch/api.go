package finch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// Introspection is Finch's GET /introspect answer: what the access token
// is for and the state of its connection.
type Introspection struct {
	ClientID       string   `json:"client_id"`
	ClientType     string   `json:"client_type"`
	ConnectionType string   `json:"connection_type"`
	ConnectionID   string   `json:"connection_id"`
	CustomerID     string   `json:"customer_id"`
	CustomerEmail  string   `json:"customer_email"`
	CustomerName   string   `json:"customer_name"`
	CompanyID      string   `json:"company_id"`
	AccountID      string   `json:"account_id"`
	ProviderID     string   `json:"provider_id"`
	Products       []string `json:"products"`
	Username       string   `json:"username"`
	Manual         bool     `json:"manual"`
	EntityIDs      []string `json:"entity_ids"`
	// ConnectionStatus is the connection's health ("connected",
	// "reauth", "pending", "error_no_account_setup", …).
	ConnectionStatus ConnectionStatus `json:"connection_status"`
	// AuthenticationMethods lists how the connection authenticates to the
	// provider, with the status of each.
	AuthenticationMethods []AuthenticationMethod `json:"authentication_methods"`
}

// ConnectionStatus is a connection's (or authentication method's) health.
type ConnectionStatus struct {
	Status             string `json:"status"`
	Message            string `json:"message"`
	LastSuccessfulSync string `json:"last_successful_sync"`
}

// AuthenticationMethod is one of a connection's ways to authenticate.
type AuthenticationMethod struct {
	Type             string           `json:"type"`
	ConnectionStatus ConnectionStatus `json:"connection_status"`
	Products         []string         `json:"products"`
}

// NeedsReauthentication reports whether Finch says the user must
// reconnect (status "reauth").
func (i *Introspection) NeedsReauthentication() bool {
	return i != nil && i.ConnectionStatus.Status == "reauth"
}

// Disconnect revokes s's access token and ends the connection (POST
// {base}/disconnect with the token as Bearer). Finch requires apps to
// offer it. c must have been made with Provider. Afterwards the token
// fails with 401; delete s from your store.
func Disconnect(ctx context.Context, c *client.Client, s *client.Session) error {
	var out struct {
		Status string `json:"status"`
	}
	if err := call(ctx, c, s, http.MethodPost, "/disconnect", &out); err != nil {
		return err
	}
	if out.Status != "success" {
		return &client.Error{Provider: Name, Kind: client.ErrBadResponse, StatusCode: http.StatusOK,
			Description: "disconnect answered status " + truncate(out.Status) + ", not success"}
	}
	return nil
}

// Introspect asks Finch what s's access token is for (GET
// {base}/introspect with the token as Bearer). c must have been made with
// Provider.
func Introspect(ctx context.Context, c *client.Client, s *client.Session) (*Introspection, error) {
	var out Introspection
	if err := call(ctx, c, s, http.MethodGet, "/introspect", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// providerOf finds c's Finch provider, for its base URL and API version.
func providerOf(c *client.Client) (*finchProvider, error) {
	if c == nil {
		return nil, errors.New("finch: nil *client.Client")
	}
	fp, ok := c.Provider().(*finchProvider)
	if !ok {
		return nil, errors.New("finch: the client was not made with finch.Provider")
	}
	return fp, nil
}

// call sends one authenticated API request and decodes a 200 answer into
// out. Failures are *client.Error values, scrubbed of the access token.
func call(ctx context.Context, c *client.Client, s *client.Session, method, path string, out any) error {
	if ctx == nil {
		return &client.Error{Provider: Name, Kind: client.ErrInvalidRequest, Description: "nil context"}
	}
	fp, err := providerOf(c)
	if err != nil {
		return &client.Error{Provider: Name, Kind: client.ErrInvalidRequest, Err: err}
	}
	if s == nil || s.AccessToken == "" {
		return &client.Error{Provider: Name, Kind: client.ErrInvalidRequest, Description: "session has no access token"}
	}
	req, err := http.NewRequestWithContext(ctx, method, fp.cfg.baseURL+path, nil)
	if err != nil {
		return &client.Error{Provider: Name, Kind: client.ErrInvalidRequest, Description: "bad Finch API URL"}
	}
	req.Header.Set("Authorization", "Bearer "+s.AccessToken)
	req.Header.Set("Accept", "application/json")
	req.Header.Set(APIVersionHeader, fp.cfg.apiVersion)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
		req.Body = http.NoBody
	}
	resp, err := c.Send(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return apiError(c, resp, s.AccessToken)
	}
	if _, err := providers.DecodeJSONObject(resp); err != nil {
		return withProvider(err)
	}
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	if err := dec.Decode(out); err != nil {
		return &client.Error{Provider: Name, Kind: client.ErrBadResponse, StatusCode: resp.StatusCode,
			Description: "answer does not have the documented shape"}
	}
	return nil
}

// apiError turns a non-200 API answer into a *client.Error. On these
// Bearer-authenticated calls a 401 means the token is dead (disconnected
// or revoked): ErrReauthorize.
func apiError(c *client.Client, resp *client.Response, token string) error {
	e := &client.Error{Provider: Name, StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	if d, ok := client.RetryAfter(resp.Header, c.Now()); ok {
		e.RetryAfter = d
	}
	raw, derr := providers.DecodeJSONObject(resp)
	if derr == nil {
		if f, ok := errorShape(resp.StatusCode, raw); ok {
			e.Code, e.Description = f.Code, f.Description
		}
	} else {
		e.ContentType = resp.Header.Get("Content-Type")
		e.Description = "error status without a JSON error body"
	}
	switch kind, known := errorCodes[e.Code]; {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = client.ErrRateLimited
	case known:
		e.Kind = kind
	case resp.StatusCode == http.StatusUnauthorized:
		e.Kind = client.ErrReauthorize
	default:
		e.Kind = client.KindForStatus(resp.StatusCode)
	}
	e.Code = scrub(e.Code, token)
	e.Description = scrub(e.Description, token)
	return e
}

func withProvider(err error) error {
	var e *client.Error
	if errors.As(err, &e) && e.Provider == "" {
		e.Provider = Name
	}
	return err
}

func scrub(s, token string) string {
	if len(token) >= 4 {
		s = strings.ReplaceAll(s, token, "<redacted>")
	}
	return s
}

func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

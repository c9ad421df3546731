package finch

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
)

// Introspection is Finch's GET /introspect answer, every documented field:
// what the access token is for and the state of its connection and
// entities. account_id and company_id are deprecated by Finch.
type Introspection struct {
	// ID is Finch's id of the access token.
	ID string `json:"id"`
	// ClientID is the application's client id the token was issued to.
	ClientID string `json:"client_id"`
	// ClientType is "production", "development" or "sandbox".
	ClientType string `json:"client_type"`
	// ConnectionType is "provider" or "finch" (assisted).
	ConnectionType string `json:"connection_type"`
	// ConnectionID is the connection the token is for (the Session's
	// Subject).
	ConnectionID string `json:"connection_id"`
	// CustomerID, CustomerEmail and CustomerName are the application's
	// customer, as given to the Connect Session.
	CustomerID    string `json:"customer_id"`
	CustomerEmail string `json:"customer_email"`
	CustomerName  string `json:"customer_name"`
	// CompanyID and AccountID are deprecated by Finch.
	CompanyID string `json:"company_id"`
	AccountID string `json:"account_id"`
	// ProviderID names the payroll or HRIS provider (e.g. "gusto").
	ProviderID string `json:"provider_id"`
	// PayrollProviderID is the older name of ProviderID.
	PayrollProviderID string `json:"payroll_provider_id"`
	// Products are the products the token was granted.
	Products []string `json:"products"`
	// Username is the account name the connection was made with, when
	// Finch reports one.
	Username string `json:"username"`
	// Manual is true for a connection through Finch's assisted flow.
	Manual bool `json:"manual"`
	// EntityIDs are the legal entities the connection covers.
	EntityIDs []string `json:"entity_ids"`
	// ConnectionStatus is the connection's health ("connected",
	// "reauth", "pending", "error_no_account_setup", …).
	ConnectionStatus ConnectionStatus `json:"connection_status"`
	// AuthenticationMethods lists how the connection authenticates to the
	// provider, with the status of each.
	AuthenticationMethods []AuthenticationMethod `json:"authentication_methods"`
	// Entities are the legal entities of the connection, each with its
	// status (a disconnected entity stays listed).
	Entities []Entity `json:"entities"`
}

// Entity is one legal entity of a connection.
type Entity struct {
	// ID is Finch's id of the entity, as in DisconnectEntities.
	ID string `json:"id"`
	// Name is the entity's name.
	Name string `json:"name"`
	// SourceID is the entity's id at the payroll or HRIS provider.
	SourceID string `json:"source_id"`
	// Status is the entity's state ("connected", "disconnected", …).
	Status string `json:"status"`
}

// Entity returns the entity with this id, if the connection has it.
func (i *Introspection) Entity(id string) (Entity, bool) {
	if i == nil {
		return Entity{}, false
	}
	for _, e := range i.Entities {
		if e.ID == id {
			return e, true
		}
	}
	return Entity{}, false
}

// ConnectionStatus is a connection's (or authentication method's) health.
type ConnectionStatus struct {
	// Status is the state ("connected", "reauth", "pending", …).
	Status string `json:"status"`
	// Message is Finch's explanation of the state, when it gives one.
	Message string `json:"message"`
	// LastSuccessfulSync is when Finch last synced the data, as Finch
	// sent it (RFC 3339; see LastSync).
	LastSuccessfulSync string `json:"last_successful_sync"`
}

// LastSync parses LastSuccessfulSync (RFC 3339); false when it is empty
// or not a time.
func (s ConnectionStatus) LastSync() (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s.LastSuccessfulSync)
	return t, err == nil
}

// AuthenticationMethod is one of a connection's ways to authenticate.
type AuthenticationMethod struct {
	// Type is the method ("assisted", "credential", "oauth", "api_token").
	Type string `json:"type"`
	// ConnectionStatus is the health of the connection through it.
	ConnectionStatus ConnectionStatus `json:"connection_status"`
	// Products are the products this method serves.
	Products []string `json:"products"`
}

// NeedsReauthentication reports whether Finch says the user must
// reconnect (status "reauth").
func (i *Introspection) NeedsReauthentication() bool {
	return i != nil && i.ConnectionStatus.Status == "reauth"
}

// Disconnect revokes s's access token and ends the connection (POST
// {base}/disconnect with the token as Bearer). Finch requires apps to
// offer it. Afterwards the token fails with 401 (ErrReauthorize); delete
// s from your store.
func (c *Client) Disconnect(ctx context.Context, s *client.Session) error {
	var out struct {
		Status string `json:"status"`
	}
	if err := c.call(ctx, s, http.MethodPost, "/disconnect", nil, &out); err != nil {
		return err
	}
	return checkSuccess("disconnect", out.Status, s)
}

// DisconnectEntities disconnects some legal entities of s's connection
// (POST {base}/disconnect-entity {"entity_ids": ids}, the token as
// Bearer); the connection and its other entities stay. ids must be
// non-empty, each non-empty and listed once (else a *ParamError, nothing
// sent). An answer with a status other than "success" is
// client.ErrBadResponse; an answer without a status ({}) is success.
// Introspect then lists them as disconnected.
func (c *Client) DisconnectEntities(ctx context.Context, s *client.Session, ids []string) error {
	if len(ids) == 0 {
		return paramErr("entity_ids", "at least one entity id is required")
	}
	for i, id := range ids {
		if strings.TrimSpace(id) == "" || hasControl(id) || slices.Contains(ids[:i], id) {
			return paramErr("entity_ids", "empty, malformed or repeated entity id")
		}
	}
	var out struct {
		Status string `json:"status"`
	}
	body := struct {
		EntityIDs []string `json:"entity_ids"`
	}{ids}
	if err := c.call(ctx, s, http.MethodPost, "/disconnect-entity", body, &out); err != nil {
		return err
	}
	if out.Status == "" {
		return nil
	}
	return checkSuccess("disconnect-entity", out.Status, s)
}

// checkSuccess refuses a {"status"} answer other than "success".
func checkSuccess(call, status string, s *client.Session) error {
	if status == "success" {
		return nil
	}
	return &client.Error{Provider: Name, Kind: client.ErrBadResponse, StatusCode: http.StatusOK,
		Description: call + " answered status " + client.Clip(client.Scrub(status, s.AccessToken), 32) + ", not success"}
}

// Introspect asks Finch what s's access token is for (GET
// {base}/introspect with the token as Bearer).
func (c *Client) Introspect(ctx context.Context, s *client.Session) (*Introspection, error) {
	var out Introspection
	if err := c.call(ctx, s, http.MethodGet, "/introspect", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

package finch

import (
	"context"
	"net/http"

	"github.com/oauthx/oauthx/client"
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
// offer it. Afterwards the token fails with 401 (ErrReauthorize); delete
// s from your store.
func (c *Client) Disconnect(ctx context.Context, s *client.Session) error {
	var out struct {
		Status string `json:"status"`
	}
	if err := c.call(ctx, s, http.MethodPost, "/disconnect", &out); err != nil {
		return err
	}
	if out.Status != "success" {
		return &client.Error{Provider: Name, Kind: client.ErrBadResponse, StatusCode: http.StatusOK,
			Description: "disconnect answered status " + client.Clip(client.Scrub(out.Status, s.AccessToken), 32) + ", not success"}
	}
	return nil
}

// Introspect asks Finch what s's access token is for (GET
// {base}/introspect with the token as Bearer).
func (c *Client) Introspect(ctx context.Context, s *client.Session) (*Introspection, error) {
	var out Introspection
	if err := c.call(ctx, s, http.MethodGet, "/introspect", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

package finch

import (
	"encoding/json"
	"fmt"

	"github.com/oauthx/oauthx/client"
)

// Connection is what Finch's token response says about the connection the
// token is for. Read it from a Session with ConnectionOf; it survives
// storage, since it lives in Session.Extra.
type Connection struct {
	// ConnectionID identifies the connection (also Session.Subject).
	ConnectionID string
	// CustomerID is the customer id given to Finch Connect, if any.
	CustomerID string
	// CustomerName is the customer name given to the Connect Session, if any.
	CustomerName string
	// CompanyID is the employer's id at Finch.
	CompanyID string
	// AccountID is deprecated by Finch; kept for old integrations.
	AccountID string
	// ProviderID names the payroll or HRIS provider (e.g. "gusto").
	ProviderID string
	// ClientType is "production", "development" or "sandbox".
	ClientType string
	// ConnectionType is "provider" or "finch" (assisted).
	ConnectionType string
	// Products are the products the token was granted.
	Products []string
	// EntityIDs are the legal entities the connection covers.
	EntityIDs []string
}

// ConnectionOf reads the Finch fields of s. Missing fields are empty; s
// from another provider gives an empty Connection.
func ConnectionOf(s *client.Session) Connection {
	if s == nil {
		return Connection{}
	}
	return Connection{
		ConnectionID:   ConnectionID(s),
		CustomerID:     CustomerID(s),
		CustomerName:   CustomerName(s),
		CompanyID:      CompanyID(s),
		AccountID:      extraString(s, "account_id"),
		ProviderID:     ProviderID(s),
		ClientType:     ClientType(s),
		ConnectionType: ConnectionType(s),
		Products:       Products(s),
		EntityIDs:      EntityIDs(s),
	}
}

// ConnectionID is the connection id of a Finch session.
func ConnectionID(s *client.Session) string {
	if id := extraString(s, "connection_id"); id != "" {
		return id
	}
	if s != nil && s.Provider == Name {
		return s.Subject
	}
	return ""
}

// CustomerID is the customer id of a Finch session, if Connect was given one.
func CustomerID(s *client.Session) string { return extraString(s, "customer_id") }

// CustomerName is the customer name of a Finch session, if the Connect
// Session was given one.
func CustomerName(s *client.Session) string { return extraString(s, "customer_name") }

// CompanyID is the company id of a Finch session (deprecated by Finch).
func CompanyID(s *client.Session) string { return extraString(s, "company_id") }

// ProviderID is the payroll/HRIS provider of a Finch session.
func ProviderID(s *client.Session) string { return extraString(s, "provider_id") }

// ClientType is the Finch application's type: production, development or
// sandbox.
func ClientType(s *client.Session) string { return extraString(s, "client_type") }

// ConnectionType is "provider" (automated) or "finch" (assisted).
func ConnectionType(s *client.Session) string { return extraString(s, "connection_type") }

// Products are the products granted to a Finch session.
func Products(s *client.Session) []string { return extraStrings(s, "products") }

// EntityIDs are the entity ids of a Finch session.
func EntityIDs(s *client.Session) []string { return extraStrings(s, "entity_ids") }

func extraString(s *client.Session, key string) string {
	if s == nil {
		return ""
	}
	switch v := s.Extra[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func extraStrings(s *client.Session, key string) []string {
	if s == nil {
		return nil
	}
	switch v := s.Extra[key].(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if str, ok := e.(string); ok {
				out = append(out, str)
			}
		}
		return out
	case []string:
		return append([]string(nil), v...)
	}
	return nil
}

package finch

import (
	"errors"

	"github.com/oauthx/oauthx/client"
)

// ErrInvalidParams is matched (errors.Is) by every *ParamError: a Connect
// Session request refused before anything was sent, or a bad
// WebhookHandlerConfig.
var ErrInvalidParams = errors.New("finch: invalid Connect Session parameters")

// ParamError names the field that was refused and why. It
// matches ErrInvalidParams and client.ErrInvalidRequest. It never holds
// the field's value.
type ParamError struct {
	// Field is the JSON name of the field (customer_name, products, …),
	// or "client_secret" when the client has no credentials.
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error describes the refused field.
func (e *ParamError) Error() string { return "finch: " + e.Field + ": " + e.Reason }

// Is reports whether target is ErrInvalidParams or client.ErrInvalidRequest.
func (e *ParamError) Is(target error) bool {
	return target == ErrInvalidParams || target == client.ErrInvalidRequest
}

func paramErr(field, reason string) error { return &ParamError{Field: field, Reason: reason} }

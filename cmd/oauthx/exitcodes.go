package main

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

// Exit codes, documented in --help and the README. Scripts may rely on
// them.
const (
	// exitOK: the command did what it was asked.
	exitOK = 0
	// exitFailure: anything not covered below (a bad answer from the
	// provider, a store that cannot be written, an id_token that does not
	// verify).
	exitFailure = 1
	// exitUsage: bad command line or configuration (unknown flag, missing
	// client id or secret, bad store URL, client credentials rejected).
	exitUsage = 2
	// exitReauth: the user must log in again: no stored session, or the
	// provider refused the grant (invalid_grant, expired session token…),
	// or the user refused at the provider during login (access_denied).
	exitReauth = 3
	// exitTransient: network trouble, a timeout, a 5xx, rate limiting:
	// trying again later may work.
	exitTransient = 4
)

// usageError is a mistake on the command line or in the configuration.
type usageError struct{ msg string }

// Error returns the message.
func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{msg: fmt.Sprintf(format, a...)} }

// errNothingToRefresh is returned by `refresh` for a session that never
// expires and has no refresh token.
var errNothingToRefresh = errors.New("nothing to refresh")

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var ue *usageError
	var ne net.Error
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.Is(err, client.ErrInvalidClient), errors.Is(err, shopify.ErrInvalidShop),
		errors.Is(err, errNothingToRefresh), errors.Is(err, tokenstore.ErrInsecurePermissions):
		return exitUsage
	case errors.Is(err, client.ErrReauthorize), errors.Is(err, tokenstore.ErrNotFound),
		errors.Is(err, shopify.ErrInvalidSessionToken), errors.Is(err, client.ErrAuthorizationFailed):
		return exitReauth
	case errors.Is(err, client.ErrTransient), errors.Is(err, client.ErrRateLimited),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, tokenstore.ErrKeyringTimeout),
		errors.As(err, &ne):
		return exitTransient
	}
	return exitFailure
}

// exitName names an exit code in --json error output.
func exitName(code int) string {
	switch code {
	case exitOK:
		return "ok"
	case exitUsage:
		return "usage"
	case exitReauth:
		return "reauthorize"
	case exitTransient:
		return "transient"
	}
	return "failure"
}

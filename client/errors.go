package client

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauthx/oauthx/internal/errtext"
)

// Sentinel errors. Every error a token call returns is an *Error that
// matches exactly one of them with errors.Is.
var (
	// ErrReauthorize means the grant is dead: the code, refresh token or
	// session token was rejected (invalid_grant, invalid_code,
	// invalid_token, invalid_subject_token, Finch invalid_grant_error and
	// reauthenticate_user, Passport "expired code"). The user must authorize
	// again; retrying cannot help.
	ErrReauthorize = errors.New("oauthx: reauthorization required")
	// ErrInvalidClient means the client credentials were rejected.
	ErrInvalidClient = errors.New("oauthx: invalid client credentials")
	// ErrRateLimited means the provider answered 429; Error.RetryAfter says
	// how long it asked us to wait.
	ErrRateLimited = errors.New("oauthx: rate limited")
	// ErrTransient means the call failed for a reason that may pass: a
	// network failure, a timeout, a 5xx. A single-use grant may or may not
	// have been consumed; see Error.MaybeConsumed.
	ErrTransient = errors.New("oauthx: transient failure")
	// ErrBadResponse means the provider answered something that is not a
	// token response: HTML, non-JSON, a body over 1 MiB, a 2xx carrying an
	// error, a missing access_token.
	ErrBadResponse = errors.New("oauthx: bad response from token endpoint")
	// ErrInvalidRequest means the provider rejected the request itself
	// (invalid_request, unsupported_grant_type, invalid_scope, …), or the
	// request could not be built from what the caller gave. Fix the call.
	ErrInvalidRequest = errors.New("oauthx: invalid request")
)

// Error is the one error type token calls return. It carries the RFC 6749
// §5.2 fields when the provider sent them, plus what was learned from the
// HTTP exchange. It never contains a secret or a token: descriptions the
// provider echoes are scrubbed of every secret the request carried.
//
// Match it with errors.Is against the sentinels, or errors.As to read the
// fields.
type Error struct {
	// Provider names the adapter, e.g. "generic".
	Provider string
	// StatusCode is the HTTP status, or 0 when no response arrived.
	StatusCode int
	// Code is the provider's error code ("invalid_grant", "UNAUTHORIZED", …).
	Code string
	// Description is the provider's human-readable explanation.
	Description string
	// URI is the RFC 6749 error_uri.
	URI string
	// RequestID is the provider's request id header, if it sent one.
	RequestID string
	// RetryAfter is the wait the provider asked for (429, 503).
	RetryAfter time.Duration
	// ContentType is the response's Content-Type, set for ErrBadResponse.
	ContentType string
	// MaybeConsumed is true when the request may have reached the provider
	// and been acted on without a usable answer coming back: a timeout or
	// reset after sending, a malformed answer, 500/502/504, 408, 101, a
	// redirect (never followed), a 2xx that is no usable token answer. A
	// single-use grant may be spent. oauthx never resends it.
	MaybeConsumed bool

	// Kind is the sentinel this error matches with errors.Is.
	Kind error
	// Err is the underlying cause, if any (a network error, a JSON error).
	Err error
}

// Error returns a one-line message: provider, status, code and description,
// then the cause, saying "oauthx: " once.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	} else {
		b.WriteString("oauthx: token endpoint error")
	}
	if e.Provider != "" {
		b.WriteString(" (")
		b.WriteString(e.Provider)
		b.WriteString(")")
	}
	if e.StatusCode != 0 {
		b.WriteString(": HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.ContentType != "" {
		b.WriteString(" (content type ")
		b.WriteString(strconv.Quote(e.ContentType))
		b.WriteString(")")
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAfter.String())
		b.WriteString(")")
	}
	if e.RequestID != "" {
		b.WriteString(" [request id ")
		b.WriteString(e.RequestID)
		b.WriteString("]")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return errtext.Once(b.String())
}

// Is reports whether target is the sentinel e matches.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCodes maps a provider's own error codes to sentinels, e.g. Finch's
// "reauthenticate_user" to ErrReauthorize.
type ErrorCodes map[string]error

// Kind is the sentinel of an error answer, from its HTTP status and the
// fields its error shape read. It is the one place oauthx classifies
// provider errors, in this order:
//
//   - 429 is ErrRateLimited, whatever the body says;
//   - the Kind the shape set, if any;
//   - a code m maps;
//   - an RFC 6749 §5.2 / RFC 8693 code: invalid_grant, invalid_code,
//     invalid_token, invalid_subject_token and access_denied are
//     ErrReauthorize; invalid_client and unauthorized_client
//     ErrInvalidClient; slow_down, rate_limited and rate_limit_exceeded
//     ErrRateLimited; temporarily_unavailable, server_error and RFC 9449's
//     use_dpop_nonce (a nonce challenge that came back after the one retry
//     it gets) ErrTransient; RFC 9449's invalid_dpop_proof
//     ErrInvalidRequest;
//   - any other code, or none, by status: 401 is ErrInvalidClient, 408
//     and 5xx ErrTransient, any other 4xx ErrInvalidRequest, and anything
//     else (a 2xx or 3xx carrying an error, no status) ErrBadResponse.
func (m ErrorCodes) Kind(status int, f ErrorFields) error {
	if status == http.StatusTooManyRequests {
		return ErrRateLimited
	}
	if f.Kind != nil {
		return f.Kind
	}
	if k, ok := m[f.Code]; ok && f.Code != "" {
		return k
	}
	switch f.Code {
	case "invalid_grant", "invalid_code", "invalid_token", "invalid_subject_token", "access_denied":
		return ErrReauthorize
	case "invalid_client", "unauthorized_client":
		return ErrInvalidClient
	case "slow_down", "rate_limited", "rate_limit_exceeded":
		return ErrRateLimited
	case "temporarily_unavailable", "server_error", "use_dpop_nonce":
		return ErrTransient
	case "invalid_dpop_proof":
		return ErrInvalidRequest
	}
	switch {
	case status == http.StatusUnauthorized:
		return ErrInvalidClient
	case status >= 500 || status == http.StatusRequestTimeout:
		return ErrTransient
	case status >= 400:
		return ErrInvalidRequest
	default:
		return ErrBadResponse
	}
}

// ErrorKind is the sentinel of an error answer with this status and RFC
// 6749 code: ErrorCodes.Kind without provider codes (see there for the
// table).
func ErrorKind(status int, code string) error {
	return ErrorCodes(nil).Kind(status, ErrorFields{Code: code})
}

// KindForStatus is the sentinel of an error status that carried no code:
// ErrorKind(status, "").
func KindForStatus(status int) error { return ErrorKind(status, "") }

// KindOf returns the sentinel err matches (ErrReauthorize, ErrInvalidClient,
// ErrRateLimited, ErrTransient, ErrBadResponse or ErrInvalidRequest), or nil
// when err is not and does not wrap an *Error of one of those kinds: the
// Kind that ErrorCodes.Kind gave it. Use it to switch on the kind, or as a
// metrics label.
func KindOf(err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Kind {
	case ErrReauthorize, ErrInvalidClient, ErrRateLimited, ErrTransient, ErrBadResponse, ErrInvalidRequest:
		return e.Kind
	}
	return nil
}

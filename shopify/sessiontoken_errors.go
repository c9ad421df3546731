package shopify

import "errors"

// ErrInvalidSessionToken is matched by every session-token rejection, so a
// handler can answer them all alike (401 with
// X-Shopify-Retry-Invalid-Session-Request). The reasons below say which
// check failed; each rejection matches exactly one of them too.
var ErrInvalidSessionToken = errors.New("shopify: invalid session token")

// Session-token rejection reasons, matched with errors.Is.
var (
	// ErrNoSessionToken: the request carries no session token (no
	// Authorization header and no id_token query parameter), an empty one,
	// or an Authorization scheme other than Bearer.
	ErrNoSessionToken = errors.New("shopify: no session token in request")
	// ErrSessionTokenMalformed: not three base64url parts of JSON, too long,
	// or a required claim missing or of the wrong type.
	ErrSessionTokenMalformed = errors.New("shopify: malformed session token")
	// ErrSessionTokenAlgorithm: the header names an algorithm other than
	// HS256 (none, RS256, HS512, …).
	ErrSessionTokenAlgorithm = errors.New("shopify: session token algorithm is not HS256")
	// ErrSessionTokenSignature: the HMAC does not match the app secret.
	ErrSessionTokenSignature = errors.New("shopify: session token signature mismatch")
	// ErrSessionTokenExpired: exp is past, beyond the clock tolerance.
	ErrSessionTokenExpired = errors.New("shopify: session token expired")
	// ErrSessionTokenNotYetValid: nbf is ahead, beyond the clock tolerance.
	ErrSessionTokenNotYetValid = errors.New("shopify: session token not yet valid")
	// ErrSessionTokenAudience: aud is not this app's API key.
	ErrSessionTokenAudience = errors.New("shopify: session token audience is not this app")
	// ErrSessionTokenDestination: dest is not https:// followed by a valid
	// shop domain.
	ErrSessionTokenDestination = errors.New("shopify: session token destination is not a valid shop")
	// ErrSessionTokenIssuer: iss is not https://{the dest shop}/admin.
	ErrSessionTokenIssuer = errors.New("shopify: session token issuer does not match its destination")
	// ErrSessionTokenShopMismatch: the token is for another shop than the
	// one the request names.
	ErrSessionTokenShopMismatch = errors.New("shopify: session token is for another shop")
)

// SessionTokenError is a session-token rejection. Its text names the check
// that failed and never contains the token, nor any part of it.
type SessionTokenError struct {
	// Reason is one of the ErrSessionToken* / ErrNoSessionToken sentinels.
	Reason error
	// Detail is a short explanation that holds no token material.
	Detail string
}

// Error implements error.
func (e *SessionTokenError) Error() string {
	if e.Detail == "" {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Detail
}

// Is matches the reason and ErrInvalidSessionToken.
func (e *SessionTokenError) Is(target error) bool {
	return target == ErrInvalidSessionToken || target == e.Reason
}

func tokenError(reason error, detail string) error {
	return &SessionTokenError{Reason: reason, Detail: detail}
}

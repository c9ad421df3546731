package shopify

// RequestError is a refused request that Shopify signs: a webhook
// (ErrInvalidWebhook), an app-proxy request (ErrInvalidAppProxy) or an
// OAuth callback (ErrInvalidCallback). It matches its Kind, its Reason
// (one sentinel per check, e.g. ErrWebhookSignature) and, through Err,
// anything it wraps (a *ShopError for a hostile shop).
//
// Its text names the check that failed and, at most, the header or
// parameter concerned: never a signature, a body or a secret.
type RequestError struct {
	// Kind is ErrInvalidWebhook, ErrInvalidAppProxy or ErrInvalidCallback.
	Kind error
	// Reason is the sentinel of the check that failed.
	Reason error
	// Detail is a short explanation holding no signed material, e.g. the
	// name of a missing header.
	Detail string
	// Err is the underlying error, if any (a *ShopError).
	Err error
}

// Error implements error.
func (e *RequestError) Error() string {
	if e.Detail == "" {
		return e.Reason.Error()
	}
	return e.Reason.Error() + ": " + e.Detail
}

// Is matches the Kind and the Reason.
func (e *RequestError) Is(target error) bool { return target == e.Kind || target == e.Reason }

// Unwrap returns Err.
func (e *RequestError) Unwrap() error { return e.Err }

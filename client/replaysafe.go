package client

// ReplaySafe is implemented by providers some of whose grant requests
// may be sent again after an ambiguous failure: the provider answers a
// repeated request as it answered the first (Shopify keeps a used refresh
// token valid until the replacement is first used, and answers a retried
// migration with the same token pair). For a request it reports true for,
// Client.Do retries a reset connection, a timeout after sending and a
// 500, 502, 504 or 408 as it retries an idempotent request — with the same
// grant, at most the client's retry count (WithRetryMax), honouring
// Retry-After. Authorization codes and session tokens are never
// replay-safe; a provider must report false for them.
type ReplaySafe interface {
	// ReplaySafe reports whether r's grant may be sent again.
	ReplaySafe(r *TokenRequest) bool
}

// replaySafe reports whether the provider declares r replay-safe.
func (c *Client) replaySafe(r *TokenRequest) bool {
	p, ok := c.cfg.Provider.(ReplaySafe)
	return ok && r.Grant != GrantAuthorizationCode && p.ReplaySafe(r)
}

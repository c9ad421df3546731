package client

import "errors"

// ErrSessionNotFound is matched (errors.Is) by the error a session store
// returns for a session it does not hold. tokenstore.ErrNotFound and every
// error matching it match ErrSessionNotFound too, so code that sees only
// this package (a callback's save hook, the Shopify middleware) can tell
// "no session yet" from a failure without importing tokenstore.
var ErrSessionNotFound = errors.New("oauthx: session not found")

package shopify

import (
	"net/http"
	"strings"
)

// SessionTokenFromRequest returns the session token App Bridge sent with r:
// the Authorization header's Bearer credentials, else the id_token query
// parameter (document requests of embedded apps). An Authorization header
// with another scheme is an error, not a reason to look at the query. No
// token, or an empty one, is ErrNoSessionToken. The token is not verified
// here: see Client.DecodeSessionToken.
func SessionTokenFromRequest(r *http.Request) (string, error) {
	if r == nil {
		return "", tokenError(ErrNoSessionToken, "nil request")
	}
	if vals := r.Header.Values("Authorization"); len(vals) > 0 {
		if len(vals) > 1 {
			return "", tokenError(ErrNoSessionToken, "several Authorization headers")
		}
		scheme, tok, found := strings.Cut(strings.TrimSpace(vals[0]), " ")
		if !found || !strings.EqualFold(scheme, "Bearer") {
			return "", tokenError(ErrNoSessionToken, "Authorization scheme is not Bearer")
		}
		if tok = strings.TrimSpace(tok); tok == "" {
			return "", tokenError(ErrNoSessionToken, "empty Bearer token")
		}
		return tok, nil
	}
	if r.URL != nil {
		q := r.URL.Query()
		if q.Has("id_token") {
			if tok := q.Get("id_token"); tok != "" {
				return tok, nil
			}
			return "", tokenError(ErrNoSessionToken, "empty id_token parameter")
		}
	}
	return "", tokenError(ErrNoSessionToken, "no Authorization header and no id_token parameter")
}

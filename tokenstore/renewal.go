package tokenstore

import (
	"context"
	"errors"
	"time"

	"github.com/oauthx/oauthx/client"
)

// Renewal turns a session that is no longer fresh into a new one: a
// refresh (RefreshWith), a Shopify migration or token exchange, … It is
// given a copy of the session to renew and returns the new session (its
// ID is set to the renewed one's) or an error; an error matching
// client.ErrReauthorize says the grant is dead, and the protocol then
// deletes the session (only if it is still the one renewed).
type Renewal func(ctx context.Context, s *client.Session) (*client.Session, error)

// RefreshWith is the Renewal of TokenSource: c.Refresh with the
// session's refresh token. A refresh token whose RefreshExpiry has
// passed is not sent: that is client.ErrReauthorize at once.
func RefreshWith(c *client.Client) Renewal {
	return func(ctx context.Context, s *client.Session) (*client.Session, error) {
		if s.RefreshToken != "" && !s.CanRefresh(c.Now()) {
			return nil, &client.Error{Provider: s.Provider, Kind: client.ErrReauthorize,
				Description: "refresh token expired at " + s.RefreshExpiry.UTC().Format(time.RFC3339)}
		}
		return c.Refresh(ctx, s)
	}
}

// ambiguous reports whether a failed renewal may have reached the
// provider, so that a replay-safe provider is asked again with the same
// grant (WithReplaySafe).
func ambiguous(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.MaybeConsumed && !errors.Is(err, client.ErrReauthorize)
}

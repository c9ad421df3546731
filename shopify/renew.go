package shopify

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
)

// RenewBefore is how long before its Expiry Client.Fresh stops calling a
// session fresh (half its lifetime when that is shorter), so a token the
// middleware hands out is good for at least that long.
const RenewBefore = time.Minute

// Fresh reports whether s can be handed out at now as it is: it has an
// access token that is good for RenewBefore more (or never expires), and
// it is not a non-expiring offline session that must be migrated (unless
// Config.InsecureNonExpiringOfflineTokens). It is the Freshness of the
// Shopify refresh protocol: give it to tokenstore.WithFreshness, so the
// protocol renews (Client.Renew) exactly the sessions the middleware will
// not hand out.
func (c *Client) Fresh(s *client.Session, now time.Time) bool {
	at, ok := c.renewAt(s)
	return ok && (at.IsZero() || now.Before(at))
}

// renewAt is when s stops being fresh (zero: never); ok false when it is
// not fresh at all.
func (c *Client) renewAt(s *client.Session) (time.Time, bool) {
	if s == nil || s.AccessToken == "" {
		return time.Time{}, false
	}
	if s.NeverExpires() {
		return time.Time{}, c.cfg.InsecureNonExpiringOfflineTokens || !isOffline(s)
	}
	early := RenewBefore
	if !s.IssuedAt.IsZero() && s.Expiry.After(s.IssuedAt) {
		early = min(early, s.Expiry.Sub(s.IssuedAt)/2)
	}
	return s.Expiry.Add(-early), true
}

func isOffline(s *client.Session) bool { return strings.HasPrefix(s.ID, "offline_") }

// Renew turns a stored session that is not Fresh into a fresh one: it is
// the Renewal of the Shopify refresh protocol, for
// tokenstore.NewRefresher(store, app.Renew, tokenstore.WithFreshness(app.Fresh)),
// which calls it under the store's lock with the stored session and saves
// the result by compare-and-set. It
//
//   - refreshes an expiring offline session whose refresh token has not
//     expired (RefreshExpiry);
//   - migrates a non-expiring offline session to an expiring one
//     (MigrateToExpiringToken), unless Config.InsecureNonExpiringOfflineTokens;
//   - otherwise — an online session, a refresh token past its
//     RefreshExpiry, a refresh or migration Shopify refused, or the
//     placeholder the middleware stores for a shop it has no session for —
//     exchanges the session token of the request being served (the
//     middleware passes it in ctx) for a new session.
//
// When a new session is needed and ctx carries no session token (a
// background job), the error matches client.ErrReauthorize: the protocol
// then deletes the dead session, and the next request of the app
// exchanges anew. Shopify's refresh and migration are retried with the
// same grant after an ambiguous failure (see client.ReplaySafe); the
// exchange of a session token is not.
func (c *Client) Renew(ctx context.Context, s *client.Session) (*client.Session, error) {
	if s == nil {
		return nil, c.invalid("nil session")
	}
	shop, err := c.SanitizeShop(s.Subject)
	if err != nil {
		return nil, err
	}
	offline := isOffline(s)
	var cause error
	switch {
	case s.AccessToken == "":
		cause = reauthorize("session " + s.ID + " holds no access token yet")
	case offline && s.RefreshToken != "" && s.CanRefresh(c.c.Now()):
		ns, err := c.Refresh(ctx, s)
		if !errors.Is(err, client.ErrReauthorize) {
			return ns, err
		}
		cause = err
	case offline && s.RefreshToken == "" && s.NeverExpires() && !c.cfg.InsecureNonExpiringOfflineTokens:
		ns, err := c.MigrateToExpiringToken(ctx, shop, s.AccessToken)
		if !errors.Is(err, client.ErrReauthorize) {
			return ns, err
		}
		cause = err
	case offline && s.RefreshToken != "":
		cause = reauthorize("the refresh token of session " + s.ID + " expired at " + s.RefreshExpiry.UTC().Format(time.RFC3339))
	default:
		cause = reauthorize("session " + s.ID + " cannot be refreshed")
	}
	in, ok := ctx.Value(sessionTokenKey{}).(*requestToken)
	if !ok || in.claims.Shop != shop {
		return nil, cause
	}
	typ := OfflineAccessToken
	if !offline {
		typ = OnlineAccessToken
	}
	ns, err := c.exchangeVerified(ctx, in.token, in.claims, typ, false)
	if err != nil {
		return nil, err
	}
	if ns.ID != s.ID {
		return nil, &client.Error{Provider: ProviderName, Kind: client.ErrBadResponse,
			Description: "token exchange answered session " + ns.ID + ", not " + s.ID}
	}
	return ns, nil
}

func reauthorize(desc string) error {
	return &client.Error{Provider: ProviderName, Kind: client.ErrReauthorize, Description: desc}
}

// sessionTokenKey is the context key of the verified session token of the
// request the middleware is serving, for Renew.
type sessionTokenKey struct{}

type requestToken struct {
	token  string
	claims *SessionTokenClaims
}

// withSessionToken gives Renew the request's verified session token.
func withSessionToken(ctx context.Context, token string, claims *SessionTokenClaims) context.Context {
	return context.WithValue(ctx, sessionTokenKey{}, &requestToken{token: token, claims: claims})
}

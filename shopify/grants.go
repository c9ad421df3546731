package shopify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"

	"github.com/oauthx/oauthx/client"
)

// RequestedTokenType is the kind of access token a token exchange asks for.
type RequestedTokenType string

// Requested token types.
const (
	// OfflineAccessToken acts for the shop, with no user: for background
	// work. The default.
	OfflineAccessToken RequestedTokenType = TokenTypeOfflineAccessToken
	// OnlineAccessToken acts for the staff member who opened the app, with
	// the intersection of their permissions and the app's scopes. It
	// expires with their session.
	OnlineAccessToken RequestedTokenType = TokenTypeOnlineAccessToken
)

// TokenExchangeParams is one token exchange of a session token.
type TokenExchangeParams struct {
	// Shop, when set, is the shop the request names (e.g. the ?shop=
	// parameter); the session token must be for that shop. Optional: the
	// verified token names its shop.
	Shop string
	// SessionToken is the session token App Bridge sent. Required.
	SessionToken string
	// RequestedTokenType is OfflineAccessToken (default when empty) or
	// OnlineAccessToken.
	RequestedTokenType RequestedTokenType
	// Expiring asks for an expiring offline token with a refresh token
	// (expiring=1). Offline tokens are expiring anyway unless
	// Config.InsecureNonExpiringOfflineTokens is set: only with that switch
	// does a false Expiring ask for a non-expiring token (expiring=0).
	// Shopify revokes the app's earlier expiring tokens for the shop when
	// it issues a new one. Only for offline tokens.
	Expiring bool
}

// ExchangeToken exchanges a session token for an access token (Shopify's
// token exchange, RFC 8693). The session token is verified locally first
// (see DecodeSessionToken): a bad one is a *SessionTokenError and nothing
// is sent. When p.Shop is set, it must name the token's shop
// (ErrSessionTokenShopMismatch).
//
// Concurrent calls with the same session token and parameters share one
// request; each caller gets its own copy of the Session.
//
// The Session's ID is "offline_{shop}" or "{shop}_{userId}", its Subject
// the shop, its Scopes the granted ones. An expired or revoked session
// token answered invalid_subject_token matches client.ErrReauthorize.
func (c *Client) ExchangeToken(ctx context.Context, p TokenExchangeParams) (*client.Session, error) {
	claims, err := c.DecodeSessionToken(p.SessionToken)
	if err != nil {
		return nil, err
	}
	if p.Shop != "" {
		shop, err := c.SanitizeShop(p.Shop)
		if err != nil {
			return nil, err
		}
		if shop != claims.Shop {
			return nil, tokenError(ErrSessionTokenShopMismatch, "")
		}
	}
	typ := p.RequestedTokenType
	if typ == "" {
		typ = OfflineAccessToken
	}
	return c.exchangeVerified(ctx, p.SessionToken, claims, typ, p.Expiring)
}

// exchangeVerified exchanges a session token whose claims were verified.
func (c *Client) exchangeVerified(ctx context.Context, token string, claims *SessionTokenClaims, typ RequestedTokenType, asked bool) (*client.Session, error) {
	if typ != OfflineAccessToken && typ != OnlineAccessToken {
		return nil, c.invalid("unknown requested token type")
	}
	if typ == OnlineAccessToken && asked {
		return nil, c.invalid("expiring applies to offline access tokens only")
	}
	r := c.newRequest(client.GrantTokenExchange, claims.Shop)
	r.Exchange = &client.TokenExchangeRequest{
		SubjectToken:       token,
		SubjectTokenType:   TokenTypeIDToken,
		RequestedTokenType: string(typ),
	}
	expiring := typ == OfflineAccessToken && c.expiring(asked)
	r.Params = url.Values{"expiring": {expiringFlag(expiring)}}
	key := "x\x00" + digest(token) + "\x00" + string(typ) + "\x00" + expiringFlag(expiring)
	return c.shared(ctx, &c.exchanges, key, r)
}

// Refresh refreshes an expiring offline token (grant_type=refresh_token)
// and returns the new Session; s is not modified. Shopify rotates the
// refresh token: persist the result before using it, or use a
// tokenstore.TokenSource over TokenClient(), which does. Concurrent calls
// with the same refresh token share one request.
//
// An answer without expires_in gets Expiry = now + FallbackLifetime, never
// "never expires". A rejected refresh token matches client.ErrReauthorize.
func (c *Client) Refresh(ctx context.Context, s *client.Session) (*client.Session, error) {
	if s == nil {
		return nil, c.invalid("nil session")
	}
	if _, err := c.SanitizeShop(s.Subject); err != nil {
		return nil, err
	}
	if s.RefreshToken == "" {
		return nil, &client.Error{Provider: ProviderName, Kind: client.ErrReauthorize,
			Description: "session " + s.ID + " has no refresh token (not an expiring offline token)"}
	}
	key := "r\x00" + digest(s.RefreshToken)
	prev := s.Clone()
	v, err := c.refreshes.do(ctx, key, func(ctx context.Context) (*client.Session, error) {
		return c.c.Refresh(ctx, prev)
	})
	if err != nil {
		return nil, waitError(err)
	}
	return v.Clone(), nil
}

// MigrateToExpiringToken exchanges a non-expiring offline access token for
// an expiring one with a refresh token. Shopify revokes the old token: the
// migration is one-time and cannot be undone, so save the result before
// anything else.
func (c *Client) MigrateToExpiringToken(ctx context.Context, shop, offlineAccessToken string) (*client.Session, error) {
	r, err := c.shopRequest(client.GrantTokenExchange, shop, offlineAccessToken, "offline access token")
	if err != nil {
		return nil, err
	}
	r.Exchange = &client.TokenExchangeRequest{
		SubjectToken:       offlineAccessToken,
		SubjectTokenType:   TokenTypeOfflineAccessToken,
		RequestedTokenType: TokenTypeOfflineAccessToken,
	}
	r.Params = url.Values{"expiring": {"1"}}
	return c.c.Do(ctx, r)
}

// ExchangeCode exchanges the authorization code of Shopify's OAuth
// redirect for an access token: client_id, client_secret, code and
// expiring, no grant_type. The offline token is expiring whatever expiring
// says, unless Config.InsecureNonExpiringOfflineTokens is set. Verify the callback first with VerifyCallback.
// A code is single-use and sent at most once.
func (c *Client) ExchangeCode(ctx context.Context, shop, code string, expiring bool) (*client.Session, error) {
	r, err := c.shopRequest(client.GrantAuthorizationCode, shop, code, "authorization code")
	if err != nil {
		return nil, err
	}
	r.Code = code
	r.Params = url.Values{"expiring": {expiringFlag(c.expiring(expiring))}}
	return c.c.Do(ctx, r)
}

// shopRequest is newRequest for a grant that sends one credential (a code,
// a token) to shop: shop must pass SanitizeShop and the credential, called
// what in the error, must not be empty.
func (c *Client) shopRequest(grant, shop, credential, what string) (*client.TokenRequest, error) {
	s, err := c.SanitizeShop(shop)
	if err != nil {
		return nil, err
	}
	if credential == "" {
		return nil, c.invalid("empty " + what)
	}
	return c.newRequest(grant, s), nil
}

func (c *Client) newRequest(grant, shop string) *client.TokenRequest {
	return &client.TokenRequest{
		Grant:        grant,
		ClientID:     c.cfg.APIKey,
		ClientSecret: c.cfg.APISecret,
		Tenant:       shop,
		Now:          c.c.Now(),
	}
}

// shared runs r once per key at a time and gives each caller a copy.
func (c *Client) shared(ctx context.Context, g *group[*client.Session], key string, r *client.TokenRequest) (*client.Session, error) {
	v, err := g.do(ctx, key, func(ctx context.Context) (*client.Session, error) {
		return c.c.Do(ctx, r)
	})
	if err != nil {
		return nil, waitError(err)
	}
	return v.Clone(), nil
}

func (c *Client) invalid(msg string) error {
	return &client.Error{Provider: ProviderName, Kind: client.ErrInvalidRequest, Description: msg}
}

func expiringFlag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// digest keys the single-flight maps without keeping tokens as map keys.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// waitError makes a waiter's own context ending an *client.Error like the
// ones the client returns.
func waitError(err error) error {
	var ce *client.Error
	if err == nil || errors.As(err, &ce) {
		return err
	}
	return &client.Error{Provider: ProviderName, Kind: client.ErrTransient,
		Description: "gave up waiting for the shared token request", Err: err}
}

package shopify

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

// URNs of Shopify's token exchange.
const (
	// TokenTypeIDToken is the subject_token_type of a session token.
	TokenTypeIDToken = client.TokenTypeIDToken
	// TokenTypeOfflineAccessToken is the subject_token_type of an offline
	// access token being migrated to an expiring one.
	TokenTypeOfflineAccessToken = "urn:shopify:params:oauth:token-type:offline-access-token"
	// TokenTypeOnlineAccessToken is the online requested_token_type.
	TokenTypeOnlineAccessToken = "urn:shopify:params:oauth:token-type:online-access-token"
)

// FallbackLifetime is the Expiry given to a token that should expire but
// whose answer had no expires_in: an expiring offline token (a refresh, a
// migration, an exchange or code grant with expiring=1, or any answer
// carrying a refresh_token) or an online token. One hour is the lifetime
// Shopify gives expiring offline tokens in production, and is shorter than
// an online token's; guessing short only costs an early refresh or
// exchange, while guessing "never" would keep a dead token forever.
//
// The only sessions left with a zero Expiry (never expires) are
// non-expiring offline tokens: an answer with neither expires_in nor
// refresh_token to a request with expiring=0.
const FallbackLifetime = time.Hour

// spec is Shopify's token endpoint for c: the shop's URL, JSON bodies,
// comma-separated scopes, and replay-safe refreshes and migrations.
func (c *Client) spec() providers.Spec {
	return providers.Spec{
		Name:          ProviderName,
		TokenURLFunc:  func(r *client.TokenRequest) (string, error) { return c.tokenURL(r.Tenant) },
		Encoding:      providers.JSON,
		ClientAuth:    providers.AuthInBody,
		OmitGrantType: []string{client.GrantAuthorizationCode},
		ErrorShapes:   []providers.ErrorShape{providers.OAuthErrors, shopifyErrors},
		ErrorCodes: map[string]error{
			"invalid_subject_token": client.ErrReauthorize,
			"invalid_grant":         client.ErrReauthorize,
		},
		Expiry:         providers.ExpiresIn,
		ScopeSeparator: ",",
		EncodeHook:     c.encodeHook,
		Finish:         c.finish,
		ReplaySafe:     replaySafe,
	}
}

// replaySafe declares Shopify's refresh and migration replay-safe: since
// 2026-08-28 a used refresh token stays valid until the new access token
// is first used, and a retried migration returns the same token pair for
// 7 days. So after an ambiguous failure they are sent again with the same
// grant (bounded by the client's retry count). Session-token exchanges
// and authorization codes are not.
func replaySafe(r *client.TokenRequest) bool {
	switch {
	case r.Grant == client.GrantRefreshToken:
		return true
	case r.Grant == client.GrantTokenExchange && r.Exchange != nil:
		return r.Exchange.SubjectTokenType == TokenTypeOfflineAccessToken
	}
	return false
}

// shopifyErrors is the {"errors": "…"} body Shopify sends for some
// failures (e.g. an unknown API key).
func shopifyErrors(_ int, body map[string]any) (providers.ErrorFields, bool) {
	switch v := body["errors"].(type) {
	case string:
		return providers.ErrorFields{Code: "errors", Description: v}, v != ""
	case map[string]any, []any:
		// Not cut here: the client scrubs the description of every secret
		// and token first, then clips it (a cut secret would survive).
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v) // decoded JSON: it encodes
		return providers.ErrorFields{Code: "errors", Description: strings.TrimSuffix(b.String(), "\n")}, true
	}
	return providers.ErrorFields{}, false
}

// finish gives the session Shopify's ID and subject, checks the online
// shape and applies the expiry rule (see FallbackLifetime).
func (c *Client) finish(r *client.TokenRequest, s *client.Session, raw map[string]any) error {
	shop, err := c.shops.sanitize(r.Tenant)
	if err != nil {
		return err
	}
	s.Subject = shop
	wantOnline := r.Exchange != nil && r.Exchange.RequestedTokenType == TokenTypeOnlineAccessToken
	_, hasUser := raw["associated_user"]
	switch {
	case r.Grant == client.GrantClientCredentials:
		s.ID = ClientCredentialsSessionID(shop)
	case hasUser:
		u, ok := UserOf(s)
		if !ok {
			return &client.Error{Kind: client.ErrBadResponse, Description: "associated_user without a numeric id"}
		}
		s.ID = OnlineSessionID(shop, u.ID)
	case wantOnline:
		return &client.Error{Kind: client.ErrBadResponse, Description: "online access token answer without associated_user"}
	default:
		s.ID = OfflineSessionID(shop)
	}
	if s.Expiry.IsZero() {
		expiring := r.Grant == client.GrantRefreshToken || r.Params.Get("expiring") == "1" ||
			s.RefreshToken != "" || hasUser || wantOnline
		if expiring {
			s.Expiry = r.Now.Add(FallbackLifetime)
		}
	}
	return nil
}

// OfflineSessionID is Shopify's id of a shop's offline session:
// "offline_{shop}".
func OfflineSessionID(shop string) string { return "offline_" + shop }

// OnlineSessionID is Shopify's id of a user's online session:
// "{shop}_{userId}".
func OnlineSessionID(shop string, userID int64) string {
	return shop + "_" + strconv.FormatInt(userID, 10)
}

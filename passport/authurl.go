package passport

import (
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// Scopes Passport offers.
const (
	// ScopeOpenID asks for an id_token; AuthCodeURL always adds it.
	ScopeOpenID = "openid"
	// ScopeEmail asks for the user's email address.
	ScopeEmail = "email"
	// ScopeProfile asks for the user's name and picture.
	ScopeProfile = "profile"
	// ScopeConnectedAccounts asks for the accounts linked to the identity.
	ScopeConnectedAccounts = "connected_accounts"
	// ScopeERC4337 asks for the user's smart contract wallets.
	ScopeERC4337 = "erc_4337"
)

// AuthParams are the per-login parts of a Passport authorize URL.
type AuthParams struct {
	// State is the unguessable value the callback checks. Required.
	State string
	// Verifier, when set, adds a PKCE S256 challenge; pass the same
	// verifier to the exchange (client.WithCodeVerifier, or an AuthState
	// for the callback handler).
	Verifier string
	// Scopes requested; "openid" is always added (Passport issues the
	// id_token for it). Empty: the client's Config.Scopes.
	Scopes []string
	// Nonce, when set, comes back in the id_token (IDToken.CheckNonce).
	Nonce string
}

// AuthCodeURL returns the Passport authorize URL:
// {base}/authorize?client_id&redirect_uri&response_type=code&scope&state
// (&code_challenge&code_challenge_method=S256&nonce).
func (c *Client) AuthCodeURL(p AuthParams) (string, error) {
	if p.State == "" {
		return "", errors.New("passport: AuthCodeURL needs a non-empty state")
	}
	var opts []client.AuthURLOption
	if len(p.Scopes) > 0 {
		scopes := append([]string(nil), p.Scopes...)
		if !slices.Contains(scopes, ScopeOpenID) {
			scopes = append([]string{ScopeOpenID}, scopes...)
		}
		opts = append(opts, client.WithAuthScopes(scopes...))
	}
	if p.Verifier != "" {
		opts = append(opts, client.WithPKCE(p.Verifier))
	}
	if p.Nonce != "" {
		opts = append(opts, client.WithAuthParam("nonce", p.Nonce))
	}
	u, err := c.c.AuthCodeURL(p.State, opts...)
	if err != nil {
		return "", err
	}
	if len(p.Scopes) == 0 {
		return withOpenID(u)
	}
	return u, nil
}

// withOpenID adds "openid" to the scope of an authorize URL built from the
// client's Config.Scopes.
func withOpenID(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("passport: bad authorize URL")
	}
	q := u.Query()
	scopes := strings.Fields(q.Get("scope"))
	if slices.Contains(scopes, ScopeOpenID) {
		return raw, nil
	}
	q.Set("scope", strings.Join(append([]string{ScopeOpenID}, scopes...), " "))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

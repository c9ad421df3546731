package client

import "context"

// ClientCredentials requests a token for the client itself, with no user
// (RFC 6749 §4.4): grant_type=client_credentials, the client's
// authentication, and the scopes of WithScopes (Config.Scopes when the call
// gives none). The grant is not single-use, so nothing can be burnt, but
// it is sent under the same retry policy as every other grant.
//
// The Session's Grant is GrantClientCredentials and its ID is
// "{provider}:client:{client id}" unless WithSessionID says otherwise.
// Such a session needs no refresh token: Refresh (and so
// tokenstore.TokenSource) renews it by requesting a new one with the same
// scopes.
func (c *Client) ClientCredentials(ctx context.Context, opts ...ExchangeOption) (*Session, error) {
	r := c.newRequest(GrantClientCredentials)
	r.Scopes = append([]string(nil), c.cfg.Scopes...)
	r.SessionID = c.cfg.Provider.Name() + ":client:" + c.cfg.ClientID
	applyExchangeOptions(r, opts)
	return c.clientCredentials(ctx, r)
}

// renewClientCredentials is Refresh for a session that came from
// ClientCredentials and holds no refresh token: a new grant for the same
// scopes, kept under the same ID and Subject.
func (c *Client) renewClientCredentials(ctx context.Context, s *Session, opts ...ExchangeOption) (*Session, error) {
	r := c.newRequest(GrantClientCredentials)
	r.Scopes = append([]string(nil), s.Scopes...)
	r.SessionID = s.ID
	r.Tenant = s.Subject
	r.DPoPKey = s.DPoPKey // the session stays bound to its key
	applyExchangeOptions(r, opts)
	ns, err := c.clientCredentials(ctx, r)
	if err == nil && ns.Subject == "" {
		ns.Subject = s.Subject
	}
	return ns, err
}

func (c *Client) clientCredentials(ctx context.Context, r *TokenRequest) (*Session, error) {
	s, err := c.Do(ctx, r)
	if err != nil {
		return nil, err
	}
	s.Grant = GrantClientCredentials
	return s, nil
}

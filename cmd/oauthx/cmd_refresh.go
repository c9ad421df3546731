package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

// clientsFor rebuilds the clients of a stored session from the metadata
// the CLI saved with it (--base-url and --client-id override it).
func (c *cli) clientsFor(s *client.Session, secret string) (*clients, error) {
	m, ok := metaOf(s)
	if c.baseURL != "" {
		m.BaseURL = c.baseURL
	}
	if c.clientID != "" {
		m.ClientID = c.clientID
	}
	if m.ClientID == "" {
		m.ClientID = c.getenv(envClientID)
	}
	if !ok && m.ClientID == "" {
		return nil, usagef("session %q was not saved by oauthx (no %s metadata): give --client-id and --base-url", s.ID, metaKey)
	}
	return newClients(target{meta: m, secret: secret})
}

// cmdRefresh refreshes a stored session now, under the store's lock, and
// saves the result before printing anything. A dead grant deletes the
// session, as tokenstore.TokenSource does.
func cmdRefresh(c *cli, args []string) error {
	fs := c.flagSet("refresh", "<name> [flags]")
	name, st, closeStore, err := c.namedStore(fs, "refresh", args)
	if err != nil {
		return err
	}
	defer closeStore()
	unlock, err := st.Lock(c.ctx, name)
	if err != nil {
		return fmt.Errorf("locking session %q: %w", name, err)
	}
	defer func() { _ = unlock() }()
	s, err := st.Load(c.ctx, name)
	if err != nil {
		return err
	}
	if s.RefreshToken == "" {
		if s.NeverExpires() {
			return fmt.Errorf("session %q never expires and has no refresh token: %w", name, errNothingToRefresh)
		}
		// Kept: it may still be good (a Shopify online token) until it expires.
		return fmt.Errorf("session %q has no refresh token (%s): a new one needs a new login: %w", name, expiryText(s, time.Now()), client.ErrReauthorize)
	}
	secret, err := c.needSecret("refresh")
	if err != nil {
		return err
	}
	cl, err := c.clientsFor(s, secret)
	if err != nil {
		return err
	}
	ns, err := cl.tokens.Refresh(c.ctx, s)
	if errors.Is(err, client.ErrReauthorize) {
		if derr := st.Delete(c.ctx, name); derr != nil {
			return errors.Join(err, fmt.Errorf("deleting the dead session: %w", derr))
		}
		return fmt.Errorf("%w (session %q deleted)", err, name)
	}
	if err != nil {
		return err
	}
	ns.ID = name
	if err := st.Save(c.ctx, ns); err != nil {
		return &tokenstore.SaveError{ID: name, Session: ns, Err: err}
	}
	return c.saved("refreshed; saved", ns, cl.plain.Now())
}

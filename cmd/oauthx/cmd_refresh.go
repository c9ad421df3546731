package main

import (
	"context"
	"fmt"
	"sync/atomic"
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
	m, err := c.genericMeta(m)
	if err != nil {
		return nil, err
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

// refresher returns the refresh protocol (tokenstore.Refresher) for a
// stored session s, refreshing with the clients rebuilt from its
// metadata, and whether the session it returns was refreshed by this
// call (rather than by another process meanwhile).
func (c *cli) refresher(st tokenstore.Store, s *client.Session, secret string, fresh tokenstore.Freshness) (*tokenstore.Refresher, *clients, *atomic.Bool, error) {
	cl, err := c.clientsFor(s, secret)
	if err != nil {
		return nil, nil, nil, err
	}
	var renewed atomic.Bool
	r, err := tokenstore.NewRefresher(st, tokenstore.RefreshWith(cl.tokens), tokenstore.WithFreshness(fresh),
		tokenstore.WithRenewed(func(context.Context, *client.Session) { renewed.Store(true) }))
	if err != nil {
		return nil, nil, nil, err
	}
	return r, cl, &renewed, nil
}

// cmdRefresh refreshes a stored session now through the refresh protocol
// the library uses (tokenstore.Refresher: lock, re-read, fenced
// refresh, compare-and-set save) and saves the result before printing
// anything. If another process refreshed the session or a login replaced
// it meanwhile, that session is kept and shown instead. A dead grant
// deletes the session, only if it is still the one refreshed.
func cmdRefresh(c *cli, args []string) error {
	fs := c.flagSet("refresh", "<name> [flags]", clientCmd)
	name, st, s, closeStore, err := c.namedSession(fs, "refresh", args)
	if err != nil {
		return err
	}
	defer closeStore()
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
	// Fresh means "not the session we were asked to refresh": refresh
	// now, unless someone else already replaced it.
	notLoaded := func(cur *client.Session, _ time.Time) bool { return !tokenstore.SameSession(cur, s) }
	r, cl, renewed, err := c.refresher(st, s, secret, notLoaded)
	if err != nil {
		return err
	}
	ns, err := r.Renew(c.ctx, name)
	if err != nil {
		return err // a *tokenstore.SaveError carries the unsaved session
	}
	verb := "refreshed; saved"
	if !renewed.Load() {
		verb = "replaced by another process meanwhile; stored"
	}
	return c.saved(verb, ns, cl.tokens.Now())
}

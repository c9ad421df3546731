package main

import (
	"fmt"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

// cmdToken prints a valid access token of a stored session followed by a
// newline, and nothing else on stdout, refreshing the session first
// through the library's refresh protocol (tokenstore.Refresher, with
// TokenSource's default margin) if it is near expiry. A refresh whose
// save failed is an error (*tokenstore.SaveError): this process is about
// to exit, so the unsaved session would be lost silently otherwise.
//
//	curl -H "Authorization: Bearer $(oauthx token finch)" …
func cmdToken(c *cli, args []string) error {
	fs := c.flagSet("token", "<name> [flags]", clientCmd)
	name, st, s, closeStore, err := c.namedSession(fs, "token", args)
	if err != nil {
		return err
	}
	defer closeStore()
	secret, err := c.readSecret()
	if err != nil {
		return err
	}
	switch {
	case secret == "" && s.ValidAt(time.Now(), tokenstore.DefaultEarlyExpiry):
		// Good for a while yet: no refresh, so no secret needed.
	case secret == "" && !s.CanRefresh(time.Now()):
		return fmt.Errorf("session %q has expired and cannot be refreshed: %w", name, client.ErrReauthorize)
	case secret == "":
		return usagef("session %q needs a refresh, which needs the client secret: set %s or pass --client-secret-stdin", name, envClientSecret)
	default:
		r, _, _, err := c.refresher(st, s, secret, tokenstore.FreshFor(tokenstore.DefaultEarlyExpiry))
		if err != nil {
			return err
		}
		if s, err = r.Renew(c.ctx, name); err != nil {
			return err
		}
	}
	if c.json {
		return c.printJSON(map[string]any{"access_token": s.AccessToken, "token_type": s.TokenType, "expiry": timePtr(s.Expiry)})
	}
	_, err = fmt.Fprintln(c.stdout, s.AccessToken)
	return err
}

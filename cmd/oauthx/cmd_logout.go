package main

import (
	"errors"
	"fmt"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
)

// cmdLogout forgets a stored session. A Finch session is disconnected at
// Finch first (its token never expires: forgetting it is not enough); if
// that fails for a reason other than an already dead token, the session is
// kept so the command can be run again.
func cmdLogout(c *cli, args []string) error {
	fs := c.flagSet("logout", "<name> [--local] [flags]")
	local := fs.Bool("local", false, "only forget the session; do not disconnect it at the provider")
	name, st, closeStore, err := c.namedStore(fs, "logout", args)
	if err != nil {
		return err
	}
	defer closeStore()
	s, err := st.Load(c.ctx, name)
	if err != nil {
		return err
	}
	disconnected := false
	if s.Provider == provFinch && !*local {
		secret, err := c.readSecret() // Disconnect authenticates with the token; the secret is optional
		if err != nil {
			return err
		}
		cl, err := c.clientsFor(s, secret)
		if err != nil {
			return err
		}
		err = finch.Disconnect(c.ctx, cl.plain, s)
		switch {
		case err == nil:
			disconnected = true
		case errors.Is(err, client.ErrReauthorize):
			// Already disconnected or revoked: nothing left to end.
		default:
			return fmt.Errorf("disconnecting %q at Finch (session kept; --local forgets it anyway): %w", name, err)
		}
	}
	if err := st.Delete(c.ctx, name); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"name": name, "deleted": true, "disconnected": disconnected})
	}
	msg := fmt.Sprintf("logged out %q", name)
	if disconnected {
		msg += " (disconnected at Finch)"
	}
	_, err = fmt.Fprintln(c.stdout, msg)
	return err
}

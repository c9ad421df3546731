package main

import (
	"errors"
	"fmt"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

// cmdLogout forgets a stored session. A Finch session is disconnected at
// Finch first (its token never expires: forgetting it is not enough); a
// session whose provider has a revocation endpoint (generic with
// --revocation-url or --issuer) has its refresh token and then its access
// token revoked there (RFC 7009). If that fails for a reason other than an
// already dead token, the session is kept so the command can be run again.
// Logging out of a session that is not stored exits 0 with a note.
func cmdLogout(c *cli, args []string) error {
	fs := c.flagSet("logout", "<name> [--local] [flags]", clientCmd)
	local := fs.Bool("local", false, "only forget the session; do not disconnect or revoke it at the provider")
	name, st, s, closeStore, err := c.namedSession(fs, "logout", args)
	if errors.Is(err, tokenstore.ErrNotFound) {
		// Forgetting a session that is already gone is not an error.
		if c.json {
			return c.printJSON(map[string]any{"name": name, "deleted": false, "disconnected": false, "revoked": false})
		}
		fmt.Fprintf(c.stderr, "no session named %q: nothing to log out\n", name)
		return nil
	}
	if err != nil {
		return err
	}
	defer closeStore()
	disconnected, revoked := false, false
	if !*local {
		switch m, _ := metaOf(s); {
		case s.Provider == provFinch:
			if disconnected, err = c.disconnectFinch(name, s); err != nil {
				return err
			}
		case m.Provider == provGeneric && m.RevocationURL != "":
			if err := c.revoke(name, s); err != nil {
				return err
			}
			revoked = true
		}
	}
	if err := st.Delete(c.ctx, name); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"name": name, "deleted": true, "disconnected": disconnected, "revoked": revoked})
	}
	msg := fmt.Sprintf("logged out %q", name)
	switch {
	case disconnected:
		msg += " (disconnected at Finch)"
	case revoked:
		msg += " (tokens revoked at the provider)"
	}
	_, err = fmt.Fprintln(c.stdout, msg)
	return err
}

// disconnectFinch ends a Finch connection; false when it was already dead.
func (c *cli) disconnectFinch(name string, s *client.Session) (bool, error) {
	secret, err := c.readSecret() // Disconnect authenticates with the token; the secret is optional
	if err != nil {
		return false, err
	}
	cl, err := c.clientsFor(s, secret)
	if err != nil {
		return false, err
	}
	err = cl.finch.Disconnect(c.ctx, s)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, client.ErrReauthorize):
		return false, nil // already disconnected or revoked: nothing left to end
	default:
		return false, fmt.Errorf("disconnecting %q at Finch (session kept; --local forgets it anyway): %w", name, err)
	}
}

// revoke revokes s's refresh token, then its access token (RFC 7009).
// Revoking the refresh token first means a crash in between leaves nothing
// that can mint new tokens. A provider that does not revoke access tokens
// (unsupported_token_type) is not a failure: the refresh token is gone.
func (c *cli) revoke(name string, s *client.Session) error {
	secret, err := c.readSecret() // a public client revokes without one
	if err != nil {
		return err
	}
	cl, err := c.clientsFor(s, secret)
	if err != nil {
		return err
	}
	if s.RefreshToken != "" {
		if err := cl.tokens.Revoke(c.ctx, s.RefreshToken, client.HintRefreshToken); err != nil {
			return fmt.Errorf("revoking the refresh token of %q (session kept; --local forgets it anyway): %w", name, err)
		}
	}
	err = cl.tokens.Revoke(c.ctx, s.AccessToken, client.HintAccessToken)
	var e *client.Error
	if err != nil && !(errors.As(err, &e) && e.Code == "unsupported_token_type" && s.RefreshToken != "") {
		return fmt.Errorf("revoking the access token of %q (session kept; --local forgets it anyway): %w", name, err)
	}
	return nil
}

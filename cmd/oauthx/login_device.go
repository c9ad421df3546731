package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oauthx/oauthx/client"
)

// loginDevice is `login generic --device`: the device authorization grant
// (RFC 8628). It prints the verification URL and the user code on stderr,
// polls the token endpoint at the provider's interval until the user
// answers (or --timeout, or the device code's expiry), and saves the
// session. No browser is needed on this machine.
func (c *cli) loginDevice(m sessionMeta, secret string, scopes []string, name string, timeout time.Duration) error {
	if m.Provider != provGeneric {
		return usagef("--device is for the generic provider")
	}
	cl, err := newClients(target{meta: m, secret: secret, scopes: scopes})
	if err != nil {
		return err
	}
	if !cl.tokens.HasEndpoint(client.EndpointDeviceAuthorization) {
		return usagef("--device needs the provider's device authorization endpoint: --issuer (discovery) or --device-auth-url")
	}
	st, closeStore, err := c.openStore()
	if err != nil {
		return err
	}
	defer closeStore()
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	da, err := cl.tokens.StartDeviceAuth(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "To log in to %s, open\n\n  %s\n\nand enter the code\n\n  %s\n\n", m.Provider, da.VerificationURI, da.UserCode)
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(c.stderr, "or open this URL, which carries the code:\n\n  %s\n\n", da.VerificationURIComplete)
	}
	fmt.Fprintf(c.stderr, "Waiting (the code expires at %s) …\n", da.Expiry.Local().Format(time.Kitchen))
	s, err := cl.tokens.PollDeviceToken(ctx, da)
	if err != nil {
		if c.ctx.Err() != nil {
			return errors.New("login interrupted")
		}
		return err
	}
	return c.save(st, s, name, cl, "logged in; saved")
}

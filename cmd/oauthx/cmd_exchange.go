package main

import (
	"context"
	"fmt"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

// cmdExchange exchanges an authorization code obtained elsewhere and saves
// the session. Passport id_tokens are verified before saving.
func cmdExchange(c *cli, args []string) error {
	fs := c.flagSet("exchange", "<generic|finch|passport|shopify> --code CODE [flags]", clientCmd)
	name := fs.String("name", "", "session name (default: the provider; Shopify: its session id)")
	code := fs.String("code", "", `the authorization code (single-use); "-" reads it from standard input`)
	redirect := fs.String("redirect-url", "", "the redirect_uri the authorize request used, if any")
	verifier := fs.String("code-verifier", "", "the PKCE code verifier, if the authorize request had a challenge")
	shop := fs.String("shop", "", "shopify: the shop domain")
	expiring := fs.Bool("expiring", false, "shopify: ask for an expiring offline token with a refresh token (the default: offline tokens are always expiring)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: oauthx exchange <generic|finch|passport|shopify> --code CODE")
	}
	if *code == "" {
		return usagef("exchange needs --code")
	}
	if *code, err = c.argOrStdin("--code", *code); err != nil {
		return err
	}
	if *name != "" {
		if err := tokenstore.CheckID(*name); err != nil {
			return usagef("--name: %v", err)
		}
	}
	secret, err := c.needSecret("exchange")
	if err != nil {
		return err
	}
	meta, err := c.genericMeta(sessionMeta{Provider: pos[0], BaseURL: c.baseURL, ClientID: c.clientIDOr("")})
	if err != nil {
		return err
	}
	cl, st, closeStore, err := c.clientsAndStore(target{meta: meta, secret: secret, redirectURL: *redirect})
	if err != nil {
		return err
	}
	defer closeStore()

	var s *client.Session
	switch pos[0] {
	case provShopify:
		if *shop == "" {
			return usagef("exchange shopify needs --shop")
		}
		s, err = cl.shop.ExchangeCode(c.ctx, *shop, *code, *expiring)
	default:
		var opts []client.ExchangeOption
		if *verifier != "" {
			opts = append(opts, client.WithCodeVerifier(*verifier))
		}
		s, err = cl.tokens.ExchangeCode(c.ctx, *code, opts...)
	}
	if err != nil {
		return err
	}
	if err := verifyIDToken(c.ctx, cl, s); err != nil {
		return err
	}
	return c.save(st, s, defaultName(*name, s), cl, "exchanged; saved")
}

// defaultName is the session name to save s under: name, else Shopify's
// session id, else the provider.
func defaultName(name string, s *client.Session) string {
	switch {
	case name != "":
		return name
	case s.Provider == provShopify:
		return s.ID
	}
	return s.Provider
}

// verifyIDToken checks a Passport session's id_token (signature, issuer,
// audience, expiry, subject) before it is saved.
func verifyIDToken(ctx context.Context, cl *clients, s *client.Session) error {
	if s.Provider != provPassport {
		return nil
	}
	v, err := cl.passport.NewVerifier(ctx)
	if err != nil {
		return fmt.Errorf("passport discovery: %w", err)
	}
	if _, err := v.VerifySession(ctx, s); err != nil {
		return err
	}
	return nil
}

// store stamps s with the CLI metadata, saves it under name and reports it.
func (c *cli) save(st tokenstore.Store, s *client.Session, name string, cl *clients, verb string) error {
	stamp(s, name, cl.meta)
	if err := st.Save(c.ctx, s); err != nil {
		return fmt.Errorf("saving session %q: %w", name, err)
	}
	return c.saved(verb, s, cl.tokens.Now())
}

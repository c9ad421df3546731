package main

import (
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

// cmdShopifyExchange exchanges a Shopify session token (from App Bridge)
// for an offline or online access token and saves it. The session token is
// verified locally with the app secret before anything is sent.
func cmdShopifyExchange(c *cli, args []string) error {
	fs := c.flagSet("shopify-exchange", "--shop SHOP --session-token JWT [--online] [--expiring] [flags]", shopifyCmd)
	name := fs.String("name", "", `session name (default: Shopify's id, "offline_SHOP" or "SHOP_USERID")`)
	shop := fs.String("shop", "", "the shop domain (e.g. example.myshopify.com)")
	token := fs.String("session-token", "", `the App Bridge session token (a JWT that lives one minute); "-" reads it from standard input`)
	online := fs.Bool("online", false, "ask for an online token (the staff member's), not the shop's offline one")
	expiring := fs.Bool("expiring", false, "offline: ask for an expiring token with a refresh token (the default: offline tokens are always expiring)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("shopify-exchange takes no arguments, only flags")
	}
	if *shop == "" || *token == "" {
		return usagef("shopify-exchange needs --shop and --session-token")
	}
	if *token, err = c.argOrStdin("--session-token", *token); err != nil {
		return err
	}
	if *online && *expiring {
		return usagef("--expiring is for offline tokens only")
	}
	if *name != "" {
		if err := tokenstore.CheckID(*name); err != nil {
			return usagef("--name: %v", err)
		}
	}
	secret, err := c.needSecret("shopify-exchange")
	if err != nil {
		return err
	}
	cl, st, closeStore, err := c.clientsAndStore(target{
		meta:   sessionMeta{Provider: provShopify, BaseURL: c.baseURL, ClientID: c.clientIDOr("")},
		secret: secret,
	})
	if err != nil {
		return err
	}
	defer closeStore()
	p := shopify.TokenExchangeParams{Shop: *shop, SessionToken: *token, RequestedTokenType: shopify.OfflineAccessToken, Expiring: *expiring}
	if *online {
		p.RequestedTokenType = shopify.OnlineAccessToken
	}
	s, err := cl.shop.ExchangeToken(c.ctx, p)
	if err != nil {
		return err
	}
	return c.save(st, s, defaultName(*name, s), cl, "exchanged; saved")
}

package main

import (
	"flag"

	"github.com/oauthx/oauthx/providers"
)

// genericFlags are the global flags that place a generic provider's
// endpoints when they are not under --base-url. They are saved with the
// session (sessionMeta), so refresh, token and logout find them again.
type genericFlags struct {
	tokenURL      string
	revocationURL string
}

// addGenericFlags puts the generic endpoint flags on fs.
func (g *genericFlags) addGenericFlags(fs *flag.FlagSet, str func(*string) func(string) error) {
	fs.Func("token-url", "generic: token endpoint `URL`, when it is not BASE/oauth2/token; saved with the session", str(&g.tokenURL))
	fs.Func("revocation-url", "generic: RFC 7009 revocation endpoint `URL` that logout calls; saved with the session", str(&g.revocationURL))
}

// withGeneric adds the generic endpoint flags given on the command line to
// m.
func (c *cli) withGeneric(m sessionMeta) sessionMeta {
	if m.Provider != provGeneric {
		return m
	}
	if c.gen.tokenURL != "" {
		m.TokenURL = c.gen.tokenURL
	}
	if c.gen.revocationURL != "" {
		m.RevocationURL = c.gen.revocationURL
	}
	return m
}

// genericOptions are the providers.Generic options of a session's
// metadata, plus an authorize URL override.
func genericOptions(m sessionMeta, authURL string) []providers.GenericOption {
	var opts []providers.GenericOption
	if authURL != "" {
		opts = append(opts, providers.WithAuthURL(authURL))
	}
	if m.TokenURL != "" {
		opts = append(opts, providers.WithTokenURL(m.TokenURL))
	}
	if m.RevocationURL != "" {
		opts = append(opts, providers.WithRevocationURL(m.RevocationURL))
	}
	return opts
}

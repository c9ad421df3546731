package main

import (
	"flag"
	"fmt"

	"github.com/oauthx/oauthx/providers"
)

// genericFlags are the global flags that place a generic provider's
// endpoints when they are not under --base-url. What they give (and what
// --issuer discovers) is saved with the session (sessionMeta), so refresh,
// token and logout find it again without asking the issuer.
type genericFlags struct {
	issuer        string
	tokenURL      string
	revocationURL string
	deviceAuthURL string
	dpop          bool
}

// addGenericFlags puts the generic endpoint flags on fs.
// They are Func flags, like every global flag, so a command's flag set does
// not reset what was given before the command.
func (g *genericFlags) addGenericFlags(fs *flag.FlagSet, str func(*string) func(string) error, boolean func(*bool) func(string) error) {
	fs.Func("issuer", "generic: issuer `URL` whose metadata (RFC 8414, else OpenID Connect discovery) gives every endpoint; saved with the session", str(&g.issuer))
	fs.Func("token-url", "generic: token endpoint `URL`, when it is not BASE/oauth2/token; saved with the session", str(&g.tokenURL))
	fs.Func("revocation-url", "generic: RFC 7009 revocation endpoint `URL` that logout calls; saved with the session", str(&g.revocationURL))
	fs.Func("device-auth-url", "generic: RFC 8628 device authorization endpoint `URL`, for login --device", str(&g.deviceAuthURL))
	fs.BoolFunc("dpop", "generic: bind the tokens to a DPoP key (RFC 9449) kept with the session; every token request carries a proof; saved with the session", boolean(&g.dpop))
}

// genericMeta completes m, for the generic provider, with the endpoints
// --issuer discovers and then those the other flags give (which win).
func (c *cli) genericMeta(m sessionMeta) (sessionMeta, error) {
	if m.Provider != provGeneric {
		return m, nil
	}
	g := c.gen
	if g.issuer != "" {
		p, err := providers.Discover(c.ctx, g.issuer)
		if err != nil {
			return m, fmt.Errorf("discovering %s: %w", g.issuer, err)
		}
		pp := p.(*providers.Provider)
		m.Issuer, m.TokenURL, m.AuthURL = g.issuer, pp.TokenURL(), pp.AuthURL()
		m.RevocationURL, m.DeviceAuthURL = pp.RevocationURL(), pp.DeviceAuthURL()
		m.ClientAuth = pp.ClientAuthMethod()
	}
	for _, f := range []struct {
		flag string
		to   *string
	}{
		{g.tokenURL, &m.TokenURL}, {g.revocationURL, &m.RevocationURL}, {g.deviceAuthURL, &m.DeviceAuthURL},
	} {
		if f.flag != "" {
			*f.to = f.flag
		}
	}
	if g.dpop {
		m.DPoP = true
	}
	return m, nil
}

// optionalFields are the metadata members saved only when set, by their
// JSON names.
func (m *sessionMeta) optionalFields() map[string]*string {
	return map[string]*string{"base_url": &m.BaseURL, "issuer": &m.Issuer, "token_url": &m.TokenURL, "auth_url": &m.AuthURL,
		"revocation_url": &m.RevocationURL, "device_auth_url": &m.DeviceAuthURL, "client_auth": &m.ClientAuth}
}

// genericOptions are the providers.Generic options of a session's
// metadata, plus an authorize URL override.
func genericOptions(m sessionMeta, authURL string) []providers.GenericOption {
	var opts []providers.GenericOption
	if authURL == "" {
		authURL = m.AuthURL
	}
	for _, o := range []struct {
		v   string
		opt func(string) providers.GenericOption
	}{
		{authURL, providers.WithAuthURL}, {m.TokenURL, providers.WithTokenURL},
		{m.RevocationURL, providers.WithRevocationURL}, {m.DeviceAuthURL, providers.WithDeviceAuthURL},
	} {
		if o.v != "" {
			opts = append(opts, o.opt(o.v))
		}
	}
	if m.ClientAuth == providers.MethodClientSecretBasic {
		opts = append(opts, providers.WithBasicAuth())
	}
	if m.DPoP {
		opts = append(opts, providers.WithDPoP())
	}
	return opts
}

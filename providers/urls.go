package providers

import (
	"errors"
	"github.com/oauthx/oauthx/client"
)

// WithTokenURL sets the token endpoint, for a provider whose endpoint is
// not {base}/oauth2/token. It must be https:// (or http:// on a loopback
// host); an empty or bad URL makes client.New fail.
func WithTokenURL(u string) GenericOption {
	return func(s *Spec) { s.TokenURL = u; s.requireURL("WithTokenURL", u) }
}

// WithRevocationURL sets the RFC 7009 revocation endpoint that
// client.Client.Revoke posts to. An empty or bad URL makes client.New fail.
func WithRevocationURL(u string) GenericOption {
	return func(s *Spec) { s.RevocationURL = u; s.requireURL("WithRevocationURL", u) }
}

// WithIntrospectionURL sets the RFC 7662 introspection endpoint that
// client.Client.Introspect posts to. An empty or bad URL makes client.New
// fail.
func WithIntrospectionURL(u string) GenericOption {
	return func(s *Spec) { s.IntrospectionURL = u; s.requireURL("WithIntrospectionURL", u) }
}

// WithDeviceAuthURL sets the RFC 8628 device authorization endpoint that
// client.Client.StartDeviceAuth posts to. An empty or bad URL makes
// client.New fail.
func WithDeviceAuthURL(u string) GenericOption {
	return func(s *Spec) { s.DeviceAuthURL = u; s.requireURL("WithDeviceAuthURL", u) }
}

// requireURL records an error for an option given an empty URL; the URL's
// form is checked with the others by checkEndpoints.
func (s *Spec) requireURL(option, u string) {
	if u == "" {
		s.addErr(&client.OptionError{Option: "providers." + option, Reason: "empty URL"})
	}
}

// addErr records what an option given an invalid value found, for
// Validate (and so client.New) to report.
func (s *Spec) addErr(err error) { s.Err = errors.Join(s.Err, err) }

// checkEndpoints applies client.CheckEndpoint to every endpoint the Spec
// names besides the token endpoint: credentials and tokens are posted to
// all of them.
func (s *Spec) checkEndpoints() error {
	for _, e := range [...]struct{ name, u string }{
		{"RevocationURL", s.RevocationURL},
		{"IntrospectionURL", s.IntrospectionURL},
		{"DeviceAuthURL", s.DeviceAuthURL},
	} {
		if e.u == "" {
			continue
		}
		if err := CheckURL("providers.Spec."+e.name, e.u); err != nil {
			return err
		}
	}
	return nil
}

// RevocationURL is the RFC 7009 endpoint ("" for none).
func (p *Provider) RevocationURL() string { return p.spec.RevocationURL }

// IntrospectionURL is the RFC 7662 endpoint ("" for none).
func (p *Provider) IntrospectionURL() string { return p.spec.IntrospectionURL }

// DeviceAuthURL is the RFC 8628 device authorization endpoint ("" for
// none).
func (p *Provider) DeviceAuthURL() string { return p.spec.DeviceAuthURL }

// TokenURL is the token endpoint ("" when a TokenURLFunc computes it per
// request).
func (p *Provider) TokenURL() string { return p.spec.TokenURL }

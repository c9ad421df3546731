package providers

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// clientAuthHeader sets the header of the Spec's client authentication.
func (p *Provider) clientAuthHeader(req *http.Request, r *client.TokenRequest) {
	if p.spec.ClientAuth == AuthBasic {
		req.SetBasicAuth(url.QueryEscape(r.ClientID), url.QueryEscape(r.ClientSecret))
	}
}

// ClientAuthMethod is the RFC 8414 name of the client authentication the
// provider uses: MethodClientSecretBasic, MethodClientSecretPost,
// MethodPrivateKeyJWT or MethodClientSecretJWT.
func (p *Provider) ClientAuthMethod() string {
	switch p.spec.ClientAuth {
	case AuthBasic:
		return MethodClientSecretBasic
	case AuthPrivateKeyJWT:
		return MethodPrivateKeyJWT
	case AuthClientSecretJWT:
		return MethodClientSecretJWT
	}
	return MethodClientSecretPost
}

// EndpointURL implements client.EndpointProvider.
func (p *Provider) EndpointURL(e client.Endpoint) string {
	switch e {
	case client.EndpointRevocation:
		return p.spec.RevocationURL
	case client.EndpointIntrospection:
		return p.spec.IntrospectionURL
	case client.EndpointDeviceAuthorization:
		return p.spec.DeviceAuthURL
	}
	return ""
}

// NewEndpointRequest implements client.EndpointProvider: a form POST (the
// encoding RFC 7009, RFC 7662 and RFC 8628 prescribe, whatever the Spec's
// token body encoding) of params and the Spec's client authentication, with
// the Spec's headers.
func (p *Provider) NewEndpointRequest(ctx context.Context, e client.Endpoint, r *client.TokenRequest, params url.Values) (*http.Request, error) {
	endpoint := p.EndpointURL(e)
	if endpoint == "" {
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Description: "provider has no " + string(e) + " endpoint"}
	}
	v := make(url.Values, len(params)+2)
	for k, vals := range params {
		v[k] = append([]string(nil), vals...)
	}
	p.clientAuthParams(r, func(k, val string) { v.Set(k, val) })
	if p.spec.ClientAuth == AuthPrivateKeyJWT || p.spec.ClientAuth == AuthClientSecretJWT {
		_, assertion, err := p.tokenEndpoint(r) // the assertion's audience is the token endpoint
		if err != nil {
			return nil, err
		}
		for k, vals := range assertion {
			v[k] = vals
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(v.Encode()))
	if err != nil {
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Description: "bad " + string(e) + " endpoint URL"}
	}
	p.setHeaders(req, r, formType)
	return req, nil
}

// ParseEndpointResponse implements client.EndpointProvider. Error answers
// are read with the Spec's error shapes and codes, as token errors are.
func (p *Provider) ParseEndpointResponse(e client.Endpoint, _ *client.TokenRequest, resp *client.Response) (map[string]any, error) {
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if ok && (e == client.EndpointRevocation || len(strings.TrimSpace(string(resp.Body))) == 0) {
		return nil, nil
	}
	return p.answer(resp, ok)
}

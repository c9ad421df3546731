package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// Params builds the standard body parameters of r for its grant (RFC 6749
// §4.1.3 and §6, RFC 7636 §4.5, RFC 8693 §2.1), credentials included when
// they go in the body. Extra r.Params come last and may override.
func (p *Provider) Params(r *client.TokenRequest) url.Values {
	v := make(url.Values, 8)
	// One backing array for the single values: each key gets a full
	// slice of it (len = cap = 1), so a repeated key's append copies
	// instead of overwriting its neighbour.
	one := make([]string, 0, 8)
	p.eachParam(r, func(k, val string) {
		if old, ok := v[k]; ok {
			v[k] = append(old, val)
			return
		}
		one = append(one, val)
		n := len(one)
		v[k] = one[n-1 : n : n]
	})
	for k, vals := range r.Params {
		v[k] = append([]string(nil), vals...)
	}
	return v
}

// eachParam calls add for every standard parameter of r, in a fixed order.
// A key is repeated only for audience and resource.
func (p *Provider) eachParam(r *client.TokenRequest, add func(k, v string)) {
	if !p.omit[r.Grant] {
		add("grant_type", r.Grant)
	}
	p.clientAuthParams(r, add)
	switch r.Grant {
	case client.GrantAuthorizationCode:
		add("code", r.Code)
		if r.RedirectURL != "" {
			add("redirect_uri", r.RedirectURL)
		}
		if r.CodeVerifier != "" {
			add("code_verifier", r.CodeVerifier)
		}
	case client.GrantRefreshToken:
		add("refresh_token", r.RefreshToken)
	case client.GrantDeviceCode:
		add("device_code", r.DeviceCode)
	case client.GrantTokenExchange:
		if x := r.Exchange; x != nil {
			add("subject_token", x.SubjectToken)
			add("subject_token_type", x.SubjectTokenType)
			if x.RequestedTokenType != "" {
				add("requested_token_type", x.RequestedTokenType)
			}
			if x.ActorToken != "" {
				add("actor_token", x.ActorToken)
				add("actor_token_type", x.ActorTokenType)
			}
			for _, a := range x.Audience {
				add("audience", a)
			}
			for _, res := range x.Resource {
				add("resource", res)
			}
		}
	}
	if len(r.Scopes) > 0 {
		add("scope", strings.Join(r.Scopes, p.sep))
	}
}

// body encodes the request body: the standard parameters, r.Params and
// extra (the client assertion), changed last by the EncodeHook, as a form
// or a JSON object.
func (p *Provider) body(r *client.TokenRequest, extra url.Values) ([]byte, string, error) {
	params := p.Params(r)
	for k, v := range extra {
		params[k] = v
	}
	if p.spec.EncodeHook != nil {
		if err := p.spec.EncodeHook(r, params); err != nil {
			return nil, "", err
		}
	}
	if p.spec.Encoding != JSON {
		return []byte(params.Encode()), formType, nil
	}
	obj := make(map[string]any, len(params))
	for k, vals := range params {
		if len(vals) == 1 {
			obj[k] = vals[0]
		} else {
			obj[k] = vals
		}
	}
	b, err := json.Marshal(obj)
	return b, jsonType, err
}

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// NewTokenRequest implements client.Provider.
func (p *Provider) NewTokenRequest(ctx context.Context, r *client.TokenRequest) (*http.Request, error) {
	if p.err != nil {
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Err: p.err}
	}
	if p.grants != nil && !p.grants[r.Grant] {
		desc := p.spec.Name + ": grant " + r.Grant + " is not supported"
		if p.spec.GrantHint != "" {
			desc += "; " + p.spec.GrantHint
		}
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Description: desc}
	}
	endpoint, extra, err := p.tokenEndpoint(r)
	if err != nil {
		return nil, err
	}
	body, contentType, err := p.body(r, extra)
	if err != nil {
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		// The URL is not echoed: a per-tenant URL came from caller input.
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Description: "bad token endpoint URL"}
	}
	p.setHeaders(req, r, contentType)
	return req, nil
}

// setHeaders sets the headers of a request to one of the provider's
// endpoints: the body's Content-Type, Accept JSON, the Spec's headers and
// the client authentication header (if the Spec's method has one).
func (p *Provider) setHeaders(req *http.Request, r *client.TokenRequest, contentType string) {
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", jsonType)
	for k, vals := range p.spec.Header {
		req.Header[k] = append([]string(nil), vals...)
	}
	p.clientAuthHeader(req, r)
}

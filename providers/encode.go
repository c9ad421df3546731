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
	if !p.omit[r.Grant] {
		v.Set("grant_type", r.Grant)
	}
	if p.spec.ClientAuth == AuthInBody {
		v.Set("client_id", r.ClientID)
		if r.ClientSecret != "" {
			v.Set("client_secret", r.ClientSecret)
		}
	}
	switch r.Grant {
	case client.GrantAuthorizationCode:
		v.Set("code", r.Code)
		if r.RedirectURL != "" {
			v.Set("redirect_uri", r.RedirectURL)
		}
		if r.CodeVerifier != "" {
			v.Set("code_verifier", r.CodeVerifier)
		}
	case client.GrantRefreshToken:
		v.Set("refresh_token", r.RefreshToken)
	case client.GrantTokenExchange:
		if x := r.Exchange; x != nil {
			v.Set("subject_token", x.SubjectToken)
			v.Set("subject_token_type", x.SubjectTokenType)
			if x.RequestedTokenType != "" {
				v.Set("requested_token_type", x.RequestedTokenType)
			}
			if x.ActorToken != "" {
				v.Set("actor_token", x.ActorToken)
				v.Set("actor_token_type", x.ActorTokenType)
			}
			for _, a := range x.Audience {
				v.Add("audience", a)
			}
			for _, res := range x.Resource {
				v.Add("resource", res)
			}
		}
	}
	if len(r.Scopes) > 0 {
		v.Set("scope", strings.Join(r.Scopes, p.sep))
	}
	for k, vals := range r.Params {
		v[k] = append([]string(nil), vals...)
	}
	return v
}

// NewTokenRequest implements client.Provider.
func (p *Provider) NewTokenRequest(ctx context.Context, r *client.TokenRequest) (*http.Request, error) {
	endpoint := p.spec.TokenURL
	if p.spec.TokenURLFunc != nil {
		var err error
		if endpoint, err = p.spec.TokenURLFunc(r); err != nil {
			return nil, &client.Error{Kind: client.ErrInvalidRequest, Err: err}
		}
	}
	params := p.Params(r)
	if p.spec.EncodeHook != nil {
		if err := p.spec.EncodeHook(r, params); err != nil {
			return nil, &client.Error{Kind: client.ErrInvalidRequest, Err: err}
		}
	}
	var body []byte
	var contentType string
	switch p.spec.Encoding {
	case JSON:
		obj := make(map[string]any, len(params))
		for k, vals := range params {
			if len(vals) == 1 {
				obj[k] = vals[0]
			} else {
				obj[k] = vals
			}
		}
		var err error
		if body, err = json.Marshal(obj); err != nil {
			return nil, &client.Error{Kind: client.ErrInvalidRequest, Err: err}
		}
		contentType = "application/json"
	default:
		body = []byte(params.Encode())
		contentType = "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		// The URL is not echoed: a per-tenant URL came from caller input.
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Description: "bad token endpoint URL"}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	for k, vals := range p.spec.Header {
		req.Header[k] = append([]string(nil), vals...)
	}
	if p.spec.ClientAuth == AuthBasic {
		req.SetBasicAuth(url.QueryEscape(r.ClientID), url.QueryEscape(r.ClientSecret))
	}
	return req, nil
}

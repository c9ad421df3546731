package providers

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/oauthx/oauthx/client"
)

// maxLifetime caps an absurd expires_in so Expiry cannot overflow.
const maxLifetime = 100 * 365 * 24 * time.Hour

// ParseTokenResponse implements client.Provider.
func (p *Provider) ParseTokenResponse(r *client.TokenRequest, resp *client.Response) (*client.Session, error) {
	if p.err != nil {
		return nil, &client.Error{Kind: client.ErrInvalidRequest, Err: p.err}
	}
	raw, err := p.answer(resp, p.isSuccess(resp.StatusCode))
	if err != nil {
		return nil, err
	}
	s, err := p.sessionFrom(r, raw)
	if err != nil {
		return nil, err
	}
	if p.spec.Finish != nil {
		if err := p.spec.Finish(r, s, raw); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// answer decodes an answer whose status says success (ok) or not: an
// error status is read with the Spec's error shapes and codes; a success
// must be one JSON object without an "error" member.
func (p *Provider) answer(resp *client.Response, ok bool) (map[string]any, error) {
	raw, err := client.DecodeJSONObject(resp)
	if !ok {
		return nil, p.errorFrom(resp, raw, err)
	}
	if err != nil {
		return nil, err
	}
	if code := StringField(raw, "error"); code != "" {
		return nil, &client.Error{Kind: client.ErrBadResponse, Code: code,
			Description: "success status carrying an error: " + StringField(raw, "error_description")}
	}
	return raw, nil
}

func (p *Provider) isSuccess(status int) bool {
	if p.success != nil {
		return p.success[status]
	}
	return status >= 200 && status < 300
}

// errorFrom reads an error answer with the Spec's shapes and codes. An
// unreadable body is ErrBadResponse here; client.Client gives a 429 or 5xx
// its status's kind.
func (p *Provider) errorFrom(resp *client.Response, raw map[string]any, decodeErr error) error {
	e := &client.Error{StatusCode: resp.StatusCode}
	if decodeErr != nil {
		ce := decodeErr.(*client.Error)
		e.ContentType = ce.ContentType
		e.Description = "HTTP error status with " + ce.Description
		e.Kind = client.ErrBadResponse
		return e
	}
	f := client.ReadErrorFields(resp.StatusCode, raw, p.errorShapes)
	e.Code, e.Description, e.URI = f.Code, f.Description, f.URI
	e.Kind = client.ErrorCodes(p.spec.ErrorCodes).Kind(resp.StatusCode, f)
	if e.Code == "" && e.Description == "" {
		e.Description = "error status without a recognized error body"
	}
	return e
}

func (p *Provider) sessionFrom(r *client.TokenRequest, raw map[string]any) (*client.Session, error) {
	f := p.fields
	bad := func(desc string) error { return &client.Error{Kind: client.ErrBadResponse, Description: desc} }
	at, ok := raw[f.AccessToken].(string)
	if !ok || at == "" {
		return nil, bad("response has no access_token")
	}
	tt, _ := raw[f.TokenType].(string)
	tt = client.NormalizeTokenType(tt)
	switch {
	case tt == "Bearer":
	case tt == client.TokenTypeDPoP && r.DPoPKey != nil:
	case tt == client.TokenTypeDPoP:
		return nil, bad("token_type DPoP answered to a request without a DPoP proof (see providers.WithDPoP)")
	default:
		return nil, bad("unsupported token_type " + strconv.Quote(tt) + ": only Bearer and DPoP tokens are supported") // clipped after scrubbing, by the client
	}
	s := &client.Session{
		Provider:    p.spec.Name,
		AccessToken: at,
		TokenType:   tt,
		IssuedAt:    r.Now,
		ID:          r.SessionID,
		Subject:     r.Tenant,
	}
	s.RefreshToken, _ = raw[f.RefreshToken].(string)
	s.IDToken, _ = raw[f.IDToken].(string)
	s.Scopes = p.scopes(raw[f.Scope])

	s.Expiry = p.expiry(r, s, raw[f.ExpiresIn])
	if d, ok := seconds(raw[f.RefreshExpiresIn]); ok && s.RefreshToken != "" {
		s.RefreshExpiry = r.Now.Add(d)
	}

	consumed := map[string]bool{f.AccessToken: true, f.TokenType: true, f.RefreshToken: true,
		f.IDToken: true, f.Scope: true, f.ExpiresIn: true, f.RefreshExpiresIn: true}
	for k, v := range raw {
		if consumed[k] {
			continue
		}
		if s.Extra == nil {
			s.Extra = make(map[string]any, len(raw))
		}
		s.Extra[k] = v
	}
	return s, nil
}

// expiry decides a new session's Expiry under the Spec's policy (see
// ExpiryPolicy).
func (p *Provider) expiry(r *client.TokenRequest, s *client.Session, expiresIn any) time.Time {
	lifetime, hasLifetime := seconds(expiresIn)
	switch {
	case p.spec.Expiry == Never:
		return time.Time{}
	case hasLifetime:
		return r.Now.Add(lifetime)
	case p.spec.Expiry == ExpiresInOrNever:
		return time.Time{}
	}
	if p.spec.Expiry == JWTExpiry {
		if exp, ok := JWTExpiryOf(s.AccessToken); ok {
			return exp
		}
	}
	switch {
	case p.spec.DefaultLifetime > 0:
		return r.Now.Add(p.spec.DefaultLifetime)
	case s.RefreshToken != "" || r.Grant == client.GrantClientCredentials:
		return r.Now.Add(FallbackLifetime)
	}
	return time.Time{}
}

// scopes splits a scope string on the separator (or takes a JSON array).
func (p *Provider) scopes(v any) []string {
	var out []string
	switch t := v.(type) {
	case string:
		for _, sc := range strings.Split(t, p.sep) {
			if sc = strings.TrimSpace(sc); sc != "" {
				out = append(out, sc)
			}
		}
	case []any:
		for _, e := range t {
			if sc, ok := e.(string); ok && sc != "" {
				out = append(out, sc)
			}
		}
	}
	return out
}

// seconds reads a lifetime in seconds given as a JSON number (integer or
// fractional) or a numeric string. A missing, empty, zero or non-numeric
// value reports false; a negative one is 0 (already expired: the token
// source refreshes at once instead of losing the new tokens); a huge one is
// capped at 100 years.
func seconds(v any) (time.Duration, bool) {
	var f float64
	var err error
	switch t := v.(type) {
	case json.Number:
		f, err = t.Float64()
	case float64:
		f = t
	case string:
		f, err = strconv.ParseFloat(strings.TrimSpace(t), 64)
	default:
		return 0, false
	}
	if err != nil || math.IsNaN(f) || f == 0 {
		return 0, false
	}
	if f < 0 {
		return 0, true
	}
	if f >= maxLifetime.Seconds() {
		return maxLifetime, true
	}
	return time.Duration(f * float64(time.Second)), true
}

// JWTExpiryOf reads the "exp" claim of a JWT without verifying it: only to
// learn when a token says it expires. It reports false for anything that is
// not a JWT with a numeric exp.
func JWTExpiryOf(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return time.Time{}, false
	}
	exp, err := claims.Exp.Float64()
	if err != nil || exp <= 0 || exp > float64(math.MaxInt32)*4 {
		return time.Time{}, false
	}
	return time.Unix(int64(exp), 0), true
}

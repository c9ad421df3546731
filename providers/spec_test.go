package providers_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
)

func jwtWithExp(exp int64) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"ES256"}`)) + "." + enc([]byte(`{"exp":`+strconv.FormatInt(exp, 10)+`}`)) + ".sig"
}

func TestNewValidatesSpec(t *testing.T) {
	t.Parallel()
	for name, spec := range map[string]providers.Spec{
		"no name":           {TokenURL: "https://a.example.com/token"},
		"no url":            {Name: "x"},
		"http remote":       {Name: "x", TokenURL: "http://a.example.com/token"},
		"negative lifetime": {Name: "x", TokenURL: "https://a.example.com/token", DefaultLifetime: -1},
	} {
		_, err := providers.New(spec)
		assert.Error(t, err, name)
	}
	p, err := providers.New(providers.Spec{Name: "x", TokenURL: "https://a.example.com/token"})
	require.NoError(t, err)
	assert.Equal(t, "x", p.Name())
}

func parse(t *testing.T, spec providers.Spec, status int, body string) (*client.Session, error) {
	t.Helper()
	p, err := providers.New(spec)
	require.NoError(t, err)
	req := &client.TokenRequest{Grant: client.GrantAuthorizationCode, Now: time.Unix(1_700_000_000, 0)}
	return p.ParseTokenResponse(req, &client.Response{StatusCode: status,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)})
}

func TestSpecDecoding(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	base := providers.Spec{Name: "x", TokenURL: "https://a.example.com/token"}

	t.Run("renamed fields and comma scopes", func(t *testing.T) {
		spec := base
		spec.Fields = providers.Fields{AccessToken: "token", ExpiresIn: "ttl"}
		spec.ScopeSeparator = ","
		s, err := parse(t, spec, 200, `{"token":"a","ttl":"60","scope":"read_orders,write_products"}`)
		require.NoError(t, err)
		assert.Equal(t, "a", s.AccessToken)
		assert.Equal(t, now.Add(time.Minute), s.Expiry)
		assert.Equal(t, []string{"read_orders", "write_products"}, s.Scopes)
	})
	t.Run("JWT expiry", func(t *testing.T) {
		spec := base
		spec.Expiry = providers.JWTExpiry
		spec.DefaultLifetime = time.Hour
		s, err := parse(t, spec, 201, `{"access_token":"`+jwtWithExp(now.Unix()+1800)+`"}`)
		require.NoError(t, err)
		assert.Equal(t, now.Add(30*time.Minute), s.Expiry)
		s, err = parse(t, spec, 200, `{"access_token":"opaque"}`)
		require.NoError(t, err)
		assert.Equal(t, now.Add(time.Hour), s.Expiry, "falls back to the default lifetime")
	})
	t.Run("never expires", func(t *testing.T) {
		spec := base
		spec.Expiry = providers.Never
		s, err := parse(t, spec, 200, `{"access_token":"a","expires_in":60}`)
		require.NoError(t, err)
		assert.True(t, s.NeverExpires())
	})
	t.Run("refresh expiry", func(t *testing.T) {
		s, err := parse(t, base, 200, `{"access_token":"a","refresh_token":"r","refresh_token_expires_in":7776000}`)
		require.NoError(t, err)
		assert.Equal(t, now.Add(90*24*time.Hour), s.RefreshExpiry)
	})
	t.Run("success statuses", func(t *testing.T) {
		spec := base
		spec.SuccessStatuses = []int{200, 201}
		_, err := parse(t, spec, 202, `{"access_token":"a"}`)
		assert.Error(t, err)
		_, err = parse(t, spec, 201, `{"access_token":"a"}`)
		assert.NoError(t, err)
	})
	t.Run("provider error codes", func(t *testing.T) {
		spec := base
		spec.ErrorShapes = []providers.ErrorShape{func(_ int, b map[string]any) (providers.ErrorFields, bool) {
			return providers.ErrorFields{Code: providers.StringField(b, "name"), Description: providers.StringField(b, "message")}, true
		}}
		spec.ErrorCodes = map[string]error{"reauthenticate_user": client.ErrReauthorize}
		_, err := parse(t, spec, 401, `{"code":401,"name":"reauthenticate_user","message":"log in again"}`)
		require.ErrorIs(t, err, client.ErrReauthorize)
		var e *client.Error
		require.True(t, errors.As(err, &e))
		assert.Equal(t, "log in again", e.Description)
	})
	t.Run("finish hook", func(t *testing.T) {
		spec := base
		spec.Finish = func(r *client.TokenRequest, s *client.Session, raw map[string]any) error {
			s.Subject = providers.StringField(raw, "account_id")
			s.ID = "x:" + s.Subject
			return nil
		}
		s, err := parse(t, spec, 200, `{"access_token":"a","account_id":42}`)
		require.NoError(t, err)
		assert.Equal(t, "x:42", s.ID)
	})
}

func TestJWTExpiryOf(t *testing.T) {
	t.Parallel()
	exp, ok := providers.JWTExpiryOf(jwtWithExp(1_800_000_000))
	assert.True(t, ok)
	assert.Equal(t, int64(1_800_000_000), exp.Unix())
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":"x"}`)) + ".c",
		jwtWithExp(0), "a." + base64.RawURLEncoding.EncodeToString([]byte(`[]`)) + ".c"} {
		_, ok := providers.JWTExpiryOf(bad)
		assert.False(t, ok, bad)
	}
}

func TestRequestEncoding(t *testing.T) {
	t.Parallel()
	p, err := providers.New(providers.Spec{Name: "x", TokenURL: "https://a.example.com/token", Encoding: providers.JSON,
		OmitGrantType: []string{client.GrantAuthorizationCode}, Header: http.Header{"Api-Version": {"7"}}})
	require.NoError(t, err)
	req, err := p.NewTokenRequest(context.Background(), &client.TokenRequest{Grant: client.GrantAuthorizationCode,
		ClientID: "id", ClientSecret: "sec", Code: "c", Params: map[string][]string{"expiring": {"1"}}})
	require.NoError(t, err)
	body, _ := io.ReadAll(req.Body)
	assert.JSONEq(t, `{"client_id":"id","client_secret":"sec","code":"c","expiring":"1"}`, string(body))
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", req.Header.Get("Accept"))
	assert.Equal(t, "7", req.Header.Get("Api-Version"))

	bad, err := providers.New(providers.Spec{Name: "x", TokenURLFunc: func(*client.TokenRequest) (string, error) {
		return "", errors.New("shop not allowed")
	}})
	require.NoError(t, err)
	_, err = bad.NewTokenRequest(context.Background(), &client.TokenRequest{Grant: client.GrantRefreshToken})
	require.ErrorIs(t, err, client.ErrInvalidRequest)
}

// The lean form encoder and Params agree on every grant.
func TestFormBodyMatchesParams(t *testing.T) {
	t.Parallel()
	p, err := providers.New(providers.Spec{Name: "x", TokenURL: "https://a.example.com/token"})
	require.NoError(t, err)
	reqs := []*client.TokenRequest{
		{Grant: client.GrantAuthorizationCode, ClientID: "id&x", ClientSecret: "s=1 2", Code: "c+/", RedirectURL: "https://a/cb?x=1", CodeVerifier: "v"},
		{Grant: client.GrantRefreshToken, ClientID: "id", RefreshToken: "r%", Scopes: []string{"a", "b"}},
		{Grant: client.GrantTokenExchange, ClientID: "id", ClientSecret: "s", Exchange: &client.TokenExchangeRequest{
			SubjectToken: "st", SubjectTokenType: client.TokenTypeJWT, ActorToken: "at", ActorTokenType: client.TokenTypeJWT,
			Audience: []string{"a1", "a2"}, Resource: []string{"r1"}}},
	}
	for _, r := range reqs {
		req, err := p.NewTokenRequest(context.Background(), r)
		require.NoError(t, err)
		body, _ := io.ReadAll(req.Body)
		got, err := url.ParseQuery(string(body))
		require.NoError(t, err)
		assert.Equal(t, p.Params(r), got, r.Grant)
	}
}

// Repeated keys (audience, resource) keep every value, and no key's
// values alias another's: Params shares one backing array among keys.
func TestParamsRepeatedKeys(t *testing.T) {
	t.Parallel()
	p, err := providers.New(providers.Spec{Name: "x", TokenURL: "https://a.example.com/token"})
	require.NoError(t, err)
	v := p.Params(&client.TokenRequest{Grant: client.GrantTokenExchange, ClientID: "id", ClientSecret: "s",
		Exchange: &client.TokenExchangeRequest{SubjectToken: "st", SubjectTokenType: client.TokenTypeJWT,
			Audience: []string{"a1", "a2", "a3"}, Resource: []string{"r1", "r2"}}})
	assert.Equal(t, url.Values{
		"grant_type": {client.GrantTokenExchange}, "client_id": {"id"}, "client_secret": {"s"},
		"subject_token": {"st"}, "subject_token_type": {client.TokenTypeJWT},
		"audience": {"a1", "a2", "a3"}, "resource": {"r1", "r2"},
	}, v)
	v["client_id"] = append(v["client_id"], "extra")
	assert.Equal(t, []string{"s"}, v["client_secret"], "appending to one key changed another")
}

package providertest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
)

func TestPassportFakeIsStrict(t *testing.T) {
	t.Parallel()
	fake := providertest.NewPassport()
	t.Cleanup(fake.Close)
	form := func(mod func(url.Values)) string {
		v := url.Values{"client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret},
			"grant_type": {"authorization_code"}, "code": {fake.IssueCode("")}}
		if mod != nil {
			mod(v)
		}
		return v.Encode()
	}
	const formType = "application/x-www-form-urlencoded"
	tests := []struct {
		name       string
		ctype      string
		body       func() string
		wantStatus int
		wantCode   string
	}{
		{"JSON body", "application/json", func() string {
			b, _ := json.Marshal(map[string]string{"client_id": fake.ClientID, "client_secret": fake.ClientSecret,
				"grant_type": "authorization_code", "code": fake.IssueCode("")})
			return string(b)
		}, 400, "BAD_REQUEST"},
		{"exchange_code instead of code", formType, func() string {
			return form(func(v url.Values) { v.Set("exchange_code", v.Get("code")); v.Del("code") })
		}, 400, "BAD_REQUEST"},
		{"redirect_uri is not read", formType, func() string {
			return form(func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1/cb") })
		}, 400, "BAD_REQUEST"},
		{"no grant_type", formType, func() string { return form(func(v url.Values) { v.Del("grant_type") }) }, 400, "BAD_REQUEST"},
		{"missing code", formType, func() string { return form(func(v url.Values) { v.Del("code") }) }, 400, "BAD_REQUEST"},
		{"bad client credentials", formType, func() string { return form(func(v url.Values) { v.Set("client_secret", "x") }) }, 400, "BAD_REQUEST"},
		{"unknown code", formType, func() string { return form(func(v url.Values) { v.Set("code", "x") }) }, 401, "UNAUTHORIZED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := postFinch(t, fake.URL+"/token", tt.ctype, tt.body(), nil)
			assert.Equal(t, tt.wantStatus, status)
			assert.Equal(t, tt.wantCode, out["code"])
			assert.Equal(t, "RollupError", out["name"])
			assert.NotEmpty(t, out["message"])
		})
	}

	status, out := postFinch(t, fake.URL+"/token", formType, form(nil), nil)
	require.Equal(t, http.StatusCreated, status, "201 by default, as documented")
	assert.NotContains(t, out, "expires_in")
	for _, k := range []string{"access_token", "id_token"} {
		assert.Equal(t, 2, strings.Count(out[k].(string), "."), k+" is a JWT")
	}
	assert.NotEmpty(t, out["refresh_token"])
	rt := out["refresh_token"].(string)

	fake.SetSuccessStatus(http.StatusOK)
	refresh := url.Values{"client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret},
		"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()
	for range 2 { // not rotated: the same refresh token works again
		status, out = postFinch(t, fake.URL+"/token", formType, refresh, nil)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, []string{"access_token", "token_type"}, keys(out), "a refresh answers only an access token")
	}
	st := fake.Stats()
	assert.Equal(t, 1, st.CodeExchanges)
	assert.Equal(t, 2, st.Refreshes)
	assert.Equal(t, len(tests), st.Rejected)
}

func TestPassportFakeDiscovery(t *testing.T) {
	t.Parallel()
	fake := providertest.NewPassport()
	t.Cleanup(fake.Close)
	var doc map[string]any
	getJSON(t, fake.URL+"/.well-known/openid-configuration", &doc)
	assert.Equal(t, fake.URL, doc["issuer"])
	assert.Equal(t, fake.URL+"/.well-known/jwks.json", doc["jwks_uri"])
	assert.Equal(t, []any{"ES256"}, doc["id_token_signing_alg_values_supported"])
	assert.Equal(t, []any{"client_secret_post"}, doc["token_endpoint_auth_methods_supported"])

	var jwks struct {
		Keys []map[string]string `json:"keys"`
	}
	getJSON(t, fake.URL+"/.well-known/jwks.json", &jwks)
	require.Len(t, jwks.Keys, 1)
	assert.Equal(t, "EC", jwks.Keys[0]["kty"])
	assert.Equal(t, "P-256", jwks.Keys[0]["crv"])
	assert.Equal(t, "ES256", jwks.Keys[0]["alg"])
	assert.NotEmpty(t, jwks.Keys[0]["kid"])
	assert.NotContains(t, jwks.Keys[0], "d", "only the public key")
	assert.Equal(t, 1, fake.Stats().Discovery)
	assert.Equal(t, 1, fake.Stats().JWKS)
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

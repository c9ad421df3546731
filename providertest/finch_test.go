package providertest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
)

// post sends a raw request to a fake and decodes the JSON answer.
func postFinch(t *testing.T, u, ctype, body string, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	require.NoError(t, err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out), string(b))
	return resp.StatusCode, out
}

func TestFinchFakeIsStrict(t *testing.T) {
	t.Parallel()
	fake := providertest.NewFinch()
	t.Cleanup(fake.Close)
	version := map[string]string{"Finch-API-Version": providertest.FinchAPIVersion}
	jsonBody := func(m map[string]any) string { b, _ := json.Marshal(m); return string(b) }
	good := func() map[string]any {
		return map[string]any{"client_id": fake.ClientID, "client_secret": fake.ClientSecret, "code": fake.IssueCode("")}
	}
	tests := []struct {
		name       string
		ctype      string
		body       func() string
		header     map[string]string
		wantStatus int
		wantName   string
	}{
		{"form body", "application/x-www-form-urlencoded", func() string {
			return url.Values{"client_id": {fake.ClientID}, "client_secret": {fake.ClientSecret}, "code": {fake.IssueCode("")}}.Encode()
		}, version, 415, "invalid_request_error"},
		{"no API version", "application/json", func() string { return jsonBody(good()) }, nil, 400, "invalid_request_error"},
		{"wrong API version", "application/json", func() string { return jsonBody(good()) },
			map[string]string{"Finch-API-Version": "2019-01-01"}, 400, "invalid_request_error"},
		{"grant_type is unknown", "application/json", func() string {
			m := good()
			m["grant_type"] = "authorization_code"
			return jsonBody(m)
		}, version, 400, "invalid_request_error"},
		{"missing code", "application/json", func() string {
			m := good()
			delete(m, "code")
			return jsonBody(m)
		}, version, 400, "invalid_request_error"},
		{"missing secret", "application/json", func() string {
			m := good()
			delete(m, "client_secret")
			return jsonBody(m)
		}, version, 400, "invalid_request_error"},
		{"number instead of string", "application/json", func() string {
			m := good()
			m["code"] = 12
			return jsonBody(m)
		}, version, 400, "invalid_request_error"},
		{"two objects", "application/json", func() string { return jsonBody(good()) + "{}" }, version, 400, "invalid_request_error"},
		{"wrong secret", "application/json", func() string {
			m := good()
			m["client_secret"] = "nope"
			return jsonBody(m)
		}, version, 401, "invalid_client_error"},
		{"unknown code", "application/json", func() string {
			m := good()
			m["code"] = "nope"
			return jsonBody(m)
		}, version, 400, "invalid_grant_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := postFinch(t, fake.URL+"/auth/token", tt.ctype, tt.body(), tt.header)
			assert.Equal(t, tt.wantStatus, status)
			assert.Equal(t, tt.wantName, out["name"])
			assert.Equal(t, float64(tt.wantStatus), out["code"])
			assert.NotEmpty(t, out["message"])
		})
	}

	status, out := postFinch(t, fake.URL+"/auth/token", "application/json", jsonBody(good()), version)
	require.Equal(t, 200, status)
	assert.NotContains(t, out, "expires_in")
	assert.NotContains(t, out, "refresh_token")
	assert.Equal(t, "bearer", out["token_type"])
	for _, k := range []string{"access_token", "connection_id", "company_id", "account_id", "client_type",
		"connection_type", "products", "provider_id", "entity_ids", "customer_id"} {
		assert.Contains(t, out, k)
	}
	st := fake.Stats()
	assert.Equal(t, 1, st.CodeExchanges)
	assert.Equal(t, len(tests), st.Rejected)
	assert.Equal(t, len(tests)+1, st.TokenRequests)
}

func TestFinchFakeConnect(t *testing.T) {
	t.Parallel()
	fake := providertest.NewFinch()
	t.Cleanup(fake.Close)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(q url.Values) *http.Response {
		resp, err := hc.Get(fake.ConnectURL + "?" + q.Encode())
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp
	}
	ok := url.Values{"client_id": {fake.ClientID}, "products": {"company directory"},
		"redirect_uri": {"http://127.0.0.1/cb"}, "state": {"s1"}}
	resp := get(ok)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "s1", loc.Query().Get("state"))
	assert.NotEmpty(t, loc.Query().Get("code"))

	for name, mod := range map[string]func(url.Values){
		"comma products": func(q url.Values) { q.Set("products", "company,directory") },
		"wrong client":   func(q url.Values) { q.Set("client_id", "x") },
		"no redirect":    func(q url.Values) { q.Del("redirect_uri") },
		"bad sandbox":    func(q url.Values) { q.Set("sandbox", "true") },
	} {
		q := url.Values{}
		for k, v := range ok {
			q[k] = v
		}
		mod(q)
		assert.Equal(t, http.StatusBadRequest, get(q).StatusCode, name)
	}
}

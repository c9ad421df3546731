package providertest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
)

const shop = "fake-shop.myshopify.com"

// post sends body to the fake's token endpoint for shop with JSON headers
// unless hdr overrides them, and returns the status and decoded answer.
func post(t *testing.T, f *providertest.Shopify, path, body string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	if h := hdr["Host"]; h != "" {
		req.Host = h
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func exchangeBody(f *providertest.Shopify, subject, requested, expiring string) string {
	b, _ := json.Marshal(map[string]string{
		"client_id": f.APIKey, "client_secret": f.APISecret,
		"grant_type":           "urn:ietf:params:oauth:grant-type:token-exchange",
		"subject_token":        subject,
		"subject_token_type":   "urn:ietf:params:oauth:token-type:id_token",
		"requested_token_type": requested,
		"expiring":             expiring,
	})
	return string(b)
}

const offlineURN = "urn:shopify:params:oauth:token-type:offline-access-token"

func TestShopifyFakeIsStrict(t *testing.T) {
	t.Parallel()
	f := providertest.NewShopify()
	defer f.Close()
	path := "/" + shop + "/admin/oauth/access_token"
	good := exchangeBody(f, f.SessionToken(shop, 1), offlineURN, "0")
	cases := []struct {
		name   string
		path   string
		body   string
		hdr    map[string]string
		status int
		code   string
	}{
		{"form body", path, "client_id=x", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "invalid_request"},
		{"no Accept", path, good, map[string]string{"Accept": ""}, 406, "invalid_request"},
		{"not JSON", path, "{", nil, 400, "invalid_request"},
		{"expiring as number", path, strings.Replace(good, `"expiring":"0"`, `"expiring":0`, 1), nil, 400, "invalid_request"},
		{"expiring not 0/1", path, strings.Replace(good, `"expiring":"0"`, `"expiring":"true"`, 1), nil, 400, "invalid_request"},
		{"unexpected field", path, strings.Replace(good, `{`, `{"scope":"x",`, 1), nil, 400, "invalid_request"},
		{"missing field", path, strings.Replace(good, `,"subject_token_type":"urn:ietf:params:oauth:token-type:id_token"`, ``, 1), nil, 400, "invalid_request"},
		{"wrong requested type", path, exchangeBody(f, f.SessionToken(shop, 1), "urn:x", "0"), nil, 400, "invalid_request"},
		{"wrong secret", path, strings.Replace(good, f.APISecret, "nope", 1), nil, 401, "invalid_client"},
		{"unknown grant", path, `{"client_id":"a","client_secret":"b","grant_type":"password"}`, nil, 400, "unsupported_grant_type"},
		{"bad session token", path, exchangeBody(f, f.BrokenSessionToken(shop, 1, providertest.BreakSignature), offlineURN, "0"), nil, 400, "invalid_subject_token"},
		{"expired session token", path, exchangeBody(f, f.BrokenSessionToken(shop, 1, providertest.BreakExpired), offlineURN, "0"), nil, 400, "invalid_subject_token"},
		{"token for another shop", "/other.myshopify.com/admin/oauth/access_token", good, nil, 400, "invalid_subject_token"},
		{"not a shop", "/evil.com/admin/oauth/access_token", good, nil, 404, "invalid_request"},
		{"host header not a shop", "/admin/oauth/access_token", good, nil, 404, "invalid_request"},
	}
	for _, tc := range cases {
		status, m := post(t, f, tc.path, tc.body, tc.hdr)
		assert.Equal(t, tc.status, status, tc.name)
		assert.Equal(t, tc.code, m["error"], tc.name)
	}
	assert.Equal(t, len(cases), f.Stats().Rejected)
	assert.Len(t, f.Requests(), len(cases))

	// The Host-header form serves any shop.
	status, m := post(t, f, "/admin/oauth/access_token", good, map[string]string{"Host": shop})
	require.Equal(t, 200, status, m)
	assert.True(t, f.AccessTokenValid(shop, m["access_token"].(string)))
	assert.Equal(t, "read_products,write_orders", m["scope"])
	_, hasExpiry := m["expires_in"]
	assert.False(t, hasExpiry)
}

func TestShopifyFakeExpiringRotation(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	f := providertest.NewShopify(providertest.WithClock(func() time.Time { return now }))
	defer f.Close()
	path := "/" + shop + "/admin/oauth/access_token"
	status, a := post(t, f, path, exchangeBody(f, f.SessionToken(shop, 1), offlineURN, "1"), nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 3600, a["expires_in"])
	assert.EqualValues(t, 90*24*3600, a["refresh_token_expires_in"])
	status, b := post(t, f, path, exchangeBody(f, f.SessionToken(shop, 1), offlineURN, "1"), nil)
	require.Equal(t, 200, status)
	assert.True(t, f.Revoked(a["access_token"].(string)), "a new expiring token revokes the previous")
	assert.True(t, f.Revoked(a["refresh_token"].(string)))
	assert.True(t, f.AccessTokenValid(shop, b["access_token"].(string)))

	refresh := func(rt string) (int, map[string]any) {
		body, _ := json.Marshal(map[string]string{"client_id": f.APIKey, "client_secret": f.APISecret,
			"grant_type": "refresh_token", "refresh_token": rt})
		return post(t, f, path, string(body), nil)
	}
	status, m := refresh(a["refresh_token"].(string))
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid_grant", m["error"])
	status, c := refresh(b["refresh_token"].(string))
	require.Equal(t, 200, status)
	assert.NotEqual(t, b["refresh_token"], c["refresh_token"])
	assert.True(t, f.Revoked(b["access_token"].(string)), "the refresh revokes the previous access token")
	// Retention: b's refresh token answers the same pair until c is used.
	status, again := refresh(b["refresh_token"].(string))
	require.Equal(t, 200, status)
	assert.Equal(t, c["access_token"], again["access_token"])
	assert.Equal(t, c["refresh_token"], again["refresh_token"])
	assert.Equal(t, 200, admin(t, f, c["access_token"].(string)))
	status, _ = refresh(b["refresh_token"].(string))
	assert.Equal(t, 400, status, "retired by the first use of the new access token")
	st := f.Stats()
	assert.Equal(t, 1, st.Refreshes)
	assert.Equal(t, 1, st.RefreshReplays)
	assert.Equal(t, 1, st.ReusedRefreshTokens)
	// Using the replacement refresh token also retires its predecessor.
	status, d := refresh(c["refresh_token"].(string))
	require.Equal(t, 200, status)
	status, _ = refresh(d["refresh_token"].(string))
	require.Equal(t, 200, status)
	status, _ = refresh(c["refresh_token"].(string))
	assert.Equal(t, 400, status)

	// The online answer carries the associated user.
	status, o := post(t, f, path, exchangeBody(f, f.SessionToken(shop, 9), "urn:shopify:params:oauth:token-type:online-access-token", "0"), nil)
	require.Equal(t, 200, status)
	user := o["associated_user"].(map[string]any)
	assert.EqualValues(t, 9, user["id"])
	assert.Equal(t, "read_products", o["associated_user_scope"])
}

func TestShopifyFakeFaultsAndAdmin(t *testing.T) {
	t.Parallel()
	f := providertest.NewShopify()
	defer f.Close()
	f.Fail(providertest.RateLimited("2"))
	req, _ := http.NewRequest(http.MethodPost, f.URL+"/"+shop+"/admin/oauth/access_token", strings.NewReader("{}"))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	assert.Equal(t, 1, f.Stats().Requests)

	tok := f.IssueOfflineToken(shop)
	get := func(hdr, val string) int {
		req, _ := http.NewRequest(http.MethodGet, f.URL+"/"+shop+"/admin/api/2025-01/shop.json", nil)
		req.Header.Set(hdr, val)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, get("X-Shopify-Access-Token", tok))
	assert.Equal(t, 401, get("Authorization", "Bearer "+tok), "the Admin API does not take Bearer")
	assert.Equal(t, 401, get("X-Shopify-Access-Token", "shpat_nope"))
}

func admin(t *testing.T, f *providertest.Shopify, tok string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/"+shop+"/admin/api/2025-01/shop.json", nil)
	req.Header.Set("X-Shopify-Access-Token", tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestShopifyFakeMigrationReplayAnd2027(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := providertest.NewShopify(providertest.WithClock(clock), providertest.WithShopifyNonExpiringRejected())
	defer f.Close()
	path := "/" + shop + "/admin/oauth/access_token"
	old := f.IssueOfflineToken(shop)
	assert.Equal(t, 401, admin(t, f, old), "from 2027-01-01 a non-expiring token fails Admin calls")
	migrate := func() (int, map[string]any) {
		return post(t, f, path, migrationBody(f, old), nil)
	}
	status, a := migrate()
	require.Equal(t, 200, status)
	status, b := migrate()
	require.Equal(t, 200, status, "a retried migration answers the same pair")
	assert.Equal(t, a["access_token"], b["access_token"])
	assert.Equal(t, a["refresh_token"], b["refresh_token"])
	assert.Equal(t, 200, admin(t, f, a["access_token"].(string)))
	mu.Lock()
	now = now.Add(providertest.MigrationReplayWindow)
	mu.Unlock()
	status, m := migrate()
	assert.Equal(t, 400, status, "after 7 days the old token is just dead")
	assert.Equal(t, "invalid_subject_token", m["error"])
	st := f.Stats()
	assert.Equal(t, 1, st.Migrations)
	assert.Equal(t, 1, st.MigrationReplays)
	assert.Equal(t, 1, st.NonExpiringAdmin)

	// Without the expiring parameter the fake issues an expiring token.
	body, _ := json.Marshal(map[string]string{"client_id": f.APIKey, "client_secret": f.APISecret,
		"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token": f.SessionToken(shop, 1),
		"subject_token_type": "urn:ietf:params:oauth:token-type:id_token", "requested_token_type": offlineURN})
	status, e := post(t, f, path, string(body), nil)
	require.Equal(t, 200, status)
	assert.NotEmpty(t, e["refresh_token"])

	// Uninstalling revokes everything; the Admin API answers 401.
	f.Uninstall(shop)
	assert.Equal(t, 401, admin(t, f, e["access_token"].(string)))
	assert.Equal(t, 1, f.Stats().RevokedAdminCalls)
}

func migrationBody(f *providertest.Shopify, old string) string {
	b, _ := json.Marshal(map[string]string{"client_id": f.APIKey, "client_secret": f.APISecret,
		"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token": old,
		"subject_token_type": offlineURN, "requested_token_type": offlineURN, "expiring": "1"})
	return string(b)
}

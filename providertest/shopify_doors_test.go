package providertest_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

var doorsNow = time.Unix(1_800_000_000, 0)

func doorsFake(t *testing.T, opts ...providertest.ShopifyOption) *providertest.Shopify {
	t.Helper()
	f := providertest.NewShopify(append([]providertest.ShopifyOption{providertest.WithClock(func() time.Time { return doorsNow })}, opts...)...)
	t.Cleanup(f.Close)
	return f
}

// The authorize page sends the browser back with a code and a query that
// shopify.VerifyCallback accepts, and the code exchanges once.
func TestShopifyFakeAuthorize(t *testing.T) {
	t.Parallel()
	f := doorsFake(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	authorize := func(q url.Values) *http.Response {
		resp, err := noFollow.Get(f.URL + "/" + shop + "/admin/oauth/authorize?" + q.Encode())
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	good := url.Values{"client_id": {f.APIKey}, "scope": {"read_products,write_orders"},
		"redirect_uri": {"https://app.example.com/auth/callback?x=1"}, "state": {"st-1"}}
	resp := authorize(good)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "app.example.com", back.Host)
	q := back.Query()
	assert.Equal(t, "1", q.Get("x"))
	assert.Equal(t, "st-1", q.Get("state"))
	c, err := shopify.New(shopify.Config{APIKey: f.APIKey, APISecret: f.APISecret, Now: func() time.Time { return doorsNow }, InsecureShopBaseURL: f.URL})
	require.NoError(t, err)
	got, err := c.VerifyCallback(q)
	require.NoError(t, err)
	assert.Equal(t, shop, got)
	s, err := c.ExchangeCode(t.Context(), shop, q.Get("code"), true)
	require.NoError(t, err)
	assert.NotEmpty(t, s.RefreshToken)

	for name, edit := range map[string]func(url.Values){
		"unknown client":       func(q url.Values) { q.Set("client_id", "other") },
		"relative redirect":    func(q url.Values) { q.Set("redirect_uri", "/cb") },
		"no state":             func(q url.Values) { q.Del("state") },
		"no scope":             func(q url.Values) { q.Del("scope") },
		"repeated state":       func(q url.Values) { q.Add("state", "x") },
		"unknown grant option": func(q url.Values) { q.Set("grant_options[]", "per-shop") },
	} {
		q := url.Values{}
		for k, v := range good {
			q[k] = append([]string(nil), v...)
		}
		edit(q)
		assert.Equal(t, http.StatusBadRequest, authorize(q).StatusCode, name)
	}
}

func TestShopifyFakeClientCredentials(t *testing.T) {
	t.Parallel()
	f := doorsFake(t, providertest.WithShopifyClientCredentialsLifetime(time.Hour))
	status, body := post(t, f, "/"+shop+"/admin/oauth/access_token",
		`{"client_id":"`+f.APIKey+`","client_secret":"`+f.APISecret+`","grant_type":"client_credentials"}`, nil)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, float64(3600), body["expires_in"])
	assert.NotContains(t, body, "refresh_token")
	assert.True(t, f.AccessTokenValid(shop, body["access_token"].(string)))

	status, _ = post(t, f, "/"+shop+"/admin/oauth/access_token",
		`{"client_id":"`+f.APIKey+`","client_secret":"wrong","grant_type":"client_credentials"}`, nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _ = post(t, f, "/"+shop+"/admin/oauth/access_token",
		`{"client_id":"`+f.APIKey+`","client_secret":"`+f.APISecret+`","grant_type":"client_credentials","scope":"x"}`, nil)
	assert.Equal(t, http.StatusBadRequest, status, "no scope parameter")
	assert.Equal(t, 1, f.GrantStats().ClientCredentials)
}

// TestShopifyFakeClientAssertion breaks every claim the fake checks, one
// at a time, with RSA and ECDSA keys.
func TestShopifyFakeClientAssertion(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	f := doorsFake(t)
	require.NoError(t, f.AddClientKey("rsa-1", &rsaKey.PublicKey))
	require.NoError(t, f.AddClientKey("ec-1", &ecKey.PublicKey))
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	require.Error(t, f.AddClientKey("small", &small.PublicKey))
	require.Error(t, f.AddClientKey("", &ecKey.PublicKey))

	send := func(assertion, clientID string) (int, map[string]any) {
		b, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": clientID,
			"client_assertion_type": providertest.ShopifyClientAssertionType, "client_assertion": assertion})
		return post(t, f, "/"+shop+"/admin/oauth/access_token", string(b), nil)
	}
	mint := func(key crypto.Signer, kid string, edit func(map[string]any)) string {
		c := f.ClientAssertionClaims(shop)
		if edit != nil {
			edit(c)
		}
		a, err := providertest.MintClientAssertion(key, kid, c)
		require.NoError(t, err)
		return a
	}
	for _, k := range []struct {
		kid string
		key crypto.Signer
	}{{"rsa-1", rsaKey}, {"ec-1", ecKey}} {
		status, body := send(mint(k.key, k.kid, nil), f.APIKey)
		require.Equal(t, http.StatusOK, status, "%s: %v", k.kid, body)
		assert.Equal(t, float64(3599), body["expires_in"])
	}
	reused := mint(ecKey, "ec-1", nil)
	status, _ := send(reused, f.APIKey)
	require.Equal(t, http.StatusOK, status)

	now := doorsNow.Unix()
	cases := map[string]struct {
		assertion string
		clientID  string
	}{
		"reused jti":           {reused, f.APIKey},
		"unknown kid":          {mint(ecKey, "ec-2", nil), f.APIKey},
		"key of another app":   {mint(other, "ec-1", nil), f.APIKey},
		"RSA key under EC kid": {mint(rsaKey, "ec-1", nil), f.APIKey},
		"wrong iss":            {mint(ecKey, "ec-1", func(c map[string]any) { c["iss"] = "other" }), f.APIKey},
		"wrong sub":            {mint(ecKey, "ec-1", func(c map[string]any) { c["sub"] = "other" }), f.APIKey},
		"client_id differs":    {mint(ecKey, "ec-1", nil), "other"},
		"aud of another shop":  {mint(ecKey, "ec-1", func(c map[string]any) { c["aud"] = f.URL + "/other.myshopify.com/admin/oauth/access_token" }), f.APIKey},
		"aud as array":         {mint(ecKey, "ec-1", func(c map[string]any) { c["aud"] = []string{c["aud"].(string)} }), f.APIKey},
		"expired":              {mint(ecKey, "ec-1", func(c map[string]any) { c["exp"] = now }), f.APIKey},
		"iat in the future":    {mint(ecKey, "ec-1", func(c map[string]any) { c["iat"] = now + 10 }), f.APIKey},
		"lives too long":       {mint(ecKey, "ec-1", func(c map[string]any) { c["exp"] = now + 600 }), f.APIKey},
		"exp as string":        {mint(ecKey, "ec-1", func(c map[string]any) { c["exp"] = "1800000060" }), f.APIKey},
		"no jti":               {mint(ecKey, "ec-1", func(c map[string]any) { delete(c, "jti") }), f.APIKey},
		"nbf in the future":    {mint(ecKey, "ec-1", func(c map[string]any) { c["nbf"] = now + 30 }), f.APIKey},
		"not a JWS":            {"a.b", f.APIKey},
		"tampered payload":     {strings.Replace(mint(ecKey, "ec-1", nil), ".", ".e30", 1), f.APIKey},
	}
	for name, tc := range cases {
		status, body := send(tc.assertion, tc.clientID)
		assert.Equal(t, http.StatusUnauthorized, status, "%s: %v", name, body)
		if status == http.StatusUnauthorized {
			assert.Equal(t, "invalid_client", body["error"], name)
		}
	}
	st := f.GrantStats()
	assert.Equal(t, 3, st.AppOnly)
	assert.Equal(t, len(cases), st.RejectedAssertions)
	assert.Equal(t, 1, st.ReusedAssertions)

	b, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": f.APIKey,
		"client_assertion_type": "urn:other", "client_assertion": mint(ecKey, "ec-1", nil)})
	status, _ = post(t, f, "/"+shop+"/admin/oauth/access_token", string(b), nil)
	assert.Equal(t, http.StatusBadRequest, status)
}

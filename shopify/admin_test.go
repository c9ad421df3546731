package shopify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/shopify"
)

func TestAdminCall(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	ctx := context.Background()
	s, err := c.ExchangeToken(ctx, shopify.TokenExchangeParams{SessionToken: fake.SessionToken(testShop, 1)})
	require.NoError(t, err)

	var out struct {
		Shop struct {
			Domain string `json:"myshopify_domain"`
		} `json:"shop"`
	}
	require.NoError(t, c.AdminCall(ctx, s, http.MethodGet, "api/2025-01/shop.json", nil, &out))
	assert.Equal(t, testShop, out.Shop.Domain)
	assert.Equal(t, 1, fake.Stats().AdminCalls)

	cases := []struct {
		name string
		s    *client.Session
		path string
		kind error
	}{
		{"dead token", &client.Session{Subject: testShop, AccessToken: "shpat_not-a-live-token"}, "api/2025-01/shop.json", client.ErrReauthorize},
		{"no token", &client.Session{Subject: testShop}, "api/2025-01/shop.json", client.ErrInvalidRequest},
		{"foreign shop", &client.Session{Subject: "evil.com", AccessToken: s.AccessToken}, "api/2025-01/shop.json", client.ErrInvalidRequest},
		{"bad path", s, "../../evil", client.ErrInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.AdminCall(ctx, tc.s, http.MethodGet, tc.path, nil, &out)
			require.ErrorIs(t, err, tc.kind)
			var e *client.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, "shopify", e.Provider)
			assert.NotContains(t, err.Error(), s.AccessToken)
			assert.NotContains(t, err.Error(), "shpat_not-a-live-token")
		})
	}
}

func TestAdminClient(t *testing.T) {
	t.Parallel()
	fake, c := setup(t)
	s, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{SessionToken: fake.SessionToken(testShop, 1)})
	require.NoError(t, err)
	hc, err := c.AdminClient(s, nil)
	require.NoError(t, err)

	u, err := c.AdminURL(testShop, "api/2025-01/shop.json")
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer leaked") // removed by the transport
	resp, err := hc.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	assert.Contains(t, string(b), `"myshopify_domain":"`+testShop+`"`)
	assert.Equal(t, "Bearer leaked", req.Header.Get("Authorization"), "the caller's request is not modified")
	assert.Equal(t, 1, fake.Stats().AdminCalls)

	for _, foreign := range []string{
		"https://evil.com/admin/api/2025-01/shop.json",
		"http://" + testShop + "/admin/api/2025-01/shop.json",
		"https://" + testShop + ":8443/admin/api/2025-01/shop.json",
		fake.URL + "/other-shop.myshopify.com/admin/api/2025-01/shop.json",
	} {
		_, err := hc.Get(foreign)
		require.ErrorIs(t, err, shopify.ErrForeignHost, foreign)
		assert.NotContains(t, err.Error(), s.AccessToken)
	}
	_, err = c.AdminURL("evil.com", "api/2025-01/shop.json")
	assert.ErrorIs(t, err, shopify.ErrInvalidShop)
	_, err = c.AdminURL(testShop, "../../evil")
	assert.Error(t, err)

	// Without the test base URL, only https://{shop} gets the token.
	tr := &shopify.AdminTransport{Shop: testShop, AccessToken: "tok", Base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		assert.Equal(t, "tok", r.Header.Get("X-Shopify-Access-Token"))
		return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
	})}
	resp, err = (&http.Client{Transport: tr}).Get("https://" + testShop + "/admin/api/2025-01/shop.json")
	require.NoError(t, err)
	assert.Equal(t, 204, resp.StatusCode)
	_, err = (&http.Client{Transport: tr}).Get(fake.URL + "/" + testShop + "/admin/api/2025-01/shop.json")
	assert.ErrorIs(t, err, shopify.ErrForeignHost)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

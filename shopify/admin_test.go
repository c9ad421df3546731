package shopify_test

import (
	"context"
	"errors"
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

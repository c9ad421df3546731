package shopify_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

func TestParamsAndConfigPrintRedacted(t *testing.T) {
	t.Parallel()
	const token, secret = "SENTINEL-SESSION-TOKEN-77", "SENTINEL-API-SECRET-88"
	p := shopify.TokenExchangeParams{Shop: "a.myshopify.com", SessionToken: token, Expiring: true}
	cfg := shopify.Config{APIKey: "key", APISecret: secret}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "p", p, "cfg", cfg)
	out := fmt.Sprintf("%v %+v %#v %s %q %v %+v %#v %s", p, &p, p, p, p, cfg, &cfg, cfg, struct{ C shopify.Config }{cfg}) + logs.String()
	assert.NotContains(t, out, token)
	assert.NotContains(t, out, secret)
	assert.Contains(t, out, "a.myshopify.com")
}

// A refused shop never prints its input (a token passed where the shop
// goes) under any verb, alone or wrapped.
func TestShopErrorPrintsRedacted(t *testing.T) {
	t.Parallel()
	const token = "shpat_SENTINEL-token-as-shop-3e4f"
	_, err := shopify.SanitizeShop(token)
	require.ErrorIs(t, err, shopify.ErrInvalidShop)
	var se *shopify.ShopError
	require.ErrorAs(t, err, &se)
	require.Equal(t, token, se.Input, "Input keeps the value for the caller")
	wrapped := fmt.Errorf("login: %w", err)
	var out strings.Builder
	for _, v := range []any{err, se, *se, wrapped, struct{ E error }{err}, []error{err}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
	}
	assert.NotContains(t, out.String(), token)
	assert.NotContains(t, out.String(), fmt.Sprintf("%x", token))
	assert.Contains(t, out.String(), client.Fingerprint(token))
	assert.Contains(t, out.String(), "invalid shop domain")
}

// Shopify's {"errors": …} text is scrubbed before it is clipped: a secret
// straddling any cut leaves no prefix behind.
func TestErrorsTextScrubbedBeforeClipping(t *testing.T) {
	t.Parallel()
	for _, at := range []int{150, 190, 199, 490, 505} {
		t.Run(strconv.Itoa(at), func(t *testing.T) {
			t.Parallel()
			fake, c := setup(t)
			st := fake.SessionToken(testShop, 42)
			// {"detail":" is 11 bytes of the description before the padding.
			detail := strings.Repeat("x", at-11) + testAPISecret + " and " + st + strings.Repeat("y", 600)
			fake.Fail(providertest.Raw(400, "application/json", `{"errors":{"detail":"`+detail+`"}}`))
			_, err := c.ExchangeToken(context.Background(), shopify.TokenExchangeParams{Shop: testShop, SessionToken: st,
				RequestedTokenType: shopify.OfflineAccessToken})
			require.Error(t, err)
			text := fmt.Sprintf("%v %+v %#v", err, err, err)
			var e *client.Error
			require.ErrorAs(t, err, &e)
			text += e.Description
			requireNoSecrets(t, text, testAPISecret[:10], st[:20])
			assert.LessOrEqual(t, len(e.Description), 520, "the description is still clipped")
		})
	}
}

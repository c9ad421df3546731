package shopify_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/shopify"
)

func TestSanitizeShopAccepts(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"shop.myshopify.com":                 "shop.myshopify.com",
		"Shop-1.myshopify.com":               "shop-1.myshopify.com",
		"my_shop.myshopify.com":              "my_shop.myshopify.com",
		"shop.myshopify.com/":                "shop.myshopify.com",
		"shop.myshopify.com///":              "shop.myshopify.com",
		"shop.shopify.com":                   "shop.shopify.com",
		"shop.myshopify.io":                  "shop.myshopify.io",
		"shop.shop.dev":                      "shop.shop.dev",
		"0shop.myshopify.com":                "0shop.myshopify.com",
		"admin.shopify.com/store/my-shop":    "my-shop.myshopify.com",
		"admin.shopify.com/store/My_Shop":    "my_shop.myshopify.com",
		"admin.myshopify.io/store/dev-store": "dev-store.myshopify.io",
		"admin.shop.dev/store/Local":         "local.shop.dev",
		"admin.myshopify.com/store/x":        "x.myshopify.com",
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got, err := shopify.SanitizeShop(in)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

// hostileShops are inputs an attacker could put in a ?shop= parameter to
// make the app send its client secret elsewhere.
var hostileShops = []string{
	"",
	" ",
	"shop",
	"myshopify.com",
	".myshopify.com",
	"-shop.myshopify.com",
	"_shop.myshopify.com",
	"shop.evil.com",
	"shop.myshopify.com.evil.com",
	"evil.com/shop.myshopify.com",
	"shop.myshopify.com@evil.com",
	"evil.com@shop.myshopify.com",
	"user:pass@shop.myshopify.com",
	"shop.myshopify.com:443",
	"shop.myshopify.com:8080",
	"shop.myshopify.com/admin",
	"shop.myshopify.com/../evil.com",
	"shop.myshopify.com?x=evil.com",
	"shop.myshopify.com#evil.com",
	"shop.myshopify.com\\evil.com",
	"https://shop.myshopify.com",
	"http://shop.myshopify.com",
	"//shop.myshopify.com",
	"shop%2emyshopify.com",
	"shop.myshopify%2ecom",
	"shop.myshopify.com%2f",
	"evil.com%2fshop.myshopify.com",
	"shop.myshopify.com%00",
	"shop.myshopify.com\x00",
	"shop.myshopify.com\n",
	"shop.myshopify.com\r\nHost: evil.com",
	" shop.myshopify.com",
	"shop.myshopify.com ",
	"\tshop.myshopify.com",
	"sh op.myshopify.com",
	"shop..myshopify.com",
	"shop.myshopify..com",
	"..myshopify.com",
	"a.b.myshopify.com",
	"shop.myshopify.com.",
	"shop.MYSHOPIFY.COM",
	"shop.myshopify.co",
	"shop.myshopifyXcom",
	"shop.myshopify.com.shop.dev.evil.com",
	"127.0.0.1",
	"127.0.0.1.myshopify.com.evil.com",
	"[::1]",
	"169.254.169.254",
	"localhost",
	"shop.myshоpify.com",       // Cyrillic о
	"shоp.myshopify.com",       // Cyrillic о in the name
	"shop.myshopify.com\u200b", // zero-width space
	"ｓhop.myshopify.com",       // fullwidth s
	"xn--shp-9cd.myshopify.com.evil.com",
	"admin.shopify.com/store/",
	"admin.shopify.com/store/-shop",
	"admin.shopify.com/store/shop/../../evil",
	"admin.shopify.com/store/shop.evil.com",
	"admin.shopify.com/store/shop?x=1",
	"admin.evil.com/store/shop",
	"https://admin.shopify.com/store/shop",
	"admin.shopify.com/stores/shop",
	strings.Repeat("a", 300) + ".myshopify.com",
}

func TestSanitizeShopRejectsHostileInput(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(hostileShops), 40)
	for _, in := range hostileShops {
		t.Run(url.PathEscape(in), func(t *testing.T) {
			t.Parallel()
			got, err := shopify.SanitizeShop(in)
			require.ErrorIs(t, err, shopify.ErrInvalidShop)
			assert.Empty(t, got)
			var se *shopify.ShopError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, in, se.Input, "Input is the refused value")
		})
	}
}

func TestSanitizeShopErrorHidesInput(t *testing.T) {
	t.Parallel()
	const tok = "shpat_0123456789abcdef0123456789abcdef"
	_, err := shopify.SanitizeShop(tok)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), tok)
}

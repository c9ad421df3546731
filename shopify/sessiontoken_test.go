package shopify_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
)

func newVerifier(t *testing.T, tolerance time.Duration) *shopify.Client {
	t.Helper()
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: fixedClock,
		ClockTolerance: tolerance, ShopDomains: []string{"example-shops.test"}})
	require.NoError(t, err)
	return c
}

func TestDecodeSessionTokenValid(t *testing.T) {
	t.Parallel()
	c := newVerifier(t, 0)
	tok := providertest.MintSessionToken(testAPISecret, validFields())
	claims, err := c.DecodeSessionToken(tok)
	require.NoError(t, err)
	assert.Equal(t, testShop, claims.Shop)
	assert.Equal(t, "https://"+testShop+"/admin", claims.Issuer)
	assert.Equal(t, "https://"+testShop, claims.Dest)
	assert.Equal(t, testAPIKey, claims.Audience)
	assert.Equal(t, "42", claims.Subject)
	assert.Equal(t, "jti-1", claims.ID)
	assert.Equal(t, "sid-1", claims.SessionID)
	assert.Equal(t, "sig-1", claims.Sig)
	assert.True(t, claims.ExpiresAt.Equal(fixedNow.Add(time.Minute)))
	id, ok := claims.UserID()
	assert.True(t, ok)
	assert.Equal(t, int64(42), id)
}

// mutate returns a valid token's fields changed by fn.
func mutate(fn func(*providertest.SessionTokenFields)) string {
	f := validFields()
	fn(&f)
	return providertest.MintSessionToken(testAPISecret, f)
}

func segment(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestDecodeSessionTokenRejections(t *testing.T) {
	t.Parallel()
	valid := providertest.MintSessionToken(testAPISecret, validFields())
	parts := strings.Split(valid, ".")
	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", shopify.ErrNoSessionToken},
		{"one part", "abc", shopify.ErrSessionTokenMalformed},
		{"four parts", valid + ".x", shopify.ErrSessionTokenMalformed},
		{"too long", strings.Repeat("a", shopify.MaxSessionTokenLength+1), shopify.ErrSessionTokenMalformed},
		{"header not base64", "!!!." + parts[1] + "." + parts[2], shopify.ErrSessionTokenMalformed},
		{"padded header", parts[0] + "=." + parts[1] + "." + parts[2], shopify.ErrSessionTokenMalformed},
		{"header not JSON", segment("nope") + "." + parts[1] + "." + parts[2], shopify.ErrSessionTokenMalformed},
		{"header without alg", segment(`{"typ":"JWT"}`) + "." + parts[1] + "." + parts[2], shopify.ErrSessionTokenAlgorithm},
		{"alg none", mutate(func(f *providertest.SessionTokenFields) { f.Alg = "none" }), shopify.ErrSessionTokenAlgorithm},
		{"alg None", mutate(func(f *providertest.SessionTokenFields) { f.Alg = "None" }), shopify.ErrSessionTokenAlgorithm},
		{"alg RS256", mutate(func(f *providertest.SessionTokenFields) { f.Alg = "RS256" }), shopify.ErrSessionTokenAlgorithm},
		{"alg HS512", mutate(func(f *providertest.SessionTokenFields) { f.Alg = "HS512" }), shopify.ErrSessionTokenAlgorithm},
		{"alg hs256", mutate(func(f *providertest.SessionTokenFields) { f.Alg = "hs256" }), shopify.ErrSessionTokenAlgorithm},
		{"wrong key", providertest.MintSessionToken("another-secret", validFields()), shopify.ErrSessionTokenSignature},
		{"empty signature", parts[0] + "." + parts[1] + ".", shopify.ErrSessionTokenSignature},
		{"payload swapped", parts[0] + "." + segment(`{"aud":"x"}`) + "." + parts[2], shopify.ErrSessionTokenSignature},
		{"signature not base64", parts[0] + "." + parts[1] + ".%%%", shopify.ErrSessionTokenMalformed},
		{"missing exp", mutate(func(f *providertest.SessionTokenFields) { f.Exp = time.Time{} }), shopify.ErrSessionTokenMalformed},
		{"expired beyond tolerance", mutate(func(f *providertest.SessionTokenFields) { f.Exp = fixedNow.Add(-11 * time.Second) }), shopify.ErrSessionTokenExpired},
		{"expired at tolerance", mutate(func(f *providertest.SessionTokenFields) { f.Exp = fixedNow.Add(-10 * time.Second) }), shopify.ErrSessionTokenExpired},
		{"nbf beyond tolerance", mutate(func(f *providertest.SessionTokenFields) { f.Nbf = fixedNow.Add(11 * time.Second) }), shopify.ErrSessionTokenNotYetValid},
		{"wrong audience", mutate(func(f *providertest.SessionTokenFields) { f.Aud = "other-app" }), shopify.ErrSessionTokenAudience},
		{"no audience", mutate(func(f *providertest.SessionTokenFields) { f.Aud = "" }), shopify.ErrSessionTokenAudience},
		{"dest other domain", mutate(func(f *providertest.SessionTokenFields) { f.Dest = "https://evil.com" }), shopify.ErrSessionTokenDestination},
		{"dest http", mutate(func(f *providertest.SessionTokenFields) { f.Dest = "http://" + testShop }), shopify.ErrSessionTokenDestination},
		{"dest with port", mutate(func(f *providertest.SessionTokenFields) { f.Dest = "https://" + testShop + ":8443" }), shopify.ErrSessionTokenDestination},
		{"dest with userinfo", mutate(func(f *providertest.SessionTokenFields) { f.Dest = "https://evil.com@" + testShop }), shopify.ErrSessionTokenDestination},
		{"dest with path", mutate(func(f *providertest.SessionTokenFields) { f.Dest = "https://" + testShop + "/x" }), shopify.ErrSessionTokenDestination},
		{"dest bare host", mutate(func(f *providertest.SessionTokenFields) { f.Dest = testShop }), shopify.ErrSessionTokenDestination},
		{"dest missing", mutate(func(f *providertest.SessionTokenFields) { f.Dest = "" }), shopify.ErrSessionTokenDestination},
		{"iss other shop", mutate(func(f *providertest.SessionTokenFields) { f.Iss = "https://other.myshopify.com/admin" }), shopify.ErrSessionTokenIssuer},
		{"iss without /admin", mutate(func(f *providertest.SessionTokenFields) { f.Iss = "https://" + testShop }), shopify.ErrSessionTokenIssuer},
		{"iss http", mutate(func(f *providertest.SessionTokenFields) { f.Iss = "http://" + testShop + "/admin" }), shopify.ErrSessionTokenIssuer},
		{"iss missing", mutate(func(f *providertest.SessionTokenFields) { f.Iss = "" }), shopify.ErrSessionTokenIssuer},
	}
	c := newVerifier(t, 0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			claims, err := c.DecodeSessionToken(tc.token)
			require.Nil(t, claims)
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, shopify.ErrInvalidSessionToken)
			var ste *shopify.SessionTokenError
			require.ErrorAs(t, err, &ste)
			assert.Equal(t, tc.want, ste.Reason)
			msg := err.Error() + fmt.Sprintf("%v %+v %#v", err, err, err)
			requireNoSecrets(t, msg)
			for _, p := range strings.Split(tc.token, ".") {
				if len(p) >= 8 {
					assert.NotContains(t, msg, p, "error text holds part of the token")
				}
			}
		})
	}
}

// The fake's broken tokens are each rejected for their own reason.
func TestDecodeSessionTokenFakeBreaks(t *testing.T) {
	t.Parallel()
	fake := providertest.NewShopify(providertest.WithShopifyCredentials(testAPIKey, testAPISecret),
		providertest.WithClock(fixedClock))
	defer fake.Close()
	c := newVerifier(t, 0)
	cases := map[providertest.SessionTokenBreak]error{
		providertest.BreakSignature:   shopify.ErrSessionTokenSignature,
		providertest.BreakAlgNone:     shopify.ErrSessionTokenAlgorithm,
		providertest.BreakAlgRS256:    shopify.ErrSessionTokenAlgorithm,
		providertest.BreakAlgHS512:    shopify.ErrSessionTokenAlgorithm,
		providertest.BreakExpired:     shopify.ErrSessionTokenExpired,
		providertest.BreakNotYetValid: shopify.ErrSessionTokenNotYetValid,
		providertest.BreakAudience:    shopify.ErrSessionTokenAudience,
		providertest.BreakDestination: shopify.ErrSessionTokenDestination,
		providertest.BreakIssuer:      shopify.ErrSessionTokenIssuer,
		providertest.BreakMalformed:   shopify.ErrSessionTokenMalformed,
		providertest.BreakMissingExp:  shopify.ErrSessionTokenMalformed,
	}
	for b, want := range cases {
		_, err := c.DecodeSessionToken(fake.BrokenSessionToken(testShop, 7, b))
		assert.ErrorIs(t, err, want, "break %d", b)
	}
	_, err := c.DecodeSessionToken(fake.SessionToken(testShop, 7))
	assert.NoError(t, err)
}

func TestDecodeSessionTokenTolerance(t *testing.T) {
	t.Parallel()
	expiredBy5 := mutate(func(f *providertest.SessionTokenFields) { f.Exp = fixedNow.Add(-5 * time.Second) })
	nbfIn5 := mutate(func(f *providertest.SessionTokenFields) { f.Nbf = fixedNow.Add(5 * time.Second) })
	expiredBy25 := mutate(func(f *providertest.SessionTokenFields) { f.Exp = fixedNow.Add(-25 * time.Second) })

	def := newVerifier(t, 0)
	_, err := def.DecodeSessionToken(expiredBy5)
	assert.NoError(t, err, "default tolerance is 10s")
	_, err = def.DecodeSessionToken(nbfIn5)
	assert.NoError(t, err, "clock skew on nbf within 10s is tolerated")

	strict := newVerifier(t, -1)
	_, err = strict.DecodeSessionToken(expiredBy5)
	assert.ErrorIs(t, err, shopify.ErrSessionTokenExpired)
	_, err = strict.DecodeSessionToken(nbfIn5)
	assert.ErrorIs(t, err, shopify.ErrSessionTokenNotYetValid)

	lax := newVerifier(t, 30*time.Second)
	_, err = lax.DecodeSessionToken(expiredBy25)
	assert.NoError(t, err)
}

func TestDecodeSessionTokenExtraDomainAndCase(t *testing.T) {
	t.Parallel()
	c := newVerifier(t, 0)
	tok := mutate(func(f *providertest.SessionTokenFields) {
		f.Dest = "https://shop1.example-shops.test"
		f.Iss = "https://shop1.example-shops.test/admin"
	})
	claims, err := c.DecodeSessionToken(tok)
	require.NoError(t, err)
	assert.Equal(t, "shop1.example-shops.test", claims.Shop)

	// The package-level rules do not know the extra domain.
	_, err = shopify.SanitizeShop("shop1.example-shops.test")
	assert.ErrorIs(t, err, shopify.ErrInvalidShop)
	got, err := c.SanitizeShop("Shop1.example-shops.test/")
	require.NoError(t, err)
	assert.Equal(t, "shop1.example-shops.test", got)

	// Upper-case host in dest.
	payload := fmt.Sprintf(`{"iss":"https://%s/admin","dest":"https://TEST-SHOP.myshopify.com","aud":%q,"sub":"1","exp":%d}`,
		testShop, testAPIKey, fixedNow.Add(time.Minute).Unix())
	tok = signRaw(`{"alg":"HS256","typ":"JWT"}`, payload)
	claims, err = c.DecodeSessionToken(tok)
	require.NoError(t, err)
	assert.Equal(t, testShop, claims.Shop, "hosts compare case-insensitively and come out lowercase")
	assert.Equal(t, testAPIKey, claims.Audience)
}

func TestNewRejectsBadShopDomain(t *testing.T) {
	t.Parallel()
	for _, d := range []string{"", "com", "Example.com", "-a.com", "a..com", "exa mple.com", "évil.com"} {
		_, err := shopify.New(shopify.Config{APIKey: "k", APISecret: "s", ShopDomains: []string{d}})
		assert.Error(t, err, d)
	}
}

func TestSessionTokenFromRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, auth, query, want string
		ok                      bool
	}{
		{name: "bearer", auth: "Bearer abc.def.ghi", want: "abc.def.ghi", ok: true},
		{name: "bearer lowercase scheme", auth: "bearer abc.def.ghi", want: "abc.def.ghi", ok: true},
		{name: "query", query: "id_token=abc.def.ghi&shop=x", want: "abc.def.ghi", ok: true},
		{name: "header wins over query", auth: "Bearer h.h.h", query: "id_token=q.q.q", want: "h.h.h", ok: true},
		{name: "neither"},
		{name: "empty bearer", auth: "Bearer "},
		{name: "scheme only", auth: "Bearer"},
		{name: "basic scheme", auth: "Basic dXNlcjpwYXNz"},
		{name: "basic scheme with id_token", auth: "Basic dXNlcjpwYXNz", query: "id_token=q.q.q"},
		{name: "empty id_token", query: "id_token="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/?"+tc.query, nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			got, err := shopify.SessionTokenFromRequest(r)
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				return
			}
			require.ErrorIs(t, err, shopify.ErrNoSessionToken)
			require.ErrorIs(t, err, shopify.ErrInvalidSessionToken)
			assert.Empty(t, got)
			assert.NotContains(t, err.Error(), "dXNlcjpwYXNz")
		})
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Add("Authorization", "Bearer a.b.c")
	r.Header.Add("Authorization", "Bearer d.e.f")
	_, err := shopify.SessionTokenFromRequest(r)
	assert.ErrorIs(t, err, shopify.ErrNoSessionToken)
}

package shopify_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/shopify"
)

// craftedPayload is a valid payload for testShop with the members in
// over replacing (or, for a key not there, joining) the valid ones; a
// value of "" leaves the member out.
func craftedPayload(over map[string]string) string {
	exp := fixedNow.Add(time.Minute).Unix()
	members := [][2]string{
		{"iss", `"https://` + testShop + `/admin"`},
		{"dest", `"https://` + testShop + `"`},
		{"aud", `"` + testAPIKey + `"`},
		{"sub", `"42"`},
		{"exp", fmt.Sprint(exp)},
		{"nbf", fmt.Sprint(exp - 61)},
		{"iat", fmt.Sprint(exp - 61)},
		{"jti", `"jti-1"`},
		{"sid", `"sid-1"`},
		{"sig", `"sig-1"`},
	}
	var b strings.Builder
	b.WriteByte('{')
	used := map[string]bool{}
	write := func(k, v string) {
		if v == "" {
			return
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", k, v)
	}
	for _, m := range members {
		v := m[1]
		if o, ok := over[m[0]]; ok {
			v, used[m[0]] = o, true
		}
		write(m[0], v)
	}
	for k, v := range over {
		if !used[k] {
			write(k, v)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// TestDecodeSessionTokenCrafted runs correctly signed tokens whose
// payload or header was crafted by hand. official is the verdict of
// Shopify's own library (shopify-api's decodeSessionToken: jose's
// jwtVerify with HS256 and a 10 s tolerance, then aud === apiKey):
// oauthx matches every "reject" and refuses some tokens it accepts
// ("accept*"), never the other way round.
func TestDecodeSessionTokenCrafted(t *testing.T) {
	t.Parallel()
	exp := fixedNow.Add(time.Minute).Unix()
	const hs256 = `{"alg":"HS256","typ":"JWT"}`
	cases := []struct {
		name     string
		header   string // "" means hs256
		payload  string
		want     error // nil: accepted
		official string
	}{
		{"valid", "", craftedPayload(nil), nil, "accept"},
		{"exp as a string", "", craftedPayload(map[string]string{"exp": fmt.Sprintf("%q", fmt.Sprint(exp))}), shopify.ErrSessionTokenMalformed, "reject"},
		{"nbf as a string", "", craftedPayload(map[string]string{"nbf": `"1"`}), shopify.ErrSessionTokenMalformed, "reject"},
		{"iat as a string", "", craftedPayload(map[string]string{"iat": `"1"`}), shopify.ErrSessionTokenMalformed, "reject"},
		{"exp null", "", craftedPayload(map[string]string{"exp": `null`}), shopify.ErrSessionTokenMalformed, "reject"},
		{"exp true", "", craftedPayload(map[string]string{"exp": `true`}), shopify.ErrSessionTokenMalformed, "reject"},
		{"exp an object", "", craftedPayload(map[string]string{"exp": `{"n":1}`}), shopify.ErrSessionTokenMalformed, "reject"},
		{"exp negative", "", craftedPayload(map[string]string{"exp": `-1`}), shopify.ErrSessionTokenMalformed, "reject"},
		{"exp beyond year 36812", "", craftedPayload(map[string]string{"exp": `1e300`}), shopify.ErrSessionTokenMalformed, "accept*"},
		{"exp fractional", "", craftedPayload(map[string]string{"exp": fmt.Sprintf("%d.5", exp)}), nil, "accept"},
		{"exp with exponent", "", craftedPayload(map[string]string{"exp": fmt.Sprintf("%de0", exp)}), nil, "accept"},
		{"exp missing", "", craftedPayload(map[string]string{"exp": ""}), shopify.ErrSessionTokenMalformed, "accept*"},
		{"exp twice", "", craftedPayload(nil)[:1] + fmt.Sprintf(`"exp":%d,`, exp+9999) + craftedPayload(nil)[1:], shopify.ErrSessionTokenMalformed, "accept*"},
		{"aud an array with the key", "", craftedPayload(map[string]string{"aud": `["` + testAPIKey + `"]`}), shopify.ErrSessionTokenAudience, "reject"},
		{"aud an array of two", "", craftedPayload(map[string]string{"aud": `["` + testAPIKey + `","x"]`}), shopify.ErrSessionTokenAudience, "reject"},
		{"aud a number", "", craftedPayload(map[string]string{"aud": `1`}), shopify.ErrSessionTokenAudience, "reject"},
		{"aud missing", "", craftedPayload(map[string]string{"aud": ""}), shopify.ErrSessionTokenAudience, "reject"},
		{"aud with a trailing space", "", craftedPayload(map[string]string{"aud": `"` + testAPIKey + ` "`}), shopify.ErrSessionTokenAudience, "reject"},
		{"aud escaped but equal", "", craftedPayload(map[string]string{"aud": `"` + `\u0073` + testAPIKey[1:] + `"`}), nil, "accept"},
		{"iss a number", "", craftedPayload(map[string]string{"iss": `7`}), shopify.ErrSessionTokenMalformed, "accept*"},
		{"dest null", "", craftedPayload(map[string]string{"dest": `null`}), shopify.ErrSessionTokenMalformed, "accept*"},
		{"dest with query", "", craftedPayload(map[string]string{"dest": `"https://` + testShop + `?x=1"`}), shopify.ErrSessionTokenDestination, "accept*"},
		{"dest with fragment", "", craftedPayload(map[string]string{"dest": `"https://` + testShop + `#x"`}), shopify.ErrSessionTokenDestination, "accept*"},
		{"dest admin URL form", "", craftedPayload(map[string]string{"dest": `"https://admin.shopify.com/store/test-shop"`}), shopify.ErrSessionTokenDestination, "accept*"},
		{"dest with trailing slash", "", craftedPayload(map[string]string{"dest": `"https://` + testShop + `/"`}), nil, "accept"},
		{"iss with trailing slash", "", craftedPayload(map[string]string{"iss": `"https://` + testShop + `/admin/"`}), shopify.ErrSessionTokenIssuer, "accept*"},
		{"sub a number", "", craftedPayload(map[string]string{"sub": `42`}), nil, "accept"},
		{"sub an array", "", craftedPayload(map[string]string{"sub": `[42]`}), shopify.ErrSessionTokenMalformed, "accept*"},
		{"unknown claims kept out", "", craftedPayload(map[string]string{"x": `{"a":[1,2,{"b":null}]}`}), nil, "accept"},
		{"whitespace around members", "", " {\n" + craftedPayload(nil)[1:len(craftedPayload(nil))-1] + " \t}\r\n", nil, "accept"},
		{"trailing data", "", craftedPayload(nil) + `{}`, shopify.ErrSessionTokenMalformed, "reject"},
		{"trailing comma", "", craftedPayload(nil)[:len(craftedPayload(nil))-1] + `,}`, shopify.ErrSessionTokenMalformed, "reject"},
		{"payload an array", "", `[` + craftedPayload(nil) + `]`, shopify.ErrSessionTokenMalformed, "reject"},
		{"payload not UTF-8", "", craftedPayload(map[string]string{"jti": "\"\xff\xfe\""}), shopify.ErrSessionTokenMalformed, "accept*"},
		{"control character in a string", "", craftedPayload(map[string]string{"jti": "\"a\x01b\""}), shopify.ErrSessionTokenMalformed, "reject"},
		{"bad escape", "", craftedPayload(map[string]string{"jti": `"a\qb"`}), shopify.ErrSessionTokenMalformed, "reject"},
		{"deeply nested unknown claim", "", craftedPayload(map[string]string{"x": strings.Repeat("[", 100) + strings.Repeat("]", 100)}), shopify.ErrSessionTokenMalformed, "accept*"},
		{"header with kid", `{"alg":"HS256","kid":"k1","typ":"JWT"}`, craftedPayload(nil), nil, "accept"},
		{"header without typ", `{"alg":"HS256"}`, craftedPayload(nil), nil, "accept"},
		{"header typ jwt lowercase", `{"typ":"jwt","alg":"HS256"}`, craftedPayload(nil), nil, "accept"},
		{"header typ JOSE", `{"alg":"HS256","typ":"JOSE"}`, craftedPayload(nil), shopify.ErrSessionTokenMalformed, "accept*"},
		{"header alg twice", `{"alg":"none","alg":"HS256"}`, craftedPayload(nil), shopify.ErrSessionTokenMalformed, "reject"},
		{"header alg a number", `{"alg":256}`, craftedPayload(nil), shopify.ErrSessionTokenAlgorithm, "reject"},
		{"header crit", `{"alg":"HS256","crit":["exp"]}`, craftedPayload(nil), shopify.ErrSessionTokenMalformed, "reject"},
		{"header not an object", `"HS256"`, craftedPayload(nil), shopify.ErrSessionTokenMalformed, "reject"},
	}
	require.GreaterOrEqual(t, len(cases), 25)
	c := newVerifier(t, 0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			header := tc.header
			if header == "" {
				header = hs256
			}
			claims, err := c.DecodeSessionToken(signRaw(header, tc.payload))
			if tc.official == "reject" {
				require.Error(t, err, "Shopify's library refuses this token: so must oauthx")
			}
			if tc.want == nil {
				require.NoError(t, err)
				assert.Equal(t, testShop, claims.Shop)
				assert.Equal(t, testAPIKey, claims.Audience)
				return
			}
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, shopify.ErrInvalidSessionToken)
			assert.Nil(t, claims)
		})
	}
}

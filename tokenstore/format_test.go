package tokenstore_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

func TestEncodeDecode(t *testing.T) {
	t.Parallel()
	s := storetest.Sample("shopify:offline_a.myshopify.com")
	data, err := tokenstore.Encode(s)
	require.NoError(t, err)
	require.Contains(t, string(data), `"v":1`)
	got, err := tokenstore.Decode(s.ID, data)
	require.NoError(t, err)
	storetest.Equal(t, s, got)
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		data    string
		kind    error
		version int
	}{
		{"Empty", ``, tokenstore.ErrCorrupt, 0},
		{"Garbage", `at-sentinel-garbage`, tokenstore.ErrCorrupt, 0},
		{"Truncated", `{"v":1,"session":{"id":"x","access_token":"at-sentinel-trunc`, tokenstore.ErrCorrupt, 0},
		{"NoVersion", `{"session":{"id":"x","access_token":"at-sentinel"}}`, tokenstore.ErrCorrupt, 0},
		{"BareSession", `{"id":"x","access_token":"at-sentinel"}`, tokenstore.ErrCorrupt, 0},
		{"NoSession", `{"v":1}`, tokenstore.ErrCorrupt, 1},
		{"NullSession", `{"v":1,"session":null}`, tokenstore.ErrCorrupt, 1},
		{"WrongType", `{"v":1,"session":{"id":"x","access_token":42}}`, tokenstore.ErrCorrupt, 1},
		{"OtherID", `{"v":1,"session":{"id":"y","access_token":"at-sentinel"}}`, tokenstore.ErrCorrupt, 1},
		{"Future", `{"v":2,"session":{"id":"x","access_token":"at-sentinel","new_field":{}}}`, tokenstore.ErrFutureFormat, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tokenstore.Decode("x", []byte(tc.data))
			var fe *tokenstore.FormatError
			require.ErrorAs(t, err, &fe)
			require.ErrorIs(t, err, tc.kind)
			require.Equal(t, "x", fe.ID)
			require.Equal(t, tc.version, fe.Version)
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				require.NotContains(t, fmt.Sprintf(verb, err), "sentinel")
			}
		})
	}
}

// TestDecodeErrorsQuoteNothingStored: whatever is wrong with a stored
// value, and wherever the secret sits in it (at the offending byte, in a
// value of the wrong type, as a member name or map key), the error names
// neither it nor any part of it.
func TestDecodeErrorsQuoteNothingStored(t *testing.T) {
	t.Parallel()
	const secret = "rt-SENTINEL-secret"
	for _, data := range []string{
		`{"v":1,"session":{"id":"x","refresh_token":"` + secret,
		`{"v":1,"session":{"id":"x","refresh_token":` + secret + `}}`,
		`{"v":1,"session":{"id":"x","refresh_token":"a"}` + secret + `}`,
		`{"v":1,"session":{"id":"x","refresh_token":"a\u` + secret + `"}}`,
		"{\"v\":1,\"session\":{\"id\":\"x\",\"refresh_token\":\"\x01" + secret + "\"}}",
		`{"v":1,"session":{"id":"x","scopes":"` + secret + `"}}`,
		`{"v":1,"session":{"id":"x","scopes":["a",{"` + secret + `":1}]}}`,
		`{"v":1,"session":{"id":"x","refresh_token":{"` + secret + `":1}}}`,
		`{"v":1,"session":{"id":"x","expiry":"` + secret + `"}}`,
		`{"v":1,"session":{"id":"x","extra":"` + secret + `"}}`,
		`{"v":"` + secret + `","session":{}}`,
		`{"v":1,"session":"` + secret + `"}`,
		`{"v":1,"session":{"id":"` + secret + `"}}`,
		secret,
	} {
		_, err := tokenstore.Decode("x", []byte(data))
		require.ErrorIs(t, err, tokenstore.ErrCorrupt, data)
		for e := err; e != nil; e = errors.Unwrap(e) {
			for _, verb := range []string{"%v", "%+v", "%s", "%q"} {
				msg := fmt.Sprintf(verb, e)
				require.NotContains(t, msg, "SENTINEL", data)
				require.NotContains(t, msg, "rt-S", data)
			}
		}
	}
}

func TestEncodeInvalid(t *testing.T) {
	t.Parallel()
	_, err := tokenstore.Encode(nil)
	require.ErrorIs(t, err, tokenstore.ErrInvalidSession)
	_, err = tokenstore.Encode(storetest.Sample(""))
	require.ErrorIs(t, err, tokenstore.ErrInvalidSession)
}

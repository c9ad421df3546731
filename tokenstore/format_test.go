package tokenstore_test

import (
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

func TestEncodeInvalid(t *testing.T) {
	t.Parallel()
	_, err := tokenstore.Encode(nil)
	require.ErrorIs(t, err, tokenstore.ErrInvalidSession)
	_, err = tokenstore.Encode(storetest.Sample(""))
	require.ErrorIs(t, err, tokenstore.ErrInvalidSession)
}

package tokenstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/tokenstore"
)

// A TokenSource given an invalid option value fails every call with it
// (NewTokenSource has no error result); a nil option is skipped.
func TestTokenSourceOptionConvention(t *testing.T) {
	t.Parallel()
	c, err := client.New(client.Config{Provider: providers.Generic("https://auth.example.com"), ClientID: "id"})
	require.NoError(t, err)
	st := tokenstore.NewMemory()
	require.NoError(t, st.Save(context.Background(), &client.Session{ID: "s", Provider: "generic", AccessToken: "at"}))
	cases := []struct {
		name string
		opt  tokenstore.TokenSourceOption
		want string
	}{
		{"nil clock", tokenstore.WithClock(nil), "tokenstore.WithClock"},
		{"negative early expiry", tokenstore.WithEarlyExpiry(-time.Second), "tokenstore.WithEarlyExpiry"},
		{"negative refresh timeout", tokenstore.WithRefreshTimeout(-time.Second), "tokenstore.WithRefreshTimeout"},
		{"nil hook", tokenstore.WithAfterRefresh(nil), "tokenstore.WithAfterRefresh"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tokenstore.NewTokenSource(st, c, "s", tc.opt).Token()
			require.ErrorIs(t, err, client.ErrInvalidRequest)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	// A zero timeout is the default, as zero is everywhere.
	tok, err := tokenstore.NewTokenSource(st, c, "s", nil, tokenstore.WithRefreshTimeout(0)).Token()
	require.NoError(t, err)
	assert.Equal(t, "at", tok.AccessToken)
}

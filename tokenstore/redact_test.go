package tokenstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

func TestPrintingRedacts(t *testing.T) {
	t.Parallel()
	st := tokenstore.NewMemory()
	s := storetest.Sample("print")
	require.NoError(t, st.Save(context.Background(), s))
	f := setup(t, st)
	ts := tokenstore.NewTokenSource(st, f.c, s.ID)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{st, ts} {
			out := fmt.Sprintf(verb, v)
			for _, secret := range []string{s.AccessToken, s.RefreshToken, s.IDToken, "secret"} {
				assert.NotContains(t, out, secret, verb)
			}
		}
	}
	assert.Equal(t, `tokenstore.TokenSource("print")`, fmt.Sprint(ts))
	assert.Equal(t, `tokenstore.Memory(2 sessions)`, fmt.Sprint(st))
}

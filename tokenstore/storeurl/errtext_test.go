package storeurl

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
)

// A URL of no known form, a Redis that does not answer (its password
// scrubbed) and the scrubbed error itself say each label once.
func TestErrorsReadOnce(t *testing.T) {
	ctx := context.Background()
	_, bad := Open(ctx, "gopher://x")
	require.ErrorIs(t, bad, client.ErrInvalidRequest)
	_, down := Open(ctx, "redis://:pw-3@127.0.0.1:1/0")
	require.Error(t, down)
	require.NotContains(t, down.Error(), "pw-3")
	u, err := url.Parse("redis://:pw-3@127.0.0.1:1/0")
	require.NoError(t, err)
	errtexttest.Covers(t, nil, bad, down,
		scrubErr(errors.New("storeurl: dial redis://:pw-3@127.0.0.1:1/0: refused"), u))
}

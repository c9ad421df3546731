package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/sqlstore"
)

// ErrLockLost, and the error of a lease asked after its release, say
// "sqlstore:" once.
func TestErrorsReadOnce(t *testing.T) {
	db := setup(t)
	ctx := context.Background()
	st := newStore(t, db)
	l, err := st.LockLease(ctx, "h")
	require.NoError(t, err)
	require.NoError(t, l.Release())
	ended := l.Held(ctx)
	require.ErrorIs(t, ended, tokenstore.ErrLockLost)
	require.Equal(t, `sqlstore: lock "h": transaction ended: advisory lock was no longer held`, ended.Error())
	errtexttest.Covers(t, map[string]error{"ErrLockLost": sqlstore.ErrLockLost}, ended)
}

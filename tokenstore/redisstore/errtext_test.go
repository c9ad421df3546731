package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
)

// ErrLockLost, and the errors of a lease another holder took over (Held
// and Release), say "redisstore:" once.
func TestErrorsReadOnce(t *testing.T) {
	rdb := setup(t)
	ctx := context.Background()
	st := newStore(t, rdb)
	l, err := st.LockLease(ctx, "h")
	require.NoError(t, err)
	keys, err := st.Keys(ctx)
	require.NoError(t, err)
	for _, k := range keys {
		if strings.HasSuffix(k, "lock:h") {
			require.NoError(t, rdb.Set(ctx, k, "another-holder", time.Minute).Err())
		}
	}
	held := l.Held(ctx)
	require.ErrorIs(t, held, tokenstore.ErrLockLost)
	require.Equal(t, `redisstore: lock "h": lock lease expired`, held.Error())
	released := l.Release()
	require.ErrorIs(t, released, redisstore.ErrLockLost)
	errtexttest.Covers(t, map[string]error{"ErrLockLost": redisstore.ErrLockLost}, held, released)
}

package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

const redisAddr = "127.0.0.1:6379"

// setup returns a client of the local Redis, or skips (fails in CI).
func setup(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		storetest.ServiceMissing(t, "Redis on "+redisAddr, err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func uniquePrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "oauthx-test-" + hex.EncodeToString(b) + ":"
}

// newStore returns a store under a fresh prefix whose keys are deleted
// when the test ends.
func newStore(t testing.TB, rdb *redis.Client, opts ...redisstore.Option) *redisstore.Store {
	st := redisstore.New(rdb, append([]redisstore.Option{redisstore.WithPrefix(uniquePrefix())}, opts...)...)
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := st.Keys(ctx)
		if len(keys) > 0 {
			_ = rdb.Del(ctx, keys...).Err()
		}
	})
	return st
}

func TestConformance(t *testing.T) {
	t.Parallel()
	rdb := setup(t)
	storetest.Run(t, func(t *testing.T) tokenstore.Store { return newStore(t, rdb) })
}

func TestPrefixIsolates(t *testing.T) {
	t.Parallel()
	rdb := setup(t)
	ctx := context.Background()
	a, b := newStore(t, rdb), newStore(t, rdb)
	require.NoError(t, a.Save(ctx, storetest.Sample("x")))
	_, err := b.Load(ctx, "x")
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
	list, err := b.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	require.Empty(t, list)
	unlock, err := a.Lock(ctx, "x")
	require.NoError(t, err)
	defer func() { _ = unlock() }()
	unlockB, err := b.Lock(ctx, "x")
	require.NoError(t, err, "locks of another prefix are independent")
	require.NoError(t, unlockB())

	keys, err := a.Keys(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		require.True(t, strings.HasPrefix(k, a.Prefix()+"{"+a.Prefix()+"}"), k)
	}
	// Prefixes with glob characters are matched literally.
	odd := newStore(t, rdb, redisstore.WithPrefix(uniquePrefix()+"[*?]\\"))
	require.NoError(t, odd.Save(ctx, storetest.Sample("y")))
	keys, err = odd.Keys(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 2) // the session and the meta hash
}

func TestLockLease(t *testing.T) {
	t.Parallel()
	rdb := setup(t)
	ctx := context.Background()
	st := newStore(t, rdb, redisstore.WithLockLease(time.Second))
	lockKey := func() string {
		keys, err := st.Keys(ctx)
		require.NoError(t, err)
		for _, k := range keys {
			if strings.Contains(k, "lock:lease") {
				return k
			}
		}
		t.Fatal("no lock key")
		return ""
	}

	// A live holder keeps its lock past several leases: the lease renews.
	first, err := st.Lock(ctx, "lease")
	require.NoError(t, err)
	key := lockKey()
	time.Sleep(2500 * time.Millisecond)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = st.Lock(short, "lease")
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded, "the lock outlived its lease while held")
	require.NoError(t, first())
	n, err := rdb.Exists(ctx, key).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "unlock removes the lock")

	// A holder that died (its lease left behind, no one renewing it) blocks
	// the others for at most one lease.
	require.NoError(t, rdb.Set(ctx, key, "dead-holder-token", time.Second).Err())
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	second, err := st.Lock(wait, "lease")
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 800*time.Millisecond)

	// A holder whose lease was taken over (Redis unreachable for a whole
	// lease, say) reports the loss at unlock and does not free the new
	// holder's lock.
	require.NoError(t, rdb.Set(ctx, key, "new-holder-token", 10*time.Second).Err())
	require.ErrorIs(t, second(), redisstore.ErrLockLost)
	v, err := rdb.Get(ctx, key).Result()
	require.NoError(t, err)
	assert.Equal(t, "new-holder-token", v)
	require.NoError(t, rdb.Del(ctx, key).Err())
	third, err := st.Lock(ctx, "lease")
	require.NoError(t, err)
	require.NoError(t, third())
}

func TestCorruptValue(t *testing.T) {
	t.Parallel()
	rdb := setup(t)
	ctx := context.Background()
	st := newStore(t, rdb)
	require.NoError(t, st.Save(ctx, storetest.Sample("c")))
	require.NoError(t, st.Save(ctx, storetest.Sample("good")))
	keys, err := st.Keys(ctx)
	require.NoError(t, err)
	for _, k := range keys {
		if strings.Contains(k, "session:c") {
			require.NoError(t, rdb.Set(ctx, k, `{"v":9,"session":{"id":"c","access_token":"at-sentinel"}}`, 0).Err())
		}
	}
	_, err = st.Load(ctx, "c")
	var fe *tokenstore.FormatError
	require.ErrorAs(t, err, &fe)
	require.ErrorIs(t, err, tokenstore.ErrFutureFormat)
	require.NotContains(t, err.Error(), "sentinel")
	list, err := st.List(ctx, tokenstore.Filter{})
	require.ErrorIs(t, err, tokenstore.ErrFutureFormat)
	var le *tokenstore.ListError
	require.ErrorAs(t, err, &le, "List names the unreadable records")
	require.Equal(t, []string{"c"}, le.IDs)
	require.NotContains(t, err.Error(), "sentinel")
	require.Len(t, list, 1, "and returns the good sessions")
	require.Equal(t, "good", list[0].ID)
	// A value this build cannot read is never the session a
	// compare-and-set write was based on, even with the same tokens.
	same := storetest.Sample("c")
	same.AccessToken, same.RefreshToken = "at-sentinel", ""
	require.ErrorIs(t, st.CompareAndSave(ctx, same, storetest.Sample("c")), tokenstore.ErrConflict)
	require.ErrorIs(t, st.CompareAndSave(ctx, nil, storetest.Sample("c")), tokenstore.ErrConflict)
	require.ErrorIs(t, st.CompareAndDelete(ctx, same), tokenstore.ErrConflict)
	_, err = st.Load(ctx, "c")
	require.ErrorIs(t, err, tokenstore.ErrFutureFormat, "nothing was written")
}

func TestLeaseHeld(t *testing.T) {
	t.Parallel()
	rdb := setup(t)
	ctx := context.Background()
	st := newStore(t, rdb)
	l, err := st.LockLease(ctx, "h")
	require.NoError(t, err)
	require.NoError(t, l.Held(ctx))
	// The lease expires (its holder was paused past it, or Redis
	// restarted) and another process takes the lock.
	keys, err := st.Keys(ctx)
	require.NoError(t, err)
	for _, k := range keys {
		if strings.HasSuffix(k, "lock:h") {
			require.NoError(t, rdb.Set(ctx, k, "another-holder", time.Minute).Err())
		}
	}
	err = l.Held(ctx)
	require.ErrorIs(t, err, redisstore.ErrLockLost)
	require.ErrorIs(t, err, tokenstore.ErrLockLost)
	require.ErrorIs(t, l.Release(), tokenstore.ErrLockLost)
	for _, k := range keys {
		if strings.HasSuffix(k, "lock:h") {
			v, err := rdb.Get(ctx, k).Result()
			require.NoError(t, err)
			require.Equal(t, "another-holder", v, "a lost lease's release leaves the new holder's lock alone")
		}
	}
}

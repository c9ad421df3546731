package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
)

// Invalid option values are reported, never adjusted: the Store fails
// every call with them (New has no error result), before touching Redis.
func TestOptionConvention(t *testing.T) {
	t.Parallel()
	// Never dialled: every call below must fail before reaching it.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	cases := []struct {
		name string
		rdb  redis.UniversalClient
		opts []redisstore.Option
		want string
	}{
		{"empty prefix", rdb, []redisstore.Option{redisstore.WithPrefix("")}, "redisstore.WithPrefix"},
		{"short lease", rdb, []redisstore.Option{redisstore.WithLockLease(time.Millisecond)}, "redisstore.WithLockLease"},
		{"nil client", nil, nil, "redisstore.New"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := redisstore.New(tc.rdb, tc.opts...)
			require.ErrorIs(t, st.Err(), client.ErrInvalidRequest)
			assert.ErrorContains(t, st.Err(), tc.want)
			_, err := st.Load(context.Background(), "x")
			require.ErrorIs(t, err, client.ErrInvalidRequest)
			err = st.Save(context.Background(), &client.Session{ID: "x", AccessToken: "a"})
			require.ErrorIs(t, err, client.ErrInvalidRequest)
			_, err = st.Lock(context.Background(), "x")
			require.ErrorIs(t, err, client.ErrInvalidRequest)
		})
	}
	st := redisstore.New(rdb, nil, redisstore.WithPrefix("p:"), redisstore.WithLockLease(time.Second))
	require.NoError(t, st.Err(), "a nil option is skipped")
	assert.Equal(t, "p:", st.Prefix())
}

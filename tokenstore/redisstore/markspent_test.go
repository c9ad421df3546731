package redisstore_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore/redisstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// TestMarkSpentIsFenced: a holder paused past its lease marks nothing
// spent (storetest.SendRecordFenced), on Redis and on the Redis Cluster.
func TestMarkSpentIsFenced(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, rdb redis.UniversalClient, st *redisstore.Store) {
		storetest.SendRecordFenced(t, st, "fenced", func() {
			// Paused past its lease: the lock expires.
			require.NoError(t, rdb.Del(context.Background(), st.Prefix()+"{"+st.Prefix()+"}lock:fenced").Err())
		})
	}
	t.Run("Redis", func(t *testing.T) {
		t.Parallel()
		rdb := setup(t)
		run(t, rdb, newStore(t, rdb))
	})
	t.Run("Cluster", func(t *testing.T) {
		t.Parallel()
		rdb := setupCluster(t)
		run(t, rdb, clusterStore(t, rdb))
	})
}

package redisstore_test

import (
	"context"
	"fmt"
	"os"
	"slices"
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

// setupCluster returns a client of the Redis Cluster named by
// OAUTHX_REDIS_CLUSTER (scripts/test.sh starts one), or skips (fails in
// CI).
func setupCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	env := os.Getenv("OAUTHX_REDIS_CLUSTER")
	if env == "" {
		storetest.ServiceMissing(t, "Redis Cluster (OAUTHX_REDIS_CLUSTER, started by scripts/test.sh)", fmt.Errorf("OAUTHX_REDIS_CLUSTER is not set"))
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(env, ",")})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := rdb.ClusterInfo(ctx).Result()
	if err == nil && !strings.Contains(info, "cluster_state:ok") {
		err = fmt.Errorf("cluster info does not say cluster_state:ok")
	}
	if err != nil {
		_ = rdb.Close()
		storetest.ServiceMissing(t, "Redis Cluster on "+env, err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// scanAll is `redis-cli --scan --pattern pattern` on every master.
func scanAll(t *testing.T, rdb redis.UniversalClient, pattern string) []string {
	t.Helper()
	ctx := context.Background()
	var keys []string
	scan := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, pattern, 100).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		return iter.Err()
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		var mu = make(chan struct{}, 1)
		require.NoError(t, cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			mu <- struct{}{}
			defer func() { <-mu }()
			return scan(ctx, c)
		}))
	} else {
		require.NoError(t, scan(ctx, rdb.(*redis.Client)))
	}
	slices.Sort(keys)
	return keys
}

// clusterStore is a store under a fresh prefix on the cluster whose keys
// are deleted when the test ends.
func clusterStore(t *testing.T, rdb *redis.ClusterClient) *redisstore.Store {
	st := redisstore.New(rdb, redisstore.WithPrefix(uniquePrefix()))
	t.Cleanup(func() {
		for _, k := range scanAll(t, rdb, st.Prefix()+"*") {
			_ = rdb.Del(context.Background(), k).Err()
		}
		for _, k := range scanAll(t, rdb, "{"+st.Prefix()+"}*") {
			_ = rdb.Del(context.Background(), k).Err()
		}
	})
	return st
}

func TestKeysStartWithThePrefix(t *testing.T) {
	t.Parallel()
	rdb := setup(t)
	testKeysStartWithThePrefix(t, rdb, newStore(t, rdb))
}

func TestClusterKeysStartWithThePrefix(t *testing.T) {
	t.Parallel()
	rdb := setupCluster(t)
	testKeysStartWithThePrefix(t, rdb, clusterStore(t, rdb))
}

// Every key of the store is found by a scan for PREFIX*, and carries the
// prefix as its hash tag (one slot on a cluster).
func testKeysStartWithThePrefix(t *testing.T, rdb redis.UniversalClient, st *redisstore.Store) {
	ctx := context.Background()
	require.NoError(t, st.Save(ctx, storetest.Sample("k")))
	l, err := st.LockLease(ctx, "k")
	require.NoError(t, err)
	_, err = l.(tokenstore.SendRecorder).BeginSend(ctx, storetest.Sample("k"))
	require.NoError(t, err)
	p := st.Prefix()
	want := []string{p + "{" + p + "}lock:k", p + "{" + p + "}meta", p + "{" + p + "}sending:k", p + "{" + p + "}session:k"}
	assert.Equal(t, want, scanAll(t, rdb, p+"*"))
	require.NoError(t, l.Release())
	keys, err := st.Keys(ctx)
	require.NoError(t, err)
	slices.Sort(keys)
	assert.Equal(t, []string{want[1], want[2], want[3]}, keys)
	assert.Equal(t, "oauthx:", redisstore.DefaultPrefix)
}

func TestOldKeysMigrate(t *testing.T) {
	t.Parallel()
	rdb := setup(t)
	testOldKeysMigrate(t, rdb, func() *redisstore.Store { return newStore(t, rdb) })
}

func TestClusterOldKeysMigrate(t *testing.T) {
	t.Parallel()
	rdb := setupCluster(t)
	testOldKeysMigrate(t, rdb, func() *redisstore.Store { return clusterStore(t, rdb) })
	storetest.Run(t, func(t *testing.T) tokenstore.Store { return clusterStore(t, rdb) })
}

// writeOld stores sess as an earlier version did: {PREFIX}session:ID and
// its entry in the {PREFIX}meta hash.
func writeOld(t *testing.T, rdb redis.UniversalClient, prefix string, ids ...string) {
	t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		v, err := tokenstore.Encode(storetest.Sample(id))
		require.NoError(t, err)
		require.NoError(t, rdb.Set(ctx, "{"+prefix+"}session:"+id, v, 0).Err())
		require.NoError(t, rdb.HSet(ctx, "{"+prefix+"}meta", id, `{"p":"generic","s":"subject-of-`+id+`"}`).Err())
	}
}

// Sessions an earlier version stored under {PREFIX}… are found by every
// call, moved to the new names (list entry and send record too), and a
// deleted one does not come back.
func testOldKeysMigrate(t *testing.T, rdb redis.UniversalClient, newStore func() *redisstore.Store) {
	ctx := context.Background()
	st := newStore()
	p := st.Prefix()
	old := "{" + p + "}"
	writeOld(t, rdb, p, "loaded", "listed", "cas", "casnil", "deleted", "saved", "bulk1", "bulk2")
	require.NoError(t, rdb.Set(ctx, old+"sending:loaded", "fp|token", time.Minute).Err())

	// Load: found, moved with its list entry and send record (with its TTL).
	s, err := st.Load(ctx, "loaded")
	require.NoError(t, err)
	assert.Equal(t, storetest.Sample("loaded").AccessToken, s.AccessToken)
	assert.Zero(t, rdb.Exists(ctx, old+"session:loaded", old+"sending:loaded").Val())
	assert.False(t, rdb.HExists(ctx, old+"meta", "loaded").Val())
	assert.True(t, rdb.HExists(ctx, p+old+"meta", "loaded").Val())
	assert.Equal(t, "fp|token", rdb.Get(ctx, p+old+"sending:loaded").Val())
	assert.Positive(t, rdb.PTTL(ctx, p+old+"sending:loaded").Val())

	// Compare-and-set: the old value is the stored one.
	require.ErrorIs(t, st.CompareAndSave(ctx, nil, storetest.Sample("casnil")), tokenstore.ErrConflict)
	next := storetest.Sample("cas")
	next.AccessToken = "at-sentinel-next"
	require.NoError(t, st.CompareAndSave(ctx, storetest.Sample("cas"), next))
	s, err = st.Load(ctx, "cas")
	require.NoError(t, err)
	assert.Equal(t, "at-sentinel-next", s.AccessToken)

	// Delete and Save remove the old names: nothing comes back.
	require.NoError(t, st.Delete(ctx, "deleted"))
	_, err = st.Load(ctx, "deleted")
	require.ErrorIs(t, err, tokenstore.ErrNotFound)
	saved := storetest.Sample("saved")
	saved.AccessToken = "at-sentinel-saved-anew"
	require.NoError(t, st.Save(ctx, saved))
	assert.Zero(t, rdb.Exists(ctx, old+"session:saved").Val())

	// Migrate moves the rest; List sees every session once.
	n, err := st.Migrate(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "listed, bulk1, bulk2 (casnil was moved by its compare-and-set)")
	n, err = st.Migrate(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "a second run has nothing to move")
	assert.Empty(t, scanAll(t, rdb, redisGlob(old)+"*"), "no key is left under the old names")
	list, err := st.List(ctx, tokenstore.Filter{})
	require.NoError(t, err)
	var ids []string
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{"bulk1", "bulk2", "cas", "casnil", "listed", "loaded", "saved"}, ids)

	// List alone moves old sessions too.
	st2 := newStore()
	writeOld(t, rdb, st2.Prefix(), "a", "b")
	list, err = st2.List(ctx, tokenstore.Filter{Subject: "subject-of-b"})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "b", list[0].ID)
	assert.Empty(t, scanAll(t, rdb, redisGlob("{"+st2.Prefix()+"}")+"*"))
}

func redisGlob(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`).Replace(s)
}

func TestPrefixWithBraceRefused(t *testing.T) {
	for _, p := range []string{"a{b}:", "{", "}"} {
		err := redisstore.New(redis.NewClient(&redis.Options{Addr: redisAddr}), redisstore.WithPrefix(p)).Err()
		require.Error(t, err, p)
		assert.ErrorContains(t, err, "redisstore.WithPrefix")
	}
}

package redisstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

func TestMain(m *testing.M) {
	storetest.Main(func(_ context.Context, prefix string) (tokenstore.Store, error) {
		return redisstore.New(redis.NewClient(&redis.Options{Addr: redisAddr}), redisstore.WithPrefix(prefix)), nil
	})
	os.Exit(m.Run())
}

func TestCrossProcessRefreshStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 8 processes")
	}
	st := newStore(t, setup(t))
	storetest.Storm(t, st, st.Prefix(), storetest.StormConfig{})
}

func TestCrashDuringSave(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns and kills processes")
	}
	st := newStore(t, setup(t))
	storetest.Crash(t, st, st.Prefix(), 25)
}

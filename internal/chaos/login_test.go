package chaos

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

// sharedRedis is the shared Redis of the tests; the suite only reads and
// writes its own keys there, never stops it.
const sharedRedis = "127.0.0.1:6379"

// TestLoginSavedDuringRefresh: while a refresh is in flight (the provider
// has rotated the session, its answer is not sent yet) the user logs in
// again and the new session is saved. The refresh result must not
// overwrite it: the store ends holding the login's session.
func TestLoginSavedDuringRefresh(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		spec func(t *testing.T) storeSpec
	}{
		{"file", func(t *testing.T) storeSpec {
			return storeSpec{Kind: "file", Dir: filepath.Join(t.TempDir(), "sessions")}
		}},
		{"Redis", func(t *testing.T) storeSpec {
			rdb := redis.NewClient(&redis.Options{Addr: sharedRedis})
			defer rdb.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			if err := rdb.Ping(ctx).Err(); err != nil {
				storetest.ServiceMissing(t, "Redis on "+sharedRedis, err)
			}
			return storeSpec{Kind: "redis", Addrs: []string{sharedRedis}, Prefix: unique("chaos:")}
		}},
		{"PostgreSQL", func(t *testing.T) storeSpec { return pgSpec(t, openPostgres(t)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st, closeStore, err := openStore(ctx, tc.spec(t))
			require.NoError(t, err)
			t.Cleanup(closeStore)
			p := newProvider(t, 0)
			c := p.client(t)
			total := counts{Leaks: -1}
			for range runs {
				id := unique("login-")
				t.Cleanup(func() { _ = st.Delete(context.Background(), id) })
				seed := makeDue(p.login(t, c, id))
				require.NoError(t, st.Save(ctx, seed))
				fam := p.familyOf(seed.RefreshToken)
				var mu sync.Mutex
				var login *client.Session
				var loginErr error
				p.onRefresh(func(rt string) {
					if rt != seed.RefreshToken {
						return
					}
					// A login, saved with plain Save (it is based on nothing).
					s, err := c.ExchangeCode(ctx, p.issueCode(), client.WithSessionID(id))
					if err == nil {
						err = st.Save(ctx, s)
					}
					mu.Lock()
					login, loginErr = s, err
					mu.Unlock()
				})
				var run counts
				var handed []handout
				if tok, err := tokenstore.NewTokenSource(st, c, id).Token(); err != nil {
					run.TokenErrors++
					t.Logf("Token: %v", err)
				} else {
					handed = append(handed, handout{tok.AccessToken, time.Now()})
				}
				p.onRefresh(nil)
				mu.Lock()
				require.NoError(t, loginErr, "the login during the refresh")
				require.NotNil(t, login, "the refresh never reached the provider: no login was saved during it")
				expect := p.familyOf(login.RefreshToken)
				mu.Unlock()
				j := p.judge(t, st, c, id, expect, handed)
				refreshes := len(p.refreshRequests(fam))
				j.TokenErrors = run.TokenErrors
				j.RefreshRequests, j.Expiries = refreshes, 1
				total.add(j)
			}
			report(t, "login saved while a refresh is in flight ("+tc.name+")", total, false)
		})
	}
}

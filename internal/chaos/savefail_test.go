package chaos

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
)

// TestSaveFails: the store's Save fails once, or twice, right after a
// refresh rotated the session. The rotated session must not be lost: it
// is the only live one (the stored refresh token is spent), so it must be
// kept, refreshed from, and saved once the store takes writes again —
// with one refresh request for the expiry. Each run calls Token
// failures+2 times, moving the TokenSource's clock on by 1.1 s after each
// call (TokenSource retries a failed save on the first call a second or
// more after the failure), then reads the store.
func TestSaveFails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		failures int
	}{
		{"Save fails once after a refresh", 1},
		{"Save fails twice after a refresh", 2},
	} {
		t.Run(fmt.Sprint(tc.failures), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			p := newProvider(t, 0)
			c := p.client(t)
			file, err := tokenstore.NewFile(filepath.Join(t.TempDir(), "sessions"))
			require.NoError(t, err)
			st := &failingStore{Store: file}
			total := counts{Leaks: -1}
			for i := range runs {
				id := unique("savefail-")
				seed := makeDue(p.login(t, c, id))
				require.NoError(t, st.Save(ctx, seed))
				fam := p.familyOf(seed.RefreshToken)
				injected := st.injectedSoFar()
				st.failNext(tc.failures)
				var clockMu sync.Mutex
				clock := time.Now()
				now := func() time.Time {
					clockMu.Lock()
					defer clockMu.Unlock()
					return clock
				}
				ts := tokenstore.NewTokenSource(st, c, id, tokenstore.WithClock(now))
				var run counts
				var handed []handout
				for range tc.failures + 2 {
					tok, err := ts.Token()
					clockMu.Lock()
					clock = clock.Add(1100 * time.Millisecond)
					clockMu.Unlock()
					if err != nil {
						run.TokenErrors++
						var se *tokenstore.SaveError
						if !errors.As(err, &se) {
							t.Logf("run %d: Token: %v", i, err)
						}
						continue
					}
					handed = append(handed, handout{tok.AccessToken, time.Now()})
				}
				require.Equal(t, tc.failures, st.injectedSoFar()-injected,
					"the refresh and its retries did not write through the store: the failures were not all injected")
				st.failNext(0)
				j := p.judge(t, st, c, id, fam, handed)
				refreshes := len(p.refreshRequests(fam))
				j.TokenErrors = run.TokenErrors
				j.RefreshRequests, j.Expiries = refreshes, 1
				total.add(j)
			}
			report(t, tc.name, total, false)
		})
	}
}

package chaos

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
)

// TestHolderStoppedAfterSending: child A holds the Redis lease, has sent
// its refresh and got the answer, and is SIGSTOPped before it saves, for
// longer than the lease. B then finds the stored session due, takes the
// lock and sends the same refresh token again: a second send no client
// can avoid (A's answer is in a stopped process, the store still holds
// the session it replaced). The strict provider sees the reuse and
// revokes the family, A's new tokens with it: the session is gone
// whatever the client does. The correct outcome, asserted: the store
// ends holding nothing revoked (the dead session deleted, A's revoked
// result not saved), no revoked or stale token is handed out, and the
// refresh token went out exactly twice.
func TestHolderStoppedAfterSending(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	spec := storeSpec{Kind: "redis", Addrs: []string{r.addr}, Prefix: unique("chaos:"), Lease: lease}
	e := newHolderEnv(t, spec, func(string) storeSpec { return spec })
	total := counts{Leaks: -1}
	deadLeft := 0
	for i := range runs {
		id, fam := e.seed(t, "aftersend", i)
		var run counts
		reachGate(t, e.a, id, gateAfterSend, &run)
		e.a.signal(syscall.SIGSTOP)
		time.Sleep(lease + lease/2)
		e.b.send(command{Op: "token", ID: id})
		rb := e.b.expect("token", replyTimeout)
		e.a.signal(syscall.SIGCONT)
		e.a.send(command{Op: "go"})
		ra := e.a.expect("token", replyTimeout)
		handed := append(replyHandout(ra, &run), replyHandout(rb, &run)...)
		j := e.p.judge(t, e.st, e.c, id, fam, handed)
		j.RefreshRequests, j.Expiries = len(e.p.refreshRequests(fam)), 1
		j.TokenErrors = run.TokenErrors
		final, err := e.st.Load(context.Background(), id)
		switch {
		case err == nil:
			if !e.p.honoured(final.AccessToken, time.Now()) {
				deadLeft++
			}
		case !errors.Is(err, tokenstore.ErrNotFound):
			require.NoError(t, err)
		}
		total.add(j)
	}
	writeRow(t, "Redis lock holder SIGSTOPped past its lease after sending (the provider revokes on the unavoidable reuse)", total)
	assert.GreaterOrEqual(t, total.Runs, runs)
	assert.Zero(t, deadLeft, "a revoked session was left in the store")
	assert.Zero(t, total.Stale, "stale writes")
	assert.Zero(t, total.Unhonoured, "revoked access tokens handed out")
	assert.Equal(t, 2*total.Expiries, total.RefreshRequests, "the refresh token goes out twice: once by A, once by B")
}

package chaos

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

// runs is how many times every scenario runs.
const runs = 20

// lease is the Redis lock lease of the holder scenarios (redisstore's
// minimum).
const lease = time.Second

// replyTimeout bounds every wait for a child (a hang guard, never a speed
// check).
const replyTimeout = 90 * time.Second

// holderEnv is the setting of the holder scenarios: a provider, the
// test's view of the store, and two child processes on the same store —
// A, which takes the lock and is hit by the fault, and B, which asks for
// a token meanwhile.
type holderEnv struct {
	p    *provider
	c    *client.Client
	st   tokenstore.Store
	a, b *proc
}

// holderFault is a fault that hits the lock holder mid-refresh.
type holderFault struct {
	name string
	// setup starts what the fault needs and returns the store the test
	// uses, the one each child opens, and the fault itself: inject hits
	// child a (stopped at gateHeldCheck, holding the lock) and returns
	// what undoes it, if anything, once B is done.
	setup func(t *testing.T) (spec storeSpec, childSpec func(child string) storeSpec, inject func(a *proc) (resume func()))
}

// holderFaults are the lock-holder faults of the suite, each on its own
// server: a redis-server of the test's own (see startRedis) or the
// shared PostgreSQL, of which only A's own backend is terminated.
var holderFaults = []holderFault{
	{"Redis lock holder SIGSTOPped past its lease", func(t *testing.T) (storeSpec, func(string) storeSpec, func(*proc) func()) {
		r := startRedis(t)
		spec := storeSpec{Kind: "redis", Addrs: []string{r.addr}, Prefix: unique("chaos:"), Lease: lease}
		return spec, func(string) storeSpec { return spec }, func(a *proc) func() {
			a.signal(syscall.SIGSTOP)
			time.Sleep(lease + lease/2) // its last renewal was at most a lease ago
			return func() { a.signal(syscall.SIGCONT) }
		}
	}},
	{"Redis (AOF, appendfsync always) restarted mid-refresh", func(t *testing.T) (storeSpec, func(string) storeSpec, func(*proc) func()) {
		r := startRedis(t)
		spec := storeSpec{Kind: "redis", Addrs: []string{r.addr}, Prefix: unique("chaos:"), Lease: lease}
		return spec, func(string) storeSpec { return spec }, func(*proc) func() {
			r.restart(lease + lease/2) // down for longer than the lease
			return func() {}
		}
	}},
	{"PostgreSQL lock backend terminated mid-refresh", func(t *testing.T) (storeSpec, func(string) storeSpec, func(*proc) func()) {
		db := openPostgres(t)
		spec := pgSpec(t, db)
		apps := map[string]string{}
		return spec, func(child string) storeSpec {
				s := spec
				apps[child] = unique("oauthx_chaos_" + child + "_")
				s.DSN = appDSN(apps[child])
				return s
			}, func(*proc) func() {
				n := terminateLockHolder(t, db, apps["A"])
				require.Positive(t, n, "no backend of A held the lock: the fault was not injected")
				return func() {}
			}
	}},
}

// newHolderEnv starts the provider and the two children.
func newHolderEnv(t *testing.T, spec storeSpec, childSpec func(string) storeSpec) *holderEnv {
	t.Helper()
	p := newProvider(t, 0)
	st, closeStore, err := openStore(context.Background(), spec)
	require.NoError(t, err)
	t.Cleanup(closeStore)
	cfg := func(child string) childConfig {
		return childConfig{Store: childSpec(child), URL: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret}
	}
	e := &holderEnv{p: p, c: p.client(t), st: st}
	e.a = startChild(t, "A", cfg("A"))
	e.b = startChild(t, "B", cfg("B"))
	return e
}

// seed saves a due session under a fresh ID and returns the ID and the
// session's family.
func (e *holderEnv) seed(t *testing.T, name string, i int) (string, *family) {
	t.Helper()
	id := fmt.Sprintf("%s-%d", unique(name+"-"), i)
	s := makeDue(e.p.login(t, e.c, id))
	require.NoError(t, e.st.Save(context.Background(), s))
	return id, e.p.familyOf(s.RefreshToken)
}

// reachGate has child a take id's lock and stop at gate. A
// Token call that fails before it gets there (a Redis client still
// reconnecting after the previous run's restart) is counted in
// c.TokenErrors and tried again, up to 10 times.
func reachGate(t *testing.T, a *proc, id, gate string, c *counts) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		a.send(command{Op: "token", ID: id, Gate: gate})
		r := a.next("gate", replyTimeout)
		if r.Op == "gate" {
			return
		}
		require.Equal(t, "token", r.Op)
		require.Less(t, attempt, 10, "child A never reached the lock: %s", r.Err)
		if r.Err == "" {
			t.Fatalf("child A got a token without refreshing the due session %s", id)
		}
		c.TokenErrors++
		t.Logf("child A before the lock: %s (trying again)", r.Err)
		time.Sleep(300 * time.Millisecond)
	}
}

// TestHolderFaultsFreeTheLock checks the fault injection itself: with A
// stopped at the gate holding the lock, each fault must let another
// holder (the test) take the lock — otherwise the scenarios would test
// nothing.
func TestHolderFaultsFreeTheLock(t *testing.T) {
	t.Parallel()
	for _, f := range holderFaults {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			spec, childSpec, inject := f.setup(t)
			e := newHolderEnv(t, spec, childSpec)
			for i := range 2 {
				id, _ := e.seed(t, "probe", i)
				var c counts
				reachGate(t, e.a, id, gateHeldCheck, &c)
				// Without the fault the lock is A's: the test cannot have it.
				short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				_, err := e.st.Lock(short, id)
				cancel()
				require.Error(t, err, "the lock was free while A held it")
				resume := inject(e.a)
				ctx, cancel := context.WithTimeout(context.Background(), replyTimeout)
				unlock, err := e.st.Lock(ctx, id)
				cancel()
				require.NoError(t, err, "the fault did not free A's lock")
				require.NoError(t, unlock())
				resume()
				e.a.send(command{Op: "go"})
				e.a.expect("token", replyTimeout)
			}
		})
	}
}

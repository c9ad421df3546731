package chaos

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// dueAt is when TokenSource refreshes a session issued at issued that
// expires at expiry, with early-expiry margin early.
func dueAt(issued, expiry time.Time, early time.Duration) time.Time {
	return expiry.Add(-min(early, expiry.Sub(issued)/2))
}

// TestClusterStorm: 8 processes × 64 goroutines call Token on one session
// stored in a real Redis Cluster (three masters, started by
// scripts/test.sh) through at least 20 expiries: access tokens live 2 s
// and are refreshed 1 s early. Every expiry must cost exactly one refresh
// request, no refresh token may be sent twice, and every token handed out
// must be one the provider honoured then. Each expiry counts as a run.
// Not parallel: it needs the machine to itself more than the others.
func TestClusterStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 8 processes for ~25 s")
	}
	const (
		procs, goroutines = 8, 64
		lifetime, early   = 2 * time.Second, time.Second
		expiries          = runs
	)
	addrs := clusterAddrs(t)
	ctx := context.Background()
	spec := storeSpec{Kind: "cluster", Addrs: addrs, Prefix: unique("chaos:")}
	st, closeStore, err := openStore(ctx, spec)
	require.NoError(t, err)
	t.Cleanup(closeStore)
	p := newProvider(t, lifetime)
	c := p.client(t)
	cfg := childConfig{Store: spec, URL: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret, Early: early}
	children := make([]*proc, procs)
	for i := range children {
		children[i] = startChild(t, fmt.Sprint("storm-", i), cfg)
	}

	id := unique("storm-")
	t.Cleanup(func() { _ = st.Delete(context.Background(), id) })
	seed := p.login(t, c, id)
	require.NoError(t, st.Save(ctx, seed))
	fam := p.familyOf(seed.RefreshToken)
	// The seed is due 1 s after it was issued, then every second: run
	// through expiries+1 due points.
	until := seed.IssuedAt.Add(early + time.Duration(expiries+1)*(lifetime-early) + (lifetime-early)/2)
	for _, ch := range children {
		ch.send(command{Op: "storm", ID: id, Goroutines: goroutines, Until: until})
	}
	var handed []handout
	// When each session came due, in the client's view (its IssuedAt is
	// when the request was made).
	due := map[string]time.Time{seed.AccessToken: dueAt(seed.IssuedAt, seed.Expiry, early)}
	total := counts{Leaks: -1}
	var calls int64
	for _, ch := range children {
		r := ch.expect("storm", time.Until(until)+replyTimeout)
		calls += r.Calls
		total.TokenErrors += int(r.Errors)
		if r.Err != "" {
			t.Logf("child %s: %d Token errors, the first: %s", ch.name, r.Errors, r.Err)
		}
		handed = append(handed, r.Handed...)
		for _, s := range r.Refreshed {
			due[s.Access] = dueAt(s.IssuedAt, s.Expiry, early)
		}
	}

	reqs := p.refreshRequests(fam)
	for _, r := range reqs {
		// A refresh is for an expiry if the session it replaced was due
		// when the request arrived; one that came earlier is a second
		// refresh for the previous expiry.
		d, known := due[p.accessFor(r.rt)]
		if r.ok && known && !r.at.Before(d) {
			total.Expiries++
		}
	}
	total.RefreshRequests = len(reqs)
	j := p.judge(t, st, c, id, fam, handed)
	total.Lost, total.Stale, total.Unhonoured = j.Lost, j.Stale, j.Unhonoured
	total.Runs = total.Expiries
	t.Logf("storm: %d processes × %d goroutines, %d Token calls, %d distinct access tokens handed out, %d refresh requests, %d expiries",
		procs, goroutines, calls, len(handed), len(reqs), total.Expiries)
	report(t, fmt.Sprintf("%d processes × %d goroutines storm on a Redis Cluster (3 masters; runs = expiries)", procs, goroutines), total, false)
	require.Zero(t, total.TokenErrors, "Token calls failed during the storm")
}

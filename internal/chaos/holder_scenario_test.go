package chaos

import (
	"testing"
)

// TestHolderFaults runs each lock-holder fault 20 times. Each run: a due
// session is saved; child A takes the lock, re-reads the session and
// stops at the start of its lock check (gateHeldCheck), before it sends
// anything; the fault hits it; child B, another process, asks for a token; then A goes on. A
// fenced lock keeps A from refreshing or saving with what it read: one
// refresh request per expiry, and the store holds B's live session.
func TestHolderFaults(t *testing.T) {
	t.Parallel()
	for _, f := range holderFaults {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			spec, childSpec, inject := f.setup(t)
			e := newHolderEnv(t, spec, childSpec)
			total := counts{Leaks: -1}
			for i := range runs {
				id, fam := e.seed(t, "holder", i)
				var run counts
				reachGate(t, e.a, id, gateHeldCheck, &run)
				resume := inject(e.a)
				e.b.send(command{Op: "token", ID: id})
				rb := e.b.expect("token", replyTimeout)
				resume()
				e.a.send(command{Op: "go"})
				ra := e.a.expect("token", replyTimeout)

				handed := append(replyHandout(ra, &run), replyHandout(rb, &run)...)
				j := e.p.judge(t, e.st, e.c, id, fam, handed)
				refreshes := len(e.p.refreshRequests(fam))
				j.TokenErrors = run.TokenErrors
				j.RefreshRequests, j.Expiries = refreshes, 1
				if j.Lost+j.Stale+j.Unhonoured > 0 || refreshes != 1 {
					t.Logf("run %d: lost %d stale %d unhonoured %d refresh requests %d; A: %q; B: %q", i, j.Lost, j.Stale, j.Unhonoured, refreshes, ra.Err, rb.Err)
				}
				total.add(j)
			}
			report(t, f.name, total, false)
		})
	}
}

// replyHandout returns the token a "token" reply handed out, if any, and
// counts an error in c.
func replyHandout(r reply, c *counts) []handout {
	if r.Err != "" {
		c.TokenErrors++
		return nil
	}
	return []handout{{r.Access, r.At}}
}

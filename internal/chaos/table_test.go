package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
)

// counts is what a scenario measured over its runs.
type counts struct {
	Runs int
	// Lost: runs that ended with the store not holding the live session
	// (nothing, a dead one, or another one while the expected one lives).
	Lost int
	// Stale: runs that ended with the store holding an older session than
	// one saved or issued meanwhile (an earlier generation, an older login,
	// or tokens the validated provider never issued).
	Stale int
	// Unhonoured: access tokens handed out (by Token, and by a fresh
	// TokenSource once the store settled) that the provider had revoked by
	// then, or never issued.
	Unhonoured int
	// RefreshRequests sent over Expiries expiries, counted once the store
	// settled (judge's fresh TokenSource included: an expiry that every
	// process failed to renew, say while Redis was away, is renewed then).
	RefreshRequests, Expiries int
	// Leaks: requests to a host other than the validated one that carried
	// the client secret or a grant; -1 when the scenario has no other host.
	Leaks int
	// TokenErrors: Token calls that returned an error (logged, not a
	// column: some scenarios expect them).
	TokenErrors int
}

func (c *counts) add(o counts) {
	c.Runs += o.Runs
	c.Lost += o.Lost
	c.Stale += o.Stale
	c.Unhonoured += o.Unhonoured
	c.RefreshRequests += o.RefreshRequests
	c.Expiries += o.Expiries
	c.TokenErrors += o.TokenErrors
	if o.Leaks >= 0 && c.Leaks >= 0 {
		c.Leaks += o.Leaks
	}
}

// handout is an access token handed out, and when.
type handout struct {
	Access string    `json:"access"`
	At     time.Time `json:"at"`
}

// judge measures one run that is over: final is what the store holds
// (nil: nothing), expect the family it must hold (the newest login's),
// handed the tokens handed out during the run. It adds the token a fresh
// TokenSource hands out from the settled store.
func (p *provider) judge(t *testing.T, st tokenstore.Store, c *client.Client, id string, expect *family, handed []handout) counts {
	t.Helper()
	ctx := context.Background()
	final, err := st.Load(ctx, id)
	if err != nil && !errors.Is(err, tokenstore.ErrNotFound) {
		t.Fatalf("load %s after the run: %v", id, err)
	}
	out := counts{Runs: 1, Leaks: -1}
	live := p.liveRefresh(expect)
	if final == nil || live == "" || final.RefreshToken != live {
		out.Lost = 1
	}
	if final != nil && (p.familyOf(final.RefreshToken) != expect || p.spentToken(final.RefreshToken)) {
		out.Stale = 1
	}
	if final != nil {
		// Once settled: what does a process starting now get?
		if tok, err := tokenstore.NewTokenSource(st, c, id).Token(); err == nil {
			handed = append(handed, handout{tok.AccessToken, time.Now()})
		}
	}
	for _, h := range handed {
		if !p.honoured(h.Access, h.At) {
			out.Unhonoured++
		}
	}
	return out
}

// row is one line of the "Faults survived" table.
func (c counts) row(name string) string {
	perExpiry := "n/a"
	if c.Expiries > 0 {
		perExpiry = fmt.Sprintf("%.2f (%d/%d)", float64(c.RefreshRequests)/float64(c.Expiries), c.RefreshRequests, c.Expiries)
	}
	leaks := "n/a"
	if c.Leaks >= 0 {
		leaks = fmt.Sprint(c.Leaks)
	}
	return fmt.Sprintf("| %s | %d | %d | %d | %d | %s | %s |", name, c.Runs, c.Lost, c.Stale, c.Unhonoured, perExpiry, leaks)
}

const tableHeader = "| scenario | runs | live sessions lost | stale writes | revoked tokens handed out | refresh requests per expiry | secrets to another host |\n" +
	"|---|---|---|---|---|---|---|\n"

var tableMu sync.Mutex

// report writes the scenario's row (writeRow) and asserts its counts: 0
// lost, 0 stale, 0 unhonoured, 0 leaks, at least 20 runs, and — unless
// paused says a process was paused or cut off after sending — exactly
// one refresh request per expiry.
func report(t *testing.T, name string, c counts, paused bool) {
	t.Helper()
	writeRow(t, name, c)
	assert.GreaterOrEqual(t, c.Runs, 20, "every scenario runs at least 20 times")
	assert.Zero(t, c.Lost, "live sessions lost")
	assert.Zero(t, c.Stale, "stale writes")
	assert.Zero(t, c.Unhonoured, "revoked (or never issued) access tokens handed out")
	assert.LessOrEqual(t, c.Leaks, 0, "secrets or grants sent to another host")
	if c.Expiries > 0 {
		if paused {
			assert.GreaterOrEqual(t, c.RefreshRequests, c.Expiries, "refresh requests per expiry")
		} else {
			assert.Equal(t, c.Expiries, c.RefreshRequests, "refresh requests per expiry")
		}
	}
}

// writeRow logs the scenario's row and appends it to $OAUTHX_CHAOS_TABLE
// when set.
func writeRow(t *testing.T, name string, c counts) {
	t.Helper()
	r := c.row(name)
	t.Logf("chaos table row (Token errors: %d):\n%s%s", c.TokenErrors, tableHeader, r)
	path := os.Getenv("OAUTHX_CHAOS_TABLE")
	if path == "" {
		return
	}
	tableMu.Lock()
	defer tableMu.Unlock()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err == nil {
		if fi, serr := f.Stat(); serr == nil && fi.Size() == 0 {
			_, _ = f.WriteString(tableHeader)
		}
		_, err = f.WriteString(r + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Errorf("write %s: %v", path, err)
	}
}

package shopify

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/oauthx/oauthx/client"
)

// MigrateParams configures Client.MigrateSessions.
type MigrateParams struct {
	// Sessions are the stored sessions to look at, e.g. what
	// store.List(ctx, tokenstore.Filter{Provider: "shopify"}) returns. The
	// non-expiring offline ones are migrated; the others are skipped.
	Sessions []*client.Session
	// Refresher migrates each one through the refresh protocol (store
	// lock, re-read, compare-and-set), as the middleware does: a
	// *tokenstore.Refresher built with this Client's Renew and Fresh.
	// Required unless DryRun.
	Refresher Refresher
	// DryRun only reports what would be migrated.
	DryRun bool
	// Concurrency is how many migrations run at once. Zero: 4.
	Concurrency int
	// Progress, if set, is called after each session (one call at a time).
	Progress func(MigrationResult)
	// RateLimitWaits bounds how often one session waits out Shopify's 429
	// (its Retry-After, at least a second) before it counts as failed.
	// Zero: 5.
	RateLimitWaits int
}

// MigrationOutcome is what MigrateSessions did with one session.
type MigrationOutcome string

// Migration outcomes.
const (
	// Migrated: the session is now an expiring offline one (migrated by
	// this call, or by another process meanwhile).
	Migrated MigrationOutcome = "migrated"
	// WouldMigrate: DryRun, and the session is a non-expiring offline one.
	WouldMigrate MigrationOutcome = "would migrate"
	// Skipped: nothing to do (already expiring, online, not Shopify's).
	Skipped MigrationOutcome = "skipped"
	// Failed: see Reason and Err.
	Failed MigrationOutcome = "failed"
)

// MigrationResult is the outcome for one session.
type MigrationResult struct {
	// ID is the session's ID; Shop its shop.
	ID, Shop string
	// Outcome is what happened.
	Outcome MigrationOutcome
	// Reason explains a skip or a failure in a few words (never a token).
	Reason string
	// Err is the failure, if any: client.ErrReauthorize for a token
	// Shopify refused (the session was deleted), client.ErrRateLimited or
	// client.ErrTransient for one to try again later.
	Err error
}

// MigrationSummary counts the outcomes of MigrateSessions.
type MigrationSummary struct {
	// Migrated, WouldMigrate, Skipped and Failed count the results by
	// outcome.
	Migrated, WouldMigrate, Skipped, Failed int
	// Results has one entry per session, in the order of Sessions.
	Results []MigrationResult
}

// NeedsMigration reports whether s is a stored non-expiring offline
// session that Shopify's 2027 rule requires migrating: an offline session
// with an access token, no expiry and no refresh token, of a Client
// without Config.InsecureNonExpiringOfflineTokens.
func (c *Client) NeedsMigration(s *client.Session) bool {
	return s != nil && !c.cfg.InsecureNonExpiringOfflineTokens && isOffline(s) && s.AccessToken != "" &&
		s.RefreshToken == "" && s.NeverExpires() && (s.Provider == "" || s.Provider == ProviderName)
}

// MigrateSessions migrates every stored non-expiring offline session of
// p.Sessions to an expiring one (Shopify's migration token exchange),
// p.Concurrency at a time, each through p.Refresher: under the store's
// lock, re-read, saved by compare-and-set. It is safe to interrupt and
// run again: a session already migrated is skipped, and one whose
// migration was cut off after Shopify answered is migrated again with the
// same token, which Shopify answers with the same pair for 7 days. A 429
// is waited out (Retry-After) up to p.RateLimitWaits times per session.
// A token Shopify refuses is a dead session: the protocol deletes it and
// the result is Failed with client.ErrReauthorize.
//
// The error is ctx's when it ended before every session was done (the
// summary then holds what was done); failures of single sessions are in
// the summary, not the error.
func (c *Client) MigrateSessions(ctx context.Context, p MigrateParams) (*MigrationSummary, error) {
	if p.Refresher == nil && !p.DryRun {
		return nil, c.invalid("MigrateParams.Refresher is required")
	}
	if p.Concurrency < 0 || p.RateLimitWaits < 0 {
		return nil, c.invalid("MigrateParams: negative Concurrency or RateLimitWaits")
	}
	if p.Concurrency == 0 {
		p.Concurrency = 4
	}
	if p.RateLimitWaits == 0 {
		p.RateLimitWaits = 5
	}
	sum := &MigrationSummary{Results: make([]MigrationResult, len(p.Sessions))}
	var mu sync.Mutex // Progress and the counters
	var pause rateGate
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(p.Concurrency, max(len(p.Sessions), 1)) {
		wg.Go(func() {
			for i := range jobs {
				r := c.migrateOne(ctx, p, p.Sessions[i], &pause)
				mu.Lock()
				sum.Results[i] = r
				switch r.Outcome {
				case Migrated:
					sum.Migrated++
				case WouldMigrate:
					sum.WouldMigrate++
				case Skipped:
					sum.Skipped++
				case Failed:
					sum.Failed++
				}
				if p.Progress != nil {
					p.Progress(r)
				}
				mu.Unlock()
			}
		})
	}
	done := 0
feed:
	for i := range p.Sessions {
		select {
		case jobs <- i:
			done++
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if done < len(p.Sessions) {
		sum.Results = sum.Results[:done]
		return sum, ctx.Err()
	}
	return sum, nil
}

func (c *Client) migrateOne(ctx context.Context, p MigrateParams, s *client.Session, pause *rateGate) MigrationResult {
	r := MigrationResult{ID: s.ID, Shop: s.Subject}
	switch {
	case !c.NeedsMigration(s):
		r.Outcome, r.Reason = Skipped, skipReason(c, s)
		return r
	case p.DryRun:
		r.Outcome = WouldMigrate
		return r
	}
	for attempt := 0; ; attempt++ {
		if err := pause.wait(ctx); err != nil {
			r.Outcome, r.Reason, r.Err = Failed, "interrupted", err
			return r
		}
		ns, err := p.Refresher.Renew(ctx, s.ID)
		var ce *client.Error
		switch {
		case err == nil && ns != nil && !ns.NeverExpires():
			r.Outcome = Migrated
			return r
		case err == nil:
			r.Outcome, r.Reason, r.Err = Failed, "the stored session is still not expiring (build the Refresher with WithFreshness(app.Fresh))", errors.New("not migrated")
			return r
		case errors.Is(err, client.ErrRateLimited) && attempt < p.RateLimitWaits:
			wait := time.Second
			if errors.As(err, &ce) && ce.RetryAfter > wait {
				wait = ce.RetryAfter
			}
			pause.hold(wait)
			continue
		case errors.Is(err, client.ErrSessionNotFound):
			r.Outcome, r.Reason = Skipped, "no longer stored"
			return r
		case errors.Is(err, client.ErrReauthorize):
			r.Outcome, r.Reason, r.Err = Failed, "Shopify refused the token (uninstalled or revoked): session deleted", err
			return r
		case errors.Is(err, client.ErrRateLimited):
			r.Outcome, r.Reason, r.Err = Failed, "rate limited: run again later", err
			return r
		case errors.Is(err, client.ErrTransient):
			r.Outcome, r.Reason, r.Err = Failed, "transient failure: run again", err
			return r
		default:
			r.Outcome, r.Reason, r.Err = Failed, "migration failed", err
			return r
		}
	}
}

func skipReason(c *Client, s *client.Session) string {
	switch {
	case s.Provider != "" && s.Provider != ProviderName:
		return "not a Shopify session"
	case !isOffline(s):
		return "online session"
	case s.AccessToken == "":
		return "no access token yet"
	case c.cfg.InsecureNonExpiringOfflineTokens:
		return "non-expiring tokens kept (InsecureNonExpiringOfflineTokens)"
	}
	return "already expiring"
}

// rateGate holds every worker back until Shopify's Retry-After passed.
type rateGate struct {
	mu    sync.Mutex
	until time.Time
}

func (g *rateGate) hold(d time.Duration) {
	g.mu.Lock()
	if t := time.Now().Add(d); t.After(g.until) {
		g.until = t
	}
	g.mu.Unlock()
}

func (g *rateGate) wait(ctx context.Context) error {
	g.mu.Lock()
	d := time.Until(g.until)
	g.mu.Unlock()
	return client.Sleep(ctx, d)
}

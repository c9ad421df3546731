package tokenstore

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauthx/oauthx/client"
)

// DefaultEarlyExpiry is how long before its Expiry a TokenSource refreshes
// a session unless WithEarlyExpiry says otherwise.
const DefaultEarlyExpiry = time.Minute

// DefaultRefreshTimeout bounds the slow path of Token (which has no
// context): taking the store's lock, loading, refreshing and saving.
const DefaultRefreshTimeout = 2 * time.Minute

// TokenSource hands out the access token of one stored session and
// refreshes it when it nears expiry, without ever sending a single-use
// refresh token twice. It implements oauth2.TokenSource and is safe for
// concurrent use.
//
// The fast path, a cached session that is not near expiry, is one atomic
// load and a clock read: no lock, no allocation. With the default clock
// that read is of the monotonic clock, checked against the wall clock
// at least once a second. Otherwise TokenSource runs the refresh
// protocol of Refresher (see its steps) with RefreshWith(c) and
// FreshFor(WithEarlyExpiry): single flight in the process, waiters in
// other processes polling the store, the store's fenced lock, re-read,
// refresh, compare-and-set save before anyone is handed the new token.
//
// A refresh answered with client.ErrReauthorize (the grant is dead)
// deletes the session from the store, only if it is still the one that
// was refreshed: the user must authorize again, and the error matches
// client.ErrReauthorize. (If the stored session was replaced while the
// refresh was in flight, by a new login, the replacement is kept and
// handed out instead.)
//
// A refresh whose result cannot be saved does not lose the session: the
// new tokens are handed out (Token returns them with a nil error), kept
// in memory, and refreshed from when they near expiry — the stored
// session's spent refresh token is never sent again by this
// TokenSource. The save is retried by the first call at least a second
// (on the TokenSource's clock) after each failure, and Unsaved reports
// the pending *SaveError meanwhile. Until it succeeds other processes
// still read the old session, and a process that exits meanwhile loses
// the new tokens.
//
// A session with a zero Expiry never expires and is never refreshed.
type TokenSource struct {
	id      string
	cfg     tsConfig
	r       *Refresher
	initErr error

	cur atomic.Pointer[cached]
	// base anchors monotonic deadlines (default clock only).
	base time.Time

	flight flightSlot[*cached]
}

// cached is an immutable snapshot: the session, its oauth2 form built
// once, and when it must be refreshed.
type cached struct {
	sess      *client.Session
	tok       *oauth2.Token
	refreshAt time.Time // zero: never
	// monoDeadline is the fast path's deadline on the monotonic clock,
	// as time since TokenSource.base: refreshAt, but never more than
	// recheckEvery after the snapshot, so a suspended machine (whose
	// monotonic clock stops) looks at the wall clock again soon after it
	// wakes.
	monoDeadline time.Duration
}

// recheckEvery bounds how long the fast path trusts the monotonic clock
// before it compares the wall clock with the session's expiry again.
const recheckEvery = time.Second

// saveRetryEvery is how soon after a failed save of a refreshed session
// the next call retries it.
const saveRetryEvery = time.Second

func (c *cached) fresh(now time.Time) bool {
	return c.refreshAt.IsZero() || now.Before(c.refreshAt)
}

type tsConfig struct {
	early   time.Duration
	now     func() time.Time
	custom  bool // now was set by WithClock
	hook    func(context.Context, *client.Session)
	timeout time.Duration
	errs    []error // options given invalid values
}

// TokenSourceOption configures NewTokenSource. A nil one is skipped; one
// given an invalid value makes every call of the TokenSource fail with a
// *client.OptionError (NewTokenSource has no error result).
type TokenSourceOption func(*tsConfig)

func (c *tsConfig) invalid(option, reason string) {
	c.errs = append(c.errs, invalidOption(option, reason))
}

// WithEarlyExpiry refreshes a session d before its Expiry (default
// DefaultEarlyExpiry), so a token handed out is good for at least d.
// Negative is an invalid value. For tokens that live less than 2d (from
// IssuedAt to Expiry) the margin is half their lifetime, so a short-lived
// token is not refreshed on every call.
func WithEarlyExpiry(d time.Duration) TokenSourceOption {
	return func(c *tsConfig) {
		if d < 0 {
			c.invalid("WithEarlyExpiry", "negative duration")
			return
		}
		c.early = d
	}
}

// WithClock sets the clock deciding when a session needs a refresh
// (default time.Now). A nil clock is an invalid value.
func WithClock(now func() time.Time) TokenSourceOption {
	return func(c *tsConfig) {
		if now == nil {
			c.invalid("WithClock", "nil clock")
			return
		}
		c.now, c.custom = now, true
	}
}

// WithAfterRefresh calls hook after each refresh this TokenSource made
// and saved, outside the store's lock, with a copy of the new session.
// Refreshes made by other processes are not reported. A nil hook is an
// invalid value.
func WithAfterRefresh(hook func(ctx context.Context, s *client.Session)) TokenSourceOption {
	return func(c *tsConfig) {
		if hook == nil {
			c.invalid("WithAfterRefresh", "nil hook")
			return
		}
		c.hook = hook
	}
}

// WithRefreshTimeout bounds the slow path of Token, which has no context
// (default DefaultRefreshTimeout; zero means the default). Session takes
// its bound from its ctx. It must not be negative.
func WithRefreshTimeout(d time.Duration) TokenSourceOption {
	return func(c *tsConfig) {
		if d < 0 {
			c.invalid("WithRefreshTimeout", "negative duration")
			return
		}
		if d > 0 {
			c.timeout = d
		}
	}
}

// NewTokenSource returns a TokenSource for the session stored under id,
// refreshing it with c. Nothing is loaded until the first call. A nil st
// or c makes every call fail with an error matching
// client.ErrInvalidRequest.
func NewTokenSource(st Store, c *client.Client, id string, opts ...TokenSourceOption) *TokenSource {
	cfg := tsConfig{early: DefaultEarlyExpiry, now: time.Now, timeout: DefaultRefreshTimeout}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	ts := &TokenSource{id: id, cfg: cfg, base: time.Now()}
	if err := errors.Join(cfg.errs...); err != nil {
		ts.initErr = err
		return ts
	}
	if c == nil {
		ts.initErr = invalidOption("NewTokenSource", "nil *client.Client")
		return ts
	}
	ropts := []RefresherOption{
		WithFreshness(FreshFor(cfg.early)),
		WithRefresherClock(func() time.Time { return ts.cfg.now() }),
	}
	if cfg.hook != nil {
		ropts = append(ropts, WithRenewed(cfg.hook))
	}
	ts.r, ts.initErr = NewRefresher(st, RefreshWith(c), ropts...)
	return ts
}

// fast returns the cached session if it needs no refresh: an atomic load
// and one clock read (the monotonic clock alone with the default clock,
// which costs half of time.Now).
func (ts *TokenSource) fast() *cached {
	c := ts.cur.Load()
	switch {
	case c == nil:
		return nil
	case c.refreshAt.IsZero():
		return c
	case !ts.cfg.custom:
		if time.Since(ts.base) < c.monoDeadline {
			return c
		}
		return nil
	case ts.cfg.now().Before(c.refreshAt):
		return c
	}
	return nil
}

// Token implements oauth2.TokenSource. The returned token is shared by
// every caller until the next refresh: do not modify it.
func (ts *TokenSource) Token() (*oauth2.Token, error) {
	if c := ts.fast(); c != nil {
		return c.tok, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), ts.cfg.timeout)
	defer cancel()
	c, err := ts.slow(ctx)
	if err != nil {
		return nil, err
	}
	return c.tok, nil
}

// Session returns a copy of the current session, refreshing it first if
// needed, under ctx.
func (ts *TokenSource) Session(ctx context.Context) (*client.Session, error) {
	if c := ts.fast(); c != nil {
		return c.sess.Clone(), nil
	}
	c, err := ts.slow(ctx)
	if err != nil {
		return nil, err
	}
	return c.sess.Clone(), nil
}

// Unsaved returns the *SaveError of a refreshed session the store has
// not accepted yet (its tokens are the ones handed out), or nil.
func (ts *TokenSource) Unsaved() error {
	if ts.r == nil {
		return nil
	}
	return ts.r.Unsaved(ts.id)
}

// Forget drops the cached session, so the next call reads the store
// again (after a logout elsewhere, say). A refreshed session that could
// not be saved yet is not forgotten: it is the only live one.
func (ts *TokenSource) Forget() { ts.cur.Store(nil) }

// slow runs the single flight: one goroutine works, the others wait for
// its result.
func (ts *TokenSource) slow(ctx context.Context) (*cached, error) {
	if ts.initErr != nil {
		return nil, ts.initErr
	}
	c, _, err := ts.flight.do(ctx, ts.renew)
	return c, err
}

// renew is the single flight's work: re-arm a snapshot whose monotonic
// deadline passed while the wall clock says it is still fresh, or renew
// through the Refresher.
func (ts *TokenSource) renew(ctx context.Context) (*cached, error) {
	if c := ts.fast(); c != nil {
		return c, nil
	}
	if c := ts.cur.Load(); c != nil && c.fresh(ts.cfg.now()) {
		c = ts.rearm(c)
		ts.cur.Store(c)
		return c, nil
	}
	s, err := ts.r.Renew(ctx, ts.id)
	var se *SaveError
	switch {
	case errors.As(err, &se) && s != nil:
		// Live but unsaved: hand it out, retry the save soon.
		c := ts.snapshot(s, true)
		ts.cur.Store(c)
		return c, nil
	case err != nil:
		if errors.Is(err, ErrNotFound) || errors.Is(err, client.ErrReauthorize) {
			ts.cur.Store(nil)
		}
		return nil, err
	}
	c := ts.snapshot(s, false)
	ts.cur.Store(c)
	return c, nil
}

// snapshot caches s. An unsaved session is due again saveRetryEvery from
// now, so the next call retries its save.
func (ts *TokenSource) snapshot(s *client.Session, unsaved bool) *cached {
	c := &cached{sess: s, tok: s.Token(), refreshAt: renewAt(s, ts.cfg.early)}
	if unsaved {
		retry := ts.cfg.now().Add(saveRetryEvery)
		if c.refreshAt.IsZero() || retry.Before(c.refreshAt) {
			c.refreshAt = retry
		}
	}
	return ts.rearm(c)
}

// rearm returns c with its monotonic deadline set from now.
func (ts *TokenSource) rearm(c *cached) *cached {
	if c.refreshAt.IsZero() {
		return c
	}
	left := c.refreshAt.Sub(ts.cfg.now())
	n := *c
	n.monoDeadline = time.Since(ts.base) + min(max(left, 0), recheckEvery)
	return &n
}

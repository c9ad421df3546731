package tokenstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
// at least once a second. Otherwise:
//
//  1. one goroutine of the process goes on (single flight); the others
//     wait for its result;
//  2. it loads the session from the store: another process may already
//     have refreshed it;
//  3. if it still needs a refresh, it takes the store's cross-process
//     Lock, loads again, and refreshes only if the stored session still
//     needs it;
//  4. it saves the rotated session before anyone is handed the new
//     access token, then unlocks.
//
// A refresh answered with client.ErrReauthorize (the grant is dead)
// deletes the session from the store: the user must authorize again. The
// error reaches the caller and matches client.ErrReauthorize with
// errors.Is. (If the stored session was replaced while the refresh was in
// flight, by a new login saved without the lock, the replacement is kept
// and handed out instead.) A refresh whose result cannot be saved returns a *SaveError.
//
// A session with a zero Expiry never expires and is never refreshed.
type TokenSource struct {
	store  Store
	client *client.Client
	id     string
	cfg    tsConfig

	cur atomic.Pointer[cached]
	// base anchors monotonic deadlines (default clock only).
	base time.Time

	mu     sync.Mutex
	flight *flight
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

func (c *cached) fresh(now time.Time) bool {
	return c.refreshAt.IsZero() || now.Before(c.refreshAt)
}

type flight struct {
	done chan struct{}
	c    *cached
	err  error
}

type tsConfig struct {
	early   time.Duration
	now     func() time.Time
	custom  bool // now was set by WithClock
	hook    func(context.Context, *client.Session)
	timeout time.Duration
}

// TokenSourceOption configures NewTokenSource.
type TokenSourceOption func(*tsConfig)

// WithEarlyExpiry refreshes a session d before its Expiry (default
// DefaultEarlyExpiry), so a token handed out is good for at least d.
// Negative values count as zero. For tokens that live less than 2d (from
// IssuedAt to Expiry) the margin is half their lifetime, so a short-lived
// token is not refreshed on every call.
func WithEarlyExpiry(d time.Duration) TokenSourceOption {
	return func(c *tsConfig) { c.early = max(d, 0) }
}

// WithClock sets the clock deciding when a session needs a refresh
// (default time.Now). A nil clock is ignored.
func WithClock(now func() time.Time) TokenSourceOption {
	return func(c *tsConfig) {
		if now != nil {
			c.now, c.custom = now, true
		}
	}
}

// WithAfterRefresh calls hook after each refresh this TokenSource made
// and saved, outside the store's lock, with a copy of the new session.
// Refreshes made by other processes are not reported.
func WithAfterRefresh(hook func(ctx context.Context, s *client.Session)) TokenSourceOption {
	return func(c *tsConfig) { c.hook = hook }
}

// WithRefreshTimeout bounds the slow path of Token, which has no context
// (default DefaultRefreshTimeout). Session takes its bound from its ctx.
func WithRefreshTimeout(d time.Duration) TokenSourceOption {
	return func(c *tsConfig) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// NewTokenSource returns a TokenSource for the session stored under id,
// refreshing it with c. Nothing is loaded until the first call.
func NewTokenSource(st Store, c *client.Client, id string, opts ...TokenSourceOption) *TokenSource {
	cfg := tsConfig{early: DefaultEarlyExpiry, now: time.Now, timeout: DefaultRefreshTimeout}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return &TokenSource{store: st, client: c, id: id, cfg: cfg, base: time.Now()}
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

// Forget drops the cached session, so the next call reads the store
// again (after a logout elsewhere, say).
func (ts *TokenSource) Forget() { ts.cur.Store(nil) }

// slow runs the single flight: one goroutine works, the others wait for
// its result. A waiter whose leader gave up because of the leader's own
// context tries again as leader.
func (ts *TokenSource) slow(ctx context.Context) (*cached, error) {
	for {
		ts.mu.Lock()
		if c := ts.fast(); c != nil {
			ts.mu.Unlock()
			return c, nil
		}
		if c := ts.cur.Load(); c != nil && c.fresh(ts.cfg.now()) {
			// Only the monotonic deadline passed: re-arm it.
			c = ts.snapshot(c.sess)
			ts.cur.Store(c)
			ts.mu.Unlock()
			return c, nil
		}
		if f := ts.flight; f != nil {
			ts.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if f.err != nil && isContextErr(f.err) && ctx.Err() == nil {
				continue
			}
			return f.c, f.err
		}
		f := &flight{done: make(chan struct{})}
		ts.flight = f
		ts.mu.Unlock()

		f.c, f.err = ts.refresh(ctx)
		ts.mu.Lock()
		ts.flight = nil
		if f.c != nil {
			ts.cur.Store(f.c)
		}
		ts.mu.Unlock()
		close(f.done)
		return f.c, f.err
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (ts *TokenSource) snapshot(s *client.Session) *cached {
	c := &cached{sess: s, tok: s.Token()}
	if !s.NeverExpires() {
		early := ts.cfg.early
		if !s.IssuedAt.IsZero() && s.Expiry.After(s.IssuedAt) {
			early = min(early, s.Expiry.Sub(s.IssuedAt)/2)
		}
		c.refreshAt = s.Expiry.Add(-early)
		left := c.refreshAt.Sub(ts.cfg.now())
		c.monoDeadline = time.Since(ts.base) + min(max(left, 0), recheckEvery)
	}
	return c
}

// refresh is the leader's work.
func (ts *TokenSource) refresh(ctx context.Context) (*cached, error) {
	// A plain load first: another process may have refreshed already, and
	// then no lock is needed.
	s, err := ts.load(ctx)
	if err != nil {
		return nil, err
	}
	if c := ts.snapshot(s); c.fresh(ts.cfg.now()) {
		return c, nil
	}

	lockedUnlock, err := ts.store.Lock(ctx, ts.id)
	if err != nil {
		return nil, fmt.Errorf("tokenstore: lock session %s: %w", quote(ts.id), err)
	}
	var once sync.Once
	unlock := func() { once.Do(func() { _ = lockedUnlock() }) } // a lost lease after our Save changes nothing
	defer unlock()

	s, err = ts.load(ctx)
	if err != nil {
		return nil, err
	}
	if c := ts.snapshot(s); c.fresh(ts.cfg.now()) {
		return c, nil // refreshed by another process while we waited
	}
	ns, err := ts.refreshStored(ctx, s)
	if errors.Is(err, client.ErrReauthorize) {
		return ts.endSession(ctx, s, err)
	}
	if err != nil {
		return nil, err
	}
	if err := ts.store.Save(ctx, ns); err != nil {
		// The rotated refresh token exists only in ns now.
		return nil, &SaveError{ID: ts.id, Session: ns, Err: err}
	}
	c := ts.snapshot(ns)
	if ts.cfg.hook != nil {
		unlock()
		ts.cfg.hook(ctx, ns.Clone())
	}
	return c, nil
}

func (ts *TokenSource) load(ctx context.Context) (*client.Session, error) {
	s, err := ts.store.Load(ctx, ts.id)
	if err != nil {
		ts.cur.Store(nil)
		return nil, err
	}
	return s, nil
}

// refreshStored sends the refresh and handles a dead grant.
func (ts *TokenSource) refreshStored(ctx context.Context, s *client.Session) (*client.Session, error) {
	now := ts.cfg.now()
	var ns *client.Session
	var err error
	if s.RefreshToken != "" && !s.CanRefresh(now) {
		err = &client.Error{Provider: s.Provider, Kind: client.ErrReauthorize, Description: "refresh token expired at " + s.RefreshExpiry.UTC().Format(time.RFC3339)}
	} else {
		ns, err = ts.client.Refresh(ctx, s)
	}
	if err != nil {
		if errors.Is(err, client.ErrReauthorize) {
			return nil, err // endSession wraps it
		}
		return nil, fmt.Errorf("tokenstore: refresh session %s: %w", quote(ts.id), err)
	}
	ns.ID = ts.id
	return ns, nil
}

// endSession handles a dead grant: it deletes the stored session, unless
// someone replaced it while the refresh was in flight (a new login saved
// without taking the lock), in which case the replacement is kept and,
// if it is fresh, handed out.
func (ts *TokenSource) endSession(ctx context.Context, dead *client.Session, cause error) (*cached, error) {
	ts.cur.Store(nil)
	cur, err := ts.store.Load(ctx, ts.id)
	if err == nil && (cur.RefreshToken != dead.RefreshToken || cur.AccessToken != dead.AccessToken) {
		if c := ts.snapshot(cur); c.fresh(ts.cfg.now()) {
			return c, nil
		}
		return nil, fmt.Errorf("tokenstore: refresh session %s (replaced meanwhile; try again): %w", quote(ts.id), cause)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, errors.Join(
			fmt.Errorf("tokenstore: refresh session %s: %w", quote(ts.id), cause),
			fmt.Errorf("tokenstore: could not re-read the dead session: %w", err))
	}
	if derr := ts.store.Delete(ctx, ts.id); derr != nil {
		return nil, errors.Join(
			fmt.Errorf("tokenstore: refresh session %s: %w", quote(ts.id), cause),
			fmt.Errorf("tokenstore: could not delete the dead session: %w", derr))
	}
	return nil, fmt.Errorf("tokenstore: refresh session %s (session deleted, authorize again): %w", quote(ts.id), cause)
}

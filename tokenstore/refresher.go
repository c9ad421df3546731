package tokenstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
)

// Refresher keeps the sessions of one Store fresh with one Renewal,
// without ever losing a session: it is DESIGN.md's refresh protocol, and
// the one implementation of it that TokenSource, the oauthx CLI and the
// Shopify middleware share. The invariant it keeps: the stored session
// is always the newest live one. Renew goes through these steps:
//
//  1. Fast path: a session that is still fresh (Freshness) is returned
//     as it is. (TokenSource adds its own lock-free cache in front.)
//  2. Near expiry: one goroutine of the process per session ID goes on
//     (single flight); the others wait for its result. It takes the
//     store's cross-process lock and, while waiting for it, polls the
//     store (jittered, WithPollInterval): as soon as the store holds a
//     fresh session it returns that one, without needing the lock.
//  3. Holding the lock (a file lock, a Redis lease, a PostgreSQL lock
//     tied to the transaction that reads and saves: see TxLease), it
//     re-reads the store and renews only if the stored session is still
//     not fresh. Right before sending the renewal it checks that it
//     still holds the lock (Lease.Held); a holder that lost it sends
//     nothing.
//     Where the lock can be lost mid-renewal (SendRecorder), that check
//     also records the send, so that a holder refused after an earlier
//     holder's unfinished send keeps the session (ErrRenewalInDoubt)
//     instead of deleting what that holder is about to save.
//  4. Every write is compare-and-set against the session the renewal was
//     based on (Store.CompareAndSave): a result never overwrites a
//     session someone saved meanwhile (a login); on ErrConflict the
//     refresher adopts the stored session. A dead grant
//     (client.ErrReauthorize) deletes only by Store.CompareAndDelete, so
//     a session replaced meanwhile is kept (and returned if fresh).
//  5. A renewed session that could not be saved is kept in memory: Renew
//     returns it together with a *SaveError, later calls retry the save
//     first (compare-and-set against the stored session it replaces),
//     and if it needs renewing again it is the one renewed — the older
//     stored session, whose refresh token the provider has already
//     rotated, is never sent again from this Refresher.
//  6. With WithReplaySafe, a renewal that failed ambiguously (the
//     provider may have acted: client.Error.MaybeConsumed) is sent again
//     with the same grant, for providers whose refresh is replay-safe
//     (Shopify since 2026-08-28).
//
// A Refresher is safe for concurrent use. Use one per store and renewal
// in a process (step 5's memory is per Refresher).
type Refresher struct {
	store Store
	renew Renewal
	cfg   refresherConfig

	flights flightGroup[*client.Session]

	mu      sync.Mutex
	pending map[string]*unsaved
}

// unsaved is a renewed session the store has not accepted yet: sess
// replaces base (nil: nothing was stored).
type unsaved struct {
	base, sess *client.Session
	err        error
}

type refresherConfig struct {
	fresh            Freshness
	now              func() time.Time
	hook             func(context.Context, *client.Session)
	pollMin, pollMax time.Duration
	replays          int
}

// RefresherOption configures NewRefresher. A nil RefresherOption is
// skipped; an invalid value makes NewRefresher fail with an error
// matching client.ErrInvalidRequest.
type RefresherOption func(*refresherConfig) error

// Default waiter polling (WithPollInterval).
const (
	DefaultPollMin = time.Millisecond
	DefaultPollMax = 50 * time.Millisecond
)

// WithFreshness sets the decision "still fresh enough, no renewal"
// (default FreshFor(DefaultEarlyExpiry)).
func WithFreshness(f Freshness) RefresherOption {
	return func(c *refresherConfig) error {
		if f == nil {
			return invalidOption("WithFreshness", "nil Freshness")
		}
		c.fresh = f
		return nil
	}
}

// WithRefresherClock sets the clock Freshness is asked with (default
// time.Now).
func WithRefresherClock(now func() time.Time) RefresherOption {
	return func(c *refresherConfig) error {
		if now == nil {
			return invalidOption("WithRefresherClock", "nil clock")
		}
		c.now = now
		return nil
	}
}

// WithRenewed calls hook after each renewal this Refresher made and
// saved, outside the store's lock, with a copy of the new session.
// Renewals made by other processes are not reported.
func WithRenewed(hook func(ctx context.Context, s *client.Session)) RefresherOption {
	return func(c *refresherConfig) error {
		if hook == nil {
			return invalidOption("WithRenewed", "nil hook")
		}
		c.hook = hook
		return nil
	}
}

// WithPollInterval sets how often a goroutine waiting for another
// process's renewal reads the store: first after about min, the interval
// growing by half each time up to max, each wait jittered between the
// interval and twice it so waiters do not poll in step (defaults
// DefaultPollMin, DefaultPollMax). It needs 0 < min <= max.
func WithPollInterval(min, max time.Duration) RefresherOption {
	return func(c *refresherConfig) error {
		if min <= 0 || max < min {
			return invalidOption("WithPollInterval", "need 0 < min <= max")
		}
		c.pollMin, c.pollMax = min, max
		return nil
	}
}

// WithReplaySafe sends a renewal again, up to n more times, after an
// ambiguous failure (client.Error.MaybeConsumed): only for providers
// whose renewal is replay-safe, that is, answer a resent refresh token
// with the same result instead of treating it as reuse. Default 0.
// Negative is an error.
func WithReplaySafe(n int) RefresherOption {
	return func(c *refresherConfig) error {
		if n < 0 {
			return invalidOption("WithReplaySafe", "negative count")
		}
		c.replays = n
		return nil
	}
}

// NewRefresher returns a Refresher for the sessions of st, renewing them
// with renew. Both are required.
func NewRefresher(st Store, renew Renewal, opts ...RefresherOption) (*Refresher, error) {
	if st == nil {
		return nil, invalidOption("NewRefresher", "nil Store")
	}
	if renew == nil {
		return nil, invalidOption("NewRefresher", "nil Renewal")
	}
	cfg := refresherConfig{fresh: FreshFor(DefaultEarlyExpiry), now: time.Now, pollMin: DefaultPollMin, pollMax: DefaultPollMax}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Refresher{store: st, renew: renew, cfg: cfg, pending: map[string]*unsaved{}}, nil
}

// Store returns the Refresher's store.
func (r *Refresher) Store() Store { return r.store }

// Renew returns a fresh session for id, renewing it if the stored one is
// not fresh. Concurrent calls for one ID in this process share one
// renewal; each gets its own copy of the result.
//
// Errors: those of the store (ErrNotFound when nothing is stored); the
// renewal's, wrapped (client.ErrReauthorize after the dead session was
// deleted); ErrStillStale when each round found the session replaced by
// another writer with one that is not fresh either; and *SaveError when
// a renewal succeeded but its save failed: Renew then returns the new
// session too (its tokens are live and the only copy), keeps it, and
// retries the save on the next call.
func (r *Refresher) Renew(ctx context.Context, id string) (*client.Session, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	s, leader, err := r.flights.do(ctx, id, func(ctx context.Context) (*client.Session, error) { return r.lead(ctx, id) })
	if !leader && s != nil {
		s = s.Clone()
	}
	return s, err
}

// Unsaved returns the *SaveError of a renewed session of id that the
// store has not accepted yet, or nil.
func (r *Refresher) Unsaved(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.pending[id]; p != nil {
		return &SaveError{ID: id, Session: p.sess.Clone(), Err: p.err}
	}
	return nil
}

func (r *Refresher) fresh(s *client.Session) bool { return r.cfg.fresh(s, r.cfg.now()) }

// maxRounds bounds how often lead starts over after adopting a session
// someone else stored that is itself not fresh.
const maxRounds = 3

// ErrStillStale is matched by the error of Refresher.Renew (and so of
// TokenSource) when every round of the protocol ended by adopting a
// session another writer had stored meanwhile that was itself not fresh:
// the store is contended and no fresh session could be had. No session is
// returned with it; the stored one is kept. Trying again later may
// succeed.
var ErrStillStale = errors.New("tokenstore: the stored session kept being replaced by sessions that are not fresh")

// lead is the single flight's work.
func (r *Refresher) lead(ctx context.Context, id string) (*client.Session, error) {
	for range maxRounds {
		s, renewed, err := r.round(ctx, id)
		switch {
		case err != nil:
			return s, err
		case renewed:
			if r.cfg.hook != nil {
				r.cfg.hook(ctx, s.Clone())
			}
			return s, nil
		case r.fresh(s):
			return s, nil
		}
		// Adopted a session someone else stored that is not fresh either:
		// start over.
	}
	return nil, errtext.Errorf("tokenstore: renew session %s: %d rounds, each replaced meanwhile: %w", strconv.Quote(id), maxRounds, ErrStillStale)
}

// round is one pass of the protocol. It returns the session to hand out
// and whether this call renewed it.
func (r *Refresher) round(ctx context.Context, id string) (*client.Session, bool, error) {
	r.mu.Lock()
	p := r.pending[id]
	r.mu.Unlock()
	if p != nil {
		if s, done, err := r.retrySave(ctx, id, p); done {
			return s, false, err
		}
	} else {
		s, err := r.store.Load(ctx, id)
		if err != nil || r.fresh(s) {
			return s, false, err
		}
	}
	lease, s, err := r.acquireOrWait(ctx, id)
	if err != nil || lease == nil {
		return s, false, err
	}
	defer func() { _ = lease.Release() }()
	view := storeView(lease, r.store)
	return r.locked(ctx, id, lease, view)
}

// retrySave retries the save of an unsaved renewal. done is false when
// the caller must go on to renew p's session under the lock.
func (r *Refresher) retrySave(ctx context.Context, id string, p *unsaved) (s *client.Session, done bool, err error) {
	err = r.store.CompareAndSave(ctx, p.base, p.sess)
	switch {
	case err == nil:
		r.setPending(id, nil)
		return p.sess, r.fresh(p.sess), nil
	case errors.Is(err, ErrConflict):
		// Someone stored another session (a login) after ours was renewed:
		// it is newer, adopt it.
		r.setPending(id, nil)
		s, err := r.store.Load(ctx, id)
		return s, true, err
	}
	r.setPending(id, &unsaved{base: p.base, sess: p.sess, err: err})
	if r.fresh(p.sess) {
		s := p.sess.Clone() // the kept copy stays the Refresher's
		return s, true, &SaveError{ID: id, Session: s, Err: err}
	}
	return nil, false, nil
}

// locked runs under the lock: re-read, renew if still needed, save.
func (r *Refresher) locked(ctx context.Context, id string, lease Lease, view sessionView) (*client.Session, bool, error) {
	r.mu.Lock()
	p := r.pending[id]
	r.mu.Unlock()
	cur, lerr := view.Load(ctx, id)
	base, from := cur, cur
	switch {
	case p != nil:
		if lerr == nil && !SameSession(cur, p.base) || errors.Is(lerr, ErrNotFound) && p.base != nil {
			// Replaced or deleted since our unsaved renewal: that write is
			// newer than anything we hold.
			r.setPending(id, nil)
			return cur, false, lerr
		}
		// The store still holds (or may hold, when it cannot be read) the
		// session our unsaved one replaces: renew from ours, save over it.
		base, from = p.base, p.sess
	case lerr != nil:
		return nil, false, lerr
	case r.fresh(cur):
		return cur, false, nil // renewed by another process while we waited
	}
	state, rec, err := beginSend(ctx, lease, base)
	if err != nil {
		return nil, false, errtext.Errorf("tokenstore: session %s: the lock was lost before the renewal was sent, nothing sent: %w", strconv.Quote(id), err)
	}
	if state == SendSpent {
		return nil, false, errtext.Errorf("tokenstore: renew session %s: nothing sent, its refresh token was already refused once: %w", strconv.Quote(id), ErrRenewalInDoubt)
	}
	ns, err := r.send(ctx, from)
	if errors.Is(err, client.ErrReauthorize) && state == SendUnfinished && SameSession(base, from) {
		// Refused, but an earlier holder sent this grant and has not
		// saved: the refusal may only mean it was used. Keep the session.
		if merr := rec.MarkSpent(ctx, base); merr != nil {
			return nil, false, errors.Join(
				errtext.Errorf("tokenstore: renew session %s (refused after an unfinished renewal; kept): %w", strconv.Quote(id), ErrRenewalInDoubt),
				errtext.Errorf("tokenstore: could not record the refusal: %w", merr))
		}
		return nil, false, errtext.Errorf("tokenstore: renew session %s (refused after an unfinished renewal by a holder that lost its lock; kept): %w", strconv.Quote(id), ErrRenewalInDoubt)
	}
	if errors.Is(err, client.ErrReauthorize) {
		s, err := r.dead(ctx, id, view, base, err)
		return s, false, err
	}
	if err != nil {
		return nil, false, errtext.Errorf("tokenstore: renew session %s: %w", strconv.Quote(id), err)
	}
	ns.ID = id
	return r.save(ctx, id, view, base, ns)
}

// beginSend is the check right before a renewal is sent: the lease's
// SendRecorder when it has one (and a stored session to record), else
// Lease.Held.
func beginSend(ctx context.Context, l Lease, base *client.Session) (SendState, SendRecorder, error) {
	if cl, ok := l.(*cancelLease); ok {
		l = cl.Lease
	}
	if rec, ok := l.(SendRecorder); ok && base != nil {
		state, err := rec.BeginSend(ctx, base)
		return state, rec, err
	}
	return SendNone, nil, l.Held(ctx)
}

// send runs the renewal, again after an ambiguous failure when the
// provider is replay-safe.
func (r *Refresher) send(ctx context.Context, from *client.Session) (*client.Session, error) {
	ns, err := r.renew(ctx, from.Clone())
	for i := 0; i < r.cfg.replays && err != nil && ambiguous(err) && ctx.Err() == nil; i++ {
		ns, err = r.renew(ctx, from.Clone())
	}
	if err == nil && ns == nil {
		err = errtext.Errorf("tokenstore: renewal returned no session: %w", client.ErrBadResponse)
	}
	return ns, err
}

// save writes ns over base by compare-and-set.
func (r *Refresher) save(ctx context.Context, id string, view sessionView, base, ns *client.Session) (*client.Session, bool, error) {
	err := view.CompareAndSave(ctx, base, ns)
	if _, tx := view.(txView); tx && err != nil && !errors.Is(err, ErrConflict) {
		// The lock's own connection failed (it may have been cut):
		// compare-and-set on a new one.
		err = r.store.CompareAndSave(ctx, base, ns)
	}
	switch {
	case err == nil:
		r.setPending(id, nil)
		return ns, true, nil
	case errors.Is(err, ErrConflict):
		r.setPending(id, nil)
		s, err := r.store.Load(ctx, id)
		return s, false, err
	}
	r.setPending(id, &unsaved{base: base, sess: ns.Clone(), err: err}) // the kept copy stays the Refresher's
	return ns, true, &SaveError{ID: id, Session: ns, Err: err}
}

// dead handles a dead grant: delete the session renewed from, unless it
// was replaced meanwhile (kept, and handed out if fresh).
func (r *Refresher) dead(ctx context.Context, id string, view sessionView, base *client.Session, cause error) (*client.Session, error) {
	r.setPending(id, nil)
	if base == nil {
		return nil, errtext.Errorf("tokenstore: renew session %s: %w", strconv.Quote(id), cause)
	}
	err := view.CompareAndDelete(ctx, base)
	if _, tx := view.(txView); tx && err != nil && !errors.Is(err, ErrConflict) {
		err = r.store.CompareAndDelete(ctx, base)
	}
	switch {
	case err == nil:
		return nil, errtext.Errorf("tokenstore: renew session %s (session deleted, authorize again): %w", strconv.Quote(id), cause)
	case errors.Is(err, ErrConflict):
		cur, lerr := r.store.Load(ctx, id)
		if lerr == nil && r.fresh(cur) {
			return cur, nil
		}
		err := errtext.Errorf("tokenstore: renew session %s (replaced meanwhile; try again): %w", strconv.Quote(id), cause)
		if lerr != nil {
			return nil, errors.Join(err, errtext.Errorf("tokenstore: could not re-read the session that replaced it: %w", lerr))
		}
		return nil, err
	}
	return nil, errors.Join(
		errtext.Errorf("tokenstore: renew session %s: %w", strconv.Quote(id), cause),
		errtext.Errorf("tokenstore: could not delete the dead session: %w", err))
}

func (r *Refresher) setPending(id string, p *unsaved) {
	r.mu.Lock()
	if p == nil {
		delete(r.pending, id)
	} else {
		r.pending[id] = p
	}
	r.mu.Unlock()
}

// acquireOrWait takes the lock, polling the store meanwhile: it returns
// the lease once held, or (with a nil lease) a fresh session the store
// came to hold first.
func (r *Refresher) acquireOrWait(ctx context.Context, id string) (Lease, *client.Session, error) {
	lctx, cancel := context.WithCancel(ctx)
	type result struct {
		l   Lease
		err error
	}
	got := make(chan result, 1)
	go func() {
		l, err := AcquireLease(lctx, r.store, id)
		got <- result{l, err}
	}()
	abandon := func() {
		cancel()
		go func() {
			if res := <-got; res.err == nil {
				_ = res.l.Release()
			}
		}()
	}
	delay := r.cfg.pollMin
	t := time.NewTimer(jitter(delay))
	defer t.Stop()
	for {
		select {
		case res := <-got:
			if res.err != nil {
				cancel()
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				return nil, nil, errtext.Errorf("tokenstore: lock session %s: %w", strconv.Quote(id), res.err)
			}
			return &cancelLease{Lease: res.l, cancel: cancel}, nil, nil
		case <-ctx.Done():
			abandon()
			return nil, nil, ctx.Err()
		case <-t.C:
			s, err := r.store.Load(ctx, id)
			switch {
			case err == nil && r.fresh(s):
				abandon()
				return nil, s, nil
			case errors.Is(err, ErrNotFound):
				abandon()
				return nil, nil, err
			}
			delay = min(delay+delay/2, r.cfg.pollMax)
			t.Reset(jitter(delay))
		}
	}
}

// jitter returns a wait between d and 2d.
func jitter(d time.Duration) time.Duration { return d + rand.N(d+1) }

// cancelLease ends the lock attempt's context when the lease is
// released: a TxLease's transaction lives in it.
type cancelLease struct {
	Lease
	cancel context.CancelFunc
}

// Release releases the lease, then cancels its context.
func (c *cancelLease) Release() error {
	err := c.Lease.Release()
	c.cancel()
	return err
}

// sessionView is where the holder of a lock reads and writes: the
// lock's transaction for a TxLease, else the store.
type sessionView interface {
	Load(ctx context.Context, id string) (*client.Session, error)
	CompareAndSave(ctx context.Context, old, s *client.Session) error
	CompareAndDelete(ctx context.Context, old *client.Session) error
}

func storeView(l Lease, st Store) sessionView {
	if cl, ok := l.(*cancelLease); ok {
		l = cl.Lease
	}
	if tl, ok := l.(TxLease); ok {
		return txView{tl}
	}
	return st
}

type txView struct{ TxLease }

// Load reads the locked session in the lease's transaction.
func (v txView) Load(ctx context.Context, _ string) (*client.Session, error) {
	return v.TxLease.Load(ctx)
}

// invalidOption is the error of a constructor or option given an invalid
// value.
func invalidOption(option, reason string) error {
	return &client.OptionError{Option: "tokenstore." + option, Reason: reason}
}

package tokenstore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// flightCall is one run of a single flight: the leader fills val and
// err, then closes done.
type flightCall[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// wait waits for the leader's result. again is true when the leader
// failed because of its own context (cancelled, timed out) while the
// waiter's is still good: the waiter should try again, as leader if
// need be.
func (c *flightCall[T]) wait(ctx context.Context) (val T, err error, again bool) {
	select {
	case <-c.done:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err(), false
	}
	if c.err != nil && isContextErr(c.err) && ctx.Err() == nil {
		var zero T
		return zero, nil, true
	}
	return c.val, c.err, false
}

// flightSlot is a single flight for one key, lock-free: when hundreds of
// goroutines find a token due at once, they wait on the leader's channel
// without queueing on a mutex first.
type flightSlot[T any] struct{ cur atomic.Pointer[flightCall[T]] }

// do returns fn's result and whether this caller ran it.
func (s *flightSlot[T]) do(ctx context.Context, fn func(context.Context) (T, error)) (T, bool, error) {
	for {
		if c := s.cur.Load(); c != nil {
			v, err, again := c.wait(ctx)
			if again {
				continue
			}
			return v, false, err
		}
		c := &flightCall[T]{done: make(chan struct{})}
		if !s.cur.CompareAndSwap(nil, c) {
			continue
		}
		c.val, c.err = fn(ctx)
		s.cur.Store(nil)
		close(c.done)
		return c.val, true, c.err
	}
}

// flightGroup is a single flight per key (session ID), for callers that
// serve many keys.
type flightGroup[T any] struct {
	mu sync.Mutex
	m  map[string]*flightCall[T]
}

// do returns fn's result and whether this caller ran it.
func (g *flightGroup[T]) do(ctx context.Context, key string, fn func(context.Context) (T, error)) (T, bool, error) {
	for {
		g.mu.Lock()
		if c, ok := g.m[key]; ok {
			g.mu.Unlock()
			v, err, again := c.wait(ctx)
			if again {
				continue
			}
			return v, false, err
		}
		if g.m == nil {
			g.m = map[string]*flightCall[T]{}
		}
		c := &flightCall[T]{done: make(chan struct{})}
		g.m[key] = c
		g.mu.Unlock()

		c.val, c.err = fn(ctx)
		g.mu.Lock()
		delete(g.m, key)
		g.mu.Unlock()
		close(c.done)
		return c.val, true, c.err
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

package tokenstore

import (
	"context"
	"errors"
	"sync"
)

// flightGroup runs one call per key at a time: the first caller (the
// leader) runs fn, the others wait for its result. A waiter whose leader
// failed because of the leader's own context (cancelled, timed out)
// while the waiter's is still good tries again, as leader if need be.
type flightGroup[T any] struct {
	mu sync.Mutex
	m  map[string]*flightCall[T]
}

type flightCall[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// do returns fn's result and whether this caller ran it.
func (g *flightGroup[T]) do(ctx context.Context, key string, fn func(context.Context) (T, error)) (T, bool, error) {
	for {
		g.mu.Lock()
		if c, ok := g.m[key]; ok {
			g.mu.Unlock()
			select {
			case <-c.done:
			case <-ctx.Done():
				var zero T
				return zero, false, ctx.Err()
			}
			if c.err != nil && isContextErr(c.err) && ctx.Err() == nil {
				continue
			}
			return c.val, false, c.err
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

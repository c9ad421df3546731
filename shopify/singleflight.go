package shopify

import (
	"context"
	"sync"
)

// group runs one call per key at a time; callers that arrive while it runs
// share its result. A small own version of golang.org/x/sync/singleflight
// with two differences that matter here: a waiter whose context ends
// returns at once without cancelling the shared call, and the shared call
// runs under a context detached from the first caller's cancellation (but
// keeping its values), so one impatient caller cannot fail the others.
// The HTTP client's timeout still bounds it.
type group[V any] struct {
	mu    sync.Mutex
	calls map[string]*call[V]
}

type call[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// do runs fn for key, or waits for the run in progress.
func (g *group[V]) do(ctx context.Context, key string, fn func(context.Context) (V, error)) (V, error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[string]*call[V]{}
	}
	if c, ok := g.calls[key]; ok {
		g.mu.Unlock()
		return c.wait(ctx)
	}
	c := &call[V]{done: make(chan struct{})}
	g.calls[key] = c
	g.mu.Unlock()

	go func() {
		defer func() {
			g.mu.Lock()
			delete(g.calls, key)
			g.mu.Unlock()
			close(c.done)
		}()
		c.val, c.err = fn(context.WithoutCancel(ctx))
	}()
	return c.wait(ctx)
}

// wait returns the call's result, or ctx's error if ctx ends first.
func (c *call[V]) wait(ctx context.Context) (V, error) {
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

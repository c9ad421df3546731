package shopify

import (
	"sync"
	"time"

	"github.com/oauthx/oauthx/client"
)

// DefaultSessionCacheSize is how many decoded sessions the middleware
// keeps in memory unless MiddlewareConfig.SessionCacheSize says otherwise.
const DefaultSessionCacheSize = 10_000

// sessionCache keeps decoded sessions, so that a request for a shop whose
// session is fresh costs a map read instead of a store read and a JSON
// decode. An entry is used only while it is fresh (its renewAt, checked on
// every read), and is replaced or dropped by the middleware's own writes:
// a renewal, an exchange, a session dropped after an Admin API 401. Past
// max entries an arbitrary one is evicted. Sessions in it are never
// modified: readers get copies.
type sessionCache struct {
	max int
	mu  sync.RWMutex
	m   map[string]cacheEntry
}

type cacheEntry struct {
	s       *client.Session
	renewAt time.Time // zero: fresh forever
}

func newSessionCache(max int) *sessionCache {
	return &sessionCache{max: max, m: make(map[string]cacheEntry, min(max, 1024))}
}

// get returns the cached session of id if it is still fresh at now.
func (c *sessionCache) get(id string, now time.Time) (*client.Session, bool) {
	if c.max <= 0 {
		return nil, false
	}
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if !ok || !e.renewAt.IsZero() && !now.Before(e.renewAt) {
		return nil, false
	}
	return e.s, true
}

// put caches s (which must not be modified afterwards) until renewAt.
func (c *sessionCache) put(s *client.Session, renewAt time.Time) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	if _, ok := c.m[s.ID]; !ok && len(c.m) >= c.max {
		for id := range c.m {
			delete(c.m, id)
			break
		}
	}
	c.m[s.ID] = cacheEntry{s: s, renewAt: renewAt}
	c.mu.Unlock()
}

// drop forgets id's session if it is still s (nil: whatever it is).
func (c *sessionCache) drop(id string, s *client.Session) {
	c.mu.Lock()
	if e, ok := c.m[id]; ok && (s == nil || e.s.AccessToken == s.AccessToken) {
		delete(c.m, id)
	}
	c.mu.Unlock()
}

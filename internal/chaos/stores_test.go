package chaos

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/redisstore"
	"github.com/oauthx/oauthx/tokenstore/sqlstore"
)

// storeSpec says which store to open, in the test and in its children.
type storeSpec struct {
	Kind   string        `json:"kind"` // "file", "redis", "cluster" or "postgres"
	Dir    string        `json:"dir,omitempty"`
	Addrs  []string      `json:"addrs,omitempty"`
	Prefix string        `json:"prefix,omitempty"`
	Lease  time.Duration `json:"lease,omitempty"`
	DSN    string        `json:"dsn,omitempty"`
	Table  string        `json:"table,omitempty"`
}

// openStore opens spec's store; close releases its connections.
func openStore(ctx context.Context, spec storeSpec) (st tokenstore.Store, closeFn func(), err error) {
	switch spec.Kind {
	case "file":
		f, err := tokenstore.NewFile(spec.Dir)
		return f, func() {}, err
	case "redis", "cluster":
		var rdb redis.UniversalClient
		if spec.Kind == "redis" {
			rdb = redis.NewClient(&redis.Options{Addr: spec.Addrs[0]})
		} else {
			rdb = redis.NewClusterClient(&redis.ClusterOptions{Addrs: spec.Addrs})
		}
		opts := []redisstore.Option{redisstore.WithPrefix(spec.Prefix)}
		if spec.Lease > 0 {
			opts = append(opts, redisstore.WithLockLease(spec.Lease))
		}
		return redisstore.New(rdb, opts...), func() { _ = rdb.Close() }, nil
	case "postgres":
		db, err := sql.Open("pgx", spec.DSN)
		if err != nil {
			return nil, nil, err
		}
		s, err := sqlstore.New(ctx, db, sqlstore.WithTable(spec.Table))
		if err != nil {
			_ = db.Close()
			return nil, nil, err
		}
		return s, func() { _ = db.Close() }, nil
	}
	return nil, nil, fmt.Errorf("chaos: unknown store kind %q", spec.Kind)
}

// unique returns prefix followed by random hex, for keys, tables and IDs
// that no other run shares.
func unique(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// makeDue backdates s so that a TokenSource refreshes it on first use
// (its access token stays valid at the provider: only the client's view
// of the expiry changes).
func makeDue(s *client.Session) *client.Session {
	s.IssuedAt = time.Now().Add(-2 * time.Hour)
	s.Expiry = time.Now().Add(-time.Hour)
	return s
}

// Gate points a child can pause at, reporting "gate" and waiting for "go".
const (
	// gateLockedLoad is right after the Load that follows a successful
	// Lock: the holder has re-read the due session and is about to decide
	// to refresh (before any check it makes right before sending).
	gateLockedLoad = "locked-load"
)

// gatedStore is a child's store: it pauses at an armed gate point, so
// that the test can put a fault at an exact step of the refresh.
type gatedStore struct {
	tokenstore.Store
	wait func(point, id string)

	mu     sync.Mutex
	armed  map[string]string // session ID → gate point
	locked map[string]int    // session ID → locks held by this process
}

func newGatedStore(st tokenstore.Store, wait func(point, id string)) *gatedStore {
	return &gatedStore{Store: st, wait: wait, armed: map[string]string{}, locked: map[string]int{}}
}

func (s *gatedStore) arm(id, point string) {
	s.mu.Lock()
	s.armed[id] = point
	s.mu.Unlock()
}

// Lock notes that id's lock is held, until it is released.
func (s *gatedStore) Lock(ctx context.Context, id string) (tokenstore.Unlock, error) {
	unlock, err := s.Store.Lock(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.locked[id]++
	s.mu.Unlock()
	var once sync.Once
	return func() error {
		once.Do(func() {
			s.mu.Lock()
			s.locked[id]--
			s.mu.Unlock()
		})
		return unlock()
	}, nil
}

// Load pauses at gateLockedLoad when armed and the lock is held.
func (s *gatedStore) Load(ctx context.Context, id string) (*client.Session, error) {
	sess, err := s.Store.Load(ctx, id)
	s.mu.Lock()
	hit := s.armed[id] == gateLockedLoad && s.locked[id] > 0
	if hit {
		delete(s.armed, id)
	}
	s.mu.Unlock()
	if hit {
		s.wait(gateLockedLoad, id)
	}
	return sess, err
}

// errInjected is the error failingStore's Save returns.
var errInjected = errors.New("chaos: injected save failure")

// failingStore fails the next Saves it is told to fail.
type failingStore struct {
	tokenstore.Store

	mu       sync.Mutex
	toFail   int
	injected int
}

// failNext makes the next n Saves fail with errInjected.
func (s *failingStore) failNext(n int) {
	s.mu.Lock()
	s.toFail = n
	s.mu.Unlock()
}

// injectedSoFar returns how many Saves failed on purpose so far.
func (s *failingStore) injectedSoFar() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injected
}

// Save fails while failures are queued.
func (s *failingStore) Save(ctx context.Context, sess *client.Session) error {
	s.mu.Lock()
	fail := s.toFail > 0
	if fail {
		s.toFail--
		s.injected++
	}
	s.mu.Unlock()
	if fail {
		return errInjected
	}
	return s.Store.Save(ctx, sess)
}

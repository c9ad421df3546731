package chaos

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
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
	// gateHeldCheck is the start of Lease.Held, which the refresh protocol
	// calls right before it sends a refresh: the holder has taken the
	// lock and re-read the due session, and has not checked its lock yet.
	gateHeldCheck = "held-check"
	// gateAfterSend is right after a token endpoint answered, before the
	// client reads the answer: the refresh was sent and handled, nothing
	// is saved yet.
	gateAfterSend = "after-send"
)

// gatedStore is a child's store: it pauses at an armed gate point, so
// that the test can put a fault at an exact step of the refresh. Its
// locks are the store's own (AcquireLease: a Redis lease, a PostgreSQL
// transaction lock, a file lock), wrapped so that Held can pause.
type gatedStore struct {
	tokenstore.Store
	wait func(point, id string)

	mu    sync.Mutex
	armed map[string]string // session ID → gate point
}

var _ tokenstore.LeaseLocker = (*gatedStore)(nil)

func newGatedStore(st tokenstore.Store, wait func(point, id string)) *gatedStore {
	return &gatedStore{Store: st, wait: wait, armed: map[string]string{}}
}

func (s *gatedStore) arm(id, point string) {
	s.mu.Lock()
	s.armed[id] = point
	s.mu.Unlock()
}

// take disarms and reports whether point was armed for id.
func (s *gatedStore) take(id, point string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.armed[id] != point {
		return false
	}
	delete(s.armed, id)
	return true
}

// LockLease takes the store's own lock and wraps its lease.
func (s *gatedStore) LockLease(ctx context.Context, id string) (tokenstore.Lease, error) {
	l, err := tokenstore.AcquireLease(ctx, s.Store, id)
	if err != nil {
		return nil, err
	}
	g := gatedLease{Lease: l, s: s, id: id}
	if tx, ok := l.(tokenstore.TxLease); ok {
		return gatedTxLease{TxLease: tx, gatedLease: g}, nil
	}
	return g, nil
}

// gatedLease pauses at the start of Held when gateHeldCheck is armed.
type gatedLease struct {
	tokenstore.Lease
	s  *gatedStore
	id string
}

func (l gatedLease) Held(ctx context.Context) error {
	if l.s.take(l.id, gateHeldCheck) {
		l.s.wait(gateHeldCheck, l.id)
	}
	return l.Lease.Held(ctx)
}

// gatedTxLease is gatedLease for a TxLease, which stays one.
type gatedTxLease struct {
	tokenstore.TxLease
	gatedLease gatedLease
}

func (l gatedTxLease) Held(ctx context.Context) error { return l.gatedLease.Held(ctx) }

// gateTransport pauses after a token endpoint answer when armed.
type gateTransport struct {
	base  http.RoundTripper
	wait  func(point, id string)
	armed atomic.Pointer[string] // session ID
}

func (g *gateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.base.RoundTrip(req)
	if err == nil && strings.HasSuffix(req.URL.Path, "/oauth2/token") {
		if id := g.armed.Swap(nil); id != nil {
			g.wait(gateAfterSend, *id)
		}
	}
	return resp, err
}

// errInjected is the error failingStore's Save returns.
var errInjected = errors.New("chaos: injected save failure")

// failingStore fails the next writes (Save and CompareAndSave) it is
// told to fail.
type failingStore struct {
	tokenstore.Store

	mu       sync.Mutex
	toFail   int
	injected int
}

// failNext makes the next n writes fail with errInjected.
func (s *failingStore) failNext(n int) {
	s.mu.Lock()
	s.toFail = n
	s.mu.Unlock()
}

// injectedSoFar returns how many writes failed on purpose so far.
func (s *failingStore) injectedSoFar() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injected
}

// fail reports whether this write is to fail.
func (s *failingStore) fail() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.toFail == 0 {
		return false
	}
	s.toFail--
	s.injected++
	return true
}

// Save fails while failures are queued.
func (s *failingStore) Save(ctx context.Context, sess *client.Session) error {
	if s.fail() {
		return errInjected
	}
	return s.Store.Save(ctx, sess)
}

// CompareAndSave fails while failures are queued.
func (s *failingStore) CompareAndSave(ctx context.Context, old, sess *client.Session) error {
	if s.fail() {
		return errInjected
	}
	return s.Store.CompareAndSave(ctx, old, sess)
}

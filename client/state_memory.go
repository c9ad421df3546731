package client

import (
	"container/list"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"sync"
	"time"
)

// MaxMemoryStates bounds a MemoryStates: when it is full, remembering a
// new state forgets the oldest one, so a flood of begun logins costs a
// bounded amount of memory and never refuses a login (it can only push out
// logins begun before the flood; the signed BrowserState default has no
// such limit).
const MaxMemoryStates = 100_000

// MemoryStates is an in-process StateKeeper. It suits a single replica;
// several replicas need a shared store behind the same interface, or the
// signed BrowserState (BrowserStateConfig.Key), which keeps nothing. The
// zero value is not usable: call NewMemoryStates.
type MemoryStates struct {
	lifetime time.Duration
	now      func() time.Time

	mu      sync.Mutex
	pending map[[32]byte]*list.Element // keyed by SHA-256(state); values *AuthState
	order   *list.List                 // oldest first
}

// NewMemoryStates returns an empty store whose states live lifetime (0:
// DefaultStateLifetime) unless they carry their own Expires. now is its
// clock (nil: time.Now).
func NewMemoryStates(lifetime time.Duration, now func() time.Time) *MemoryStates {
	if lifetime <= 0 {
		lifetime = DefaultStateLifetime
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryStates{lifetime: lifetime, now: now, pending: map[[32]byte]*list.Element{}, order: list.New()}
}

// Begin makes a fresh random state (and a PKCE verifier when pkce is
// true), remembers them with returnTo, and returns them.
//
// Deprecated: a state begun here is not bound to a browser, so a
// CallbackHandler or BrowserState refuses it at the callback. Begin logins
// with CallbackHandler.Begin or BrowserState.Begin (which may use this
// store: BrowserStateConfig.Store).
func (m *MemoryStates) Begin(returnTo string, pkce bool) (*AuthState, error) {
	st := &AuthState{State: GenerateVerifier(), ReturnTo: returnTo}
	if pkce {
		st.Verifier = GenerateVerifier()
	}
	if err := m.Put(st); err != nil {
		return nil, err
	}
	return st, nil
}

// Save implements StateKeeper: it is Put.
func (m *MemoryStates) Save(_ context.Context, st *AuthState) error { return m.Put(st) }

// Put remembers st until st.Expires (zero: now plus the store's lifetime).
// An empty or short state (under 16 bytes) is refused: it could be
// guessed. When MaxMemoryStates are in flight, the expired ones at the
// front and then the oldest one are forgotten to make room.
func (m *MemoryStates) Put(st *AuthState) error {
	if st == nil || len(st.State) < 16 {
		return &Error{Kind: ErrInvalidRequest, Description: "MemoryStates.Put: state must be at least 16 random bytes"}
	}
	cp := *st
	now := m.now()
	if cp.Expires.IsZero() {
		cp.Expires = now.Add(m.lifetime)
	}
	key := sha256.Sum256([]byte(cp.State))
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.pending[key]; ok {
		m.order.Remove(e)
		delete(m.pending, key)
	}
	for m.order.Len() > 0 {
		front := m.order.Front()
		if m.order.Len() < MaxMemoryStates && now.Before(front.Value.(*AuthState).Expires) {
			break
		}
		m.order.Remove(front)
		delete(m.pending, sha256.Sum256([]byte(front.Value.(*AuthState).State)))
	}
	m.pending[key] = m.order.PushBack(&cp)
	return nil
}

// Take implements StateStore. The lookup is by a hash of state and the
// final comparison constant-time, so response timing says nothing about
// how much of a guessed state was right.
func (m *MemoryStates) Take(_ context.Context, state string) (*AuthState, error) {
	if state == "" {
		return nil, ErrInvalidState
	}
	key := sha256.Sum256([]byte(state))
	m.mu.Lock()
	e, ok := m.pending[key]
	if ok {
		m.order.Remove(e)
		delete(m.pending, key)
	}
	m.mu.Unlock()
	if !ok {
		return nil, ErrInvalidState
	}
	st := e.Value.(*AuthState)
	if subtle.ConstantTimeCompare([]byte(st.State), []byte(state)) != 1 || !m.now().Before(st.Expires) {
		return nil, ErrInvalidState
	}
	return st, nil
}

// Len reports how many authorizations are in flight (expired ones
// included until they are swept).
func (m *MemoryStates) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pending)
}

package tokenstore

import (
	"context"
	"slices"
	"sync"

	"github.com/oauthx/oauthx/client"
)

// Memory is a Store in process memory: for tests, and for programs whose
// sessions need not outlive them. Its Lock excludes goroutines of this
// process only. Values are kept encoded, so callers never share a
// Session with the store.
type Memory struct {
	mu     sync.Mutex
	values map[string][]byte
	locks  map[string]chan struct{}
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory {
	return &Memory{values: map[string][]byte{}, locks: map[string]chan struct{}{}}
}

// Load implements Store.
func (m *Memory) Load(_ context.Context, id string) (*client.Session, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	m.mu.Lock()
	v, ok := m.values[id]
	m.mu.Unlock()
	if !ok {
		return nil, NotFound(id)
	}
	return Decode(id, v)
}

// Save implements Store.
func (m *Memory) Save(_ context.Context, s *client.Session) error {
	v, err := Encode(s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.values[s.ID] = v
	m.mu.Unlock()
	return nil
}

// CompareAndSave implements Store under the store's mutex.
func (m *Memory) CompareAndSave(_ context.Context, old, s *client.Session) error {
	if err := CheckCompareAndSave(old, s); err != nil {
		return err
	}
	v, err := Encode(s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.compare(s.ID, old); err != nil {
		return err
	}
	m.values[s.ID] = v
	return nil
}

// CompareAndDelete implements Store under the store's mutex.
func (m *Memory) CompareAndDelete(_ context.Context, old *client.Session) error {
	if err := CheckCompareAndDelete(old); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.compare(old.ID, old); err != nil {
		return err
	}
	delete(m.values, old.ID)
	return nil
}

// compare checks that the value stored under id is old. The caller
// holds m.mu.
func (m *Memory) compare(id string, old *client.Session) error {
	v, ok := m.values[id]
	if !ok {
		return CheckBase(id, old, nil, NotFound(id))
	}
	cur, err := Decode(id, v)
	return CheckBase(id, old, cur, err)
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, id string) error {
	if err := CheckID(id); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.values, id)
	m.mu.Unlock()
	return nil
}

// List implements Store. A value that cannot be decoded is reported in a
// *ListError beside the others.
func (m *Memory) List(_ context.Context, f Filter) ([]*client.Session, error) {
	m.mu.Lock()
	ids := make([]string, 0, len(m.values))
	vals := make(map[string][]byte, len(m.values))
	for id, v := range m.values {
		ids = append(ids, id)
		vals[id] = v
	}
	m.mu.Unlock()
	slices.Sort(ids)
	var out []*client.Session
	var lerr ListError
	for _, id := range ids {
		s, err := Decode(id, vals[id])
		if err != nil {
			lerr.Add(id, err)
			continue
		}
		if f.Match(s) {
			out = append(out, s)
		}
	}
	return out, lerr.Err()
}

// Lock implements Store for the goroutines of this process.
func (m *Memory) Lock(ctx context.Context, id string) (Unlock, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	for {
		m.mu.Lock()
		held, busy := m.locks[id]
		if !busy {
			ch := make(chan struct{})
			m.locks[id] = ch
			m.mu.Unlock()
			var once sync.Once
			return func() error {
				once.Do(func() {
					m.mu.Lock()
					delete(m.locks, id)
					m.mu.Unlock()
					close(ch)
				})
				return nil
			}, nil
		}
		m.mu.Unlock()
		select {
		case <-held:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

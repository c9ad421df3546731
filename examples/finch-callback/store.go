package main

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/oauthx/oauthx/client"
)

// store keeps Finch sessions (one per connection). The callback handler
// saves into it; the pages read from it.
type store interface {
	Save(ctx context.Context, s *client.Session) error
	Load(ctx context.Context, id string) (*client.Session, error)
	Delete(ctx context.Context, id string) error
	List(ctx context.Context) ([]string, error)
}

var errNotFound = errors.New("no such connection")

// memoryStore is for trying the example without Redis.
type memoryStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemoryStore() *memoryStore { return &memoryStore{m: map[string][]byte{}} }

func (m *memoryStore) Save(_ context.Context, s *client.Session) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.m[s.ID] = b
	m.mu.Unlock()
	return nil
}

func (m *memoryStore) Load(_ context.Context, id string) (*client.Session, error) {
	m.mu.Lock()
	b, ok := m.m[id]
	m.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	var s client.Session
	return &s, json.Unmarshal(b, &s)
}

func (m *memoryStore) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	delete(m.m, id)
	m.mu.Unlock()
	return nil
}

func (m *memoryStore) List(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.m))
	for id := range m.m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// redisStore keeps each session as JSON under prefix+ID, and the IDs in a
// set, so the page can list them. (tokenstore/redisstore does this and
// more — locking, refresh — for real apps; Finch tokens never need a
// refresh, so a plain SET is enough here.)
type redisStore struct {
	rdb    redis.UniversalClient
	prefix string
}

func (r *redisStore) Save(ctx context.Context, s *client.Session) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.prefix+s.ID, b, 0)
		p.SAdd(ctx, r.prefix+"index", s.ID)
		return nil
	})
	return err
}

func (r *redisStore) Load(ctx context.Context, id string) (*client.Session, error) {
	b, err := r.rdb.Get(ctx, r.prefix+id).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	var s client.Session
	return &s, json.Unmarshal(b, &s)
}

func (r *redisStore) Delete(ctx context.Context, id string) error {
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, r.prefix+id)
		p.SRem(ctx, r.prefix+"index", id)
		return nil
	})
	return err
}

func (r *redisStore) List(ctx context.Context) ([]string, error) {
	ids, err := r.rdb.SMembers(ctx, r.prefix+"index").Result()
	slices.Sort(ids)
	return ids, err
}

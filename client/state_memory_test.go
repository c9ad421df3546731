package client_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
)

func TestMemoryStates(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	m := client.NewMemoryStates(time.Minute, clock)
	ctx := context.Background()

	st := &client.AuthState{State: client.GenerateVerifier(), Verifier: "v", ReturnTo: "/x"}
	require.NoError(t, m.Save(ctx, st))
	got, err := m.Take(ctx, st.State)
	require.NoError(t, err)
	assert.Equal(t, "/x", got.ReturnTo)
	assert.Equal(t, "v", got.Verifier)
	assert.Equal(t, now.Add(time.Minute), got.Expires, "the store's lifetime")
	_, err = m.Take(ctx, st.State)
	assert.ErrorIs(t, err, client.ErrInvalidState, "a state is single-use")

	st2 := &client.AuthState{State: client.GenerateVerifier()}
	require.NoError(t, m.Put(st2))
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	_, err = m.Take(ctx, st2.State)
	assert.ErrorIs(t, err, client.ErrInvalidState, "expired")
	assert.Equal(t, 0, m.Len())

	_, err = m.Take(ctx, "")
	assert.ErrorIs(t, err, client.ErrInvalidState)
	assert.ErrorIs(t, m.Put(&client.AuthState{State: "short"}), client.ErrInvalidRequest)
	assert.ErrorIs(t, m.Put(nil), client.ErrInvalidRequest)
}

// The deprecated Begin still makes states the store can take.
func TestMemoryStatesBegin(t *testing.T) {
	t.Parallel()
	m := client.NewMemoryStates(0, nil)
	st, err := m.Begin("/x", true) //nolint:staticcheck // the deprecated API keeps working
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(st.State), 43)
	assert.NotEmpty(t, st.Verifier)
	got, err := m.Take(context.Background(), st.State)
	require.NoError(t, err)
	assert.Equal(t, "/x", got.ReturnTo)
	assert.Empty(t, got.Binding, "not bound to a browser")
}

// A full store forgets its oldest state rather than refusing a new one.
func TestMemoryStatesEvictsOldest(t *testing.T) {
	t.Parallel()
	m := client.NewMemoryStates(0, nil)
	ctx := context.Background()
	state := func(i int) string { return "state-0123456789-" + strconv.Itoa(i) }
	for i := range client.MaxMemoryStates + 1 {
		require.NoError(t, m.Put(&client.AuthState{State: state(i)}))
	}
	assert.Equal(t, client.MaxMemoryStates, m.Len())
	_, err := m.Take(ctx, state(0))
	assert.ErrorIs(t, err, client.ErrInvalidState, "the oldest was evicted")
	for _, i := range []int{1, client.MaxMemoryStates / 2, client.MaxMemoryStates} {
		got, err := m.Take(ctx, state(i))
		require.NoError(t, err, "state %d", i)
		assert.Equal(t, state(i), got.State)
	}

	// Putting a state again replaces it instead of counting it twice.
	require.NoError(t, m.Put(&client.AuthState{State: state(2), ReturnTo: "/again"}))
	assert.Equal(t, client.MaxMemoryStates-3, m.Len())
	got, err := m.Take(ctx, state(2))
	require.NoError(t, err)
	assert.Equal(t, "/again", got.ReturnTo)
}

package storetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/tokenstore"
)

// SendRecordFenced checks that a store's SendRecorder leases fence
// MarkSpent by the lock: holder A records a send of a stored session
// under id, then loses its lock (lose, called with A's lease held, must
// make the store free it: a Redis lease expiring, a PostgreSQL backend
// terminated); B takes the lock and records its own send of the same
// grant. A's MarkSpent must fail with tokenstore.ErrLockLost and record
// nothing, so C finds B's unfinished send, not a refusal made without
// the lock. The lock's holder marks its own send spent (D then finds
// it spent), and a holder whose record a save cleared meanwhile leaves
// it cleared (tokenstore.ErrConflict).
func SendRecordFenced(t *testing.T, st tokenstore.Store, id string, lose func()) {
	t.Helper()
	ctx := context.Background()
	base := Sample(id)
	require.NoError(t, st.Save(ctx, base))
	lock := func() (tokenstore.Lease, tokenstore.SendRecorder) {
		t.Helper()
		l, err := tokenstore.AcquireLease(ctx, st, id)
		require.NoError(t, err)
		rec, ok := l.(tokenstore.SendRecorder)
		require.True(t, ok, "the store's leases record sends")
		return l, rec
	}
	begin := func(rec tokenstore.SendRecorder, want tokenstore.SendState, msg string) {
		t.Helper()
		state, err := rec.BeginSend(ctx, base)
		require.NoError(t, err)
		require.Equal(t, want, state, msg)
	}

	a, recA := lock()
	begin(recA, tokenstore.SendNone, "nothing sent before A")
	lose()
	b, recB := lock()
	begin(recB, tokenstore.SendUnfinished, "B sees A's send")
	require.ErrorIs(t, recA.MarkSpent(ctx, base), tokenstore.ErrLockLost, "A lost its lock: it records nothing")
	_ = a.Release()
	require.NoError(t, b.Release())

	c, recC := lock()
	begin(recC, tokenstore.SendUnfinished, "the record is B's send, not marked spent by A")
	require.NoError(t, recC.MarkSpent(ctx, base), "the lock's holder marks its own send spent")
	require.NoError(t, c.Release())

	d, recD := lock()
	begin(recD, tokenstore.SendSpent, "D finds the grant spent")
	require.NoError(t, d.Release())

	next := rotated(base, "next")
	e, recE := lock()
	defer func() { _ = e.Release() }()
	state, err := recE.BeginSend(ctx, next)
	require.NoError(t, err)
	require.Equal(t, tokenstore.SendNone, state)
	require.NoError(t, st.Save(ctx, next), "a save clears the send record")
	require.ErrorIs(t, recE.MarkSpent(ctx, next), tokenstore.ErrConflict, "a cleared record is left alone")
	state, err = recE.BeginSend(ctx, next)
	require.NoError(t, err)
	require.Equal(t, tokenstore.SendNone, state, "nothing was marked spent over the save")
}

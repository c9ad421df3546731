package tokenstore

import (
	"context"
	"errors"

	"github.com/oauthx/oauthx/client"
)

// ErrLockLost is matched by the error of Lease.Held (and of a release)
// once a lock is no longer held: a Redis lease that expired while its
// holder was paused or Redis restarted, a PostgreSQL connection that was
// terminated.
var ErrLockLost = errors.New("tokenstore: lock lost while held")

// Lease is a held cross-process lock that can say whether it is still
// held: the refresh protocol asks right before it sends a refresh, so a
// holder that lost its lock does not send.
type Lease interface {
	// Held returns nil while the lock is held, else an error matching
	// ErrLockLost (or the store's error when it cannot tell; the caller
	// then treats the lock as lost).
	Held(ctx context.Context) error
	// Release releases the lock. Call it exactly once. An error means
	// the lock may have been lost before; it is not held afterwards
	// either way.
	Release() error
}

// LeaseLocker is implemented by stores whose lock can be lost while it
// is held (redisstore, sqlstore). AcquireLease uses it.
type LeaseLocker interface {
	// LockLease takes the lock named by id as Store.Lock does.
	LockLease(ctx context.Context, id string) (Lease, error)
}

// TxLease is a Lease whose lock lives in a transaction that also reads
// and writes the locked session (sqlstore: pg_advisory_xact_lock on the
// connection that saves), so a holder whose connection died cannot
// commit anything. Its writes commit the transaction and so end the
// lease; Release after them is still required and harmless.
type TxLease interface {
	Lease
	// Load reads the locked session inside the transaction.
	Load(ctx context.Context) (*client.Session, error)
	// CompareAndSave is Store.CompareAndSave inside the transaction,
	// which it commits. s.ID must be the locked ID.
	CompareAndSave(ctx context.Context, old, s *client.Session) error
	// CompareAndDelete is Store.CompareAndDelete inside the transaction,
	// which it commits. old.ID must be the locked ID.
	CompareAndDelete(ctx context.Context, old *client.Session) error
}

// AcquireLease takes st's lock on id as a Lease: through LockLease when
// st implements LeaseLocker, else through Lock, whose lock (a file lock,
// Memory's mutex) cannot be lost while its process lives, so Held always
// returns nil.
func AcquireLease(ctx context.Context, st Store, id string) (Lease, error) {
	if ll, ok := st.(LeaseLocker); ok {
		return ll.LockLease(ctx, id)
	}
	unlock, err := st.Lock(ctx, id)
	if err != nil {
		return nil, err
	}
	return unlockLease(unlock), nil
}

// unlockLease is the Lease of a lock that is never lost while held.
type unlockLease Unlock

// Held is always nil: the lock is never lost while held.
func (unlockLease) Held(context.Context) error { return nil }

// Release unlocks.
func (u unlockLease) Release() error { return u() }

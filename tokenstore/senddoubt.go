package tokenstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/oauthx/oauthx/client"
)

// ErrRenewalInDoubt is matched by the error of a renewal the protocol
// refused to conclude: the provider rejected the grant (or would: it was
// already found spent), but an earlier holder of the lock that lost it
// mid-renewal (paused past a Redis lease, its PostgreSQL connection cut)
// had sent the same grant and may hold the renewed session, unsaved. The
// stored session is kept, not deleted, until that holder saves (its
// compare-and-set then succeeds and everyone adopts its session) or the
// record of its send expires; calls meanwhile fail with this error.
var ErrRenewalInDoubt = errors.New("tokenstore: an earlier refresher that lost its lock may hold the renewed session")

// SendState is what an earlier holder left of its renewal of a session,
// as a SendRecorder reports it.
type SendState int

const (
	// SendNone: no earlier holder's renewal of this session is pending.
	SendNone SendState = iota
	// SendUnfinished: an earlier holder recorded a renewal of the same
	// session and neither saved nor deleted it since: it lost its lock
	// mid-renewal, or its save failed, or its send failed.
	SendUnfinished
	// SendSpent: a later holder already sent the same grant after an
	// unfinished one and was refused: it must not be sent again.
	SendSpent
)

// SendRecorder is an optional interface of a Lease whose lock can be
// lost mid-renewal (redisstore, sqlstore). The refresh protocol calls
// BeginSend instead of Held right before it sends a renewal, so that a
// refusal that may only mean "an earlier holder already used this grant"
// does not delete a session that holder is about to save. The record
// lives in the store beside the session, outlives the lock, and is
// cleared by every successful write of the session (Save, Delete and
// their compare-and-set forms).
type SendRecorder interface {
	// BeginSend checks that the lock is still held (as Lease.Held) and
	// records that a renewal of base (a stored session) is being sent,
	// returning what an earlier holder left. On SendSpent it records
	// nothing and the caller must not send.
	BeginSend(ctx context.Context, base *client.Session) (SendState, error)
	// MarkSpent records that base's grant was refused after an
	// unfinished send, so holders that come later do not send it again.
	// It is fenced as BeginSend: a holder that lost the lock records
	// nothing (an error matching ErrLockLost), and neither does one
	// whose send record was replaced or cleared since its BeginSend (an
	// error matching ErrConflict).
	MarkSpent(ctx context.Context, base *client.Session) error
}

// Fingerprint identifies a session in the sense of SameSession without
// revealing its tokens: the hex SHA-256 of its ID, access and refresh
// token. SendRecorder implementations store it.
func Fingerprint(s *client.Session) string {
	h := sha256.New()
	for _, p := range []string{s.ID, s.AccessToken, s.RefreshToken} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

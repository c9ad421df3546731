package tokenstore

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/oauthx/oauthx/client"
)

// Store persists sessions under their ID. Implementations are safe for
// concurrent use by goroutines and, for every store in this module except
// Memory, by processes sharing the same backing storage.
type Store interface {
	// Load returns the session stored under id, or an error matching
	// ErrNotFound. A stored value that cannot be decoded is a *FormatError.
	Load(ctx context.Context, id string) (*client.Session, error)
	// Save stores s under s.ID, replacing any previous value. It is atomic:
	// a reader sees the old value or the new one, never a mix, even when
	// the saving process dies half way.
	Save(ctx context.Context, s *client.Session) error
	// Delete removes the session stored under id. Deleting a session that
	// is not there is not an error.
	Delete(ctx context.Context, id string) error
	// CompareAndSave stores s under s.ID only if the stored session is
	// still old: the same session in the sense of SameSession (same ID,
	// access and refresh token), or nothing stored when old is nil. Else
	// it writes nothing and returns an error matching ErrConflict (a
	// stored value that cannot be decoded is a conflict too). The
	// comparison and the write are one atomic step against every other
	// write of the store, in every process sharing it. Refreshes write
	// with it, so a refresh never overwrites a login saved meanwhile;
	// logins use Save.
	CompareAndSave(ctx context.Context, old, s *client.Session) error
	// CompareAndDelete removes the session stored under old.ID only if it
	// is still old (SameSession), else returns an error matching
	// ErrConflict, also when nothing is stored. A dead grant deletes with
	// it, so a login saved meanwhile survives.
	CompareAndDelete(ctx context.Context, old *client.Session) error
	// List returns the stored sessions that match f, sorted by ID.
	List(ctx context.Context, f Filter) ([]*client.Session, error)
	// Lock takes the exclusive lock named by id, waiting until it is free
	// or ctx is done. The lock excludes every other holder of the same
	// store, in this process and others. The returned function releases it;
	// call it exactly once. Lock does not keep Save or Load out: it is an
	// advisory lock that refreshers agree to take.
	Lock(ctx context.Context, id string) (Unlock, error)
}

// Unlock releases a lock taken by Store.Lock. An error means the lock may
// have been lost before the release (for example a Redis lease that
// expired); the lock is not held after the call either way.
type Unlock func() error

// Filter selects sessions in List. An empty field matches every session.
type Filter struct {
	// Provider keeps sessions whose Provider equals it.
	Provider string
	// Subject keeps sessions whose Subject equals it (a shop domain, a
	// connection id, …).
	Subject string
}

// Match reports whether s passes the filter.
func (f Filter) Match(s *client.Session) bool {
	return s != nil && (f.Provider == "" || f.Provider == s.Provider) && (f.Subject == "" || f.Subject == s.Subject)
}

// ErrNotFound is matched (errors.Is) by the error a Store returns for a
// session it does not hold. It matches client.ErrSessionNotFound.
var ErrNotFound error = notFoundSentinel{}

type notFoundSentinel struct{}

// Error returns a fixed message.
func (notFoundSentinel) Error() string { return "tokenstore: session not found" }

// Is matches client.ErrSessionNotFound.
func (notFoundSentinel) Is(target error) bool { return target == client.ErrSessionNotFound }

// ErrInvalidSession is matched by the error Save returns for a nil session
// or an unusable ID, and by the error Load, Delete and Lock return for an
// unusable ID.
var ErrInvalidSession = errors.New("tokenstore: invalid session")

// MaxIDLength is the longest session ID the stores accept, in bytes.
const MaxIDLength = 512

// CheckID reports whether id can be stored: not empty, at most
// MaxIDLength bytes, valid UTF-8 without control characters. The error
// matches ErrInvalidSession.
func CheckID(id string) error {
	switch {
	case id == "":
		return invalidf("empty session ID")
	case len(id) > MaxIDLength:
		return invalidf("session ID longer than %d bytes", MaxIDLength)
	case !validText(id):
		return invalidf("session ID must be UTF-8 text without control characters")
	}
	return nil
}

// CheckSession is CheckID for s.ID, and refuses a nil session.
func CheckSession(s *client.Session) error {
	if s == nil {
		return invalidf("nil session")
	}
	return CheckID(s.ID)
}

func validText(s string) bool {
	if !isUTF8(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// NotFound returns an error that matches ErrNotFound (and
// client.ErrSessionNotFound) and names id, for Store implementations in
// this package and outside it.
func NotFound(id string) error { return &notFoundError{id: id} }

type notFoundError struct{ id string }

// Error names the session.
func (e *notFoundError) Error() string {
	return "tokenstore: session " + strconv.Quote(e.id) + " not found"
}

// Is matches ErrNotFound and client.ErrSessionNotFound.
func (e *notFoundError) Is(target error) bool {
	return target == ErrNotFound || target == client.ErrSessionNotFound
}

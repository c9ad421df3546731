package tokenstore

import (
	"errors"
	"strconv"

	"github.com/oauthx/oauthx/client"
)

// ErrConflict is matched (errors.Is) by the error of a compare-and-set
// write (Store.CompareAndSave, Store.CompareAndDelete) that found another
// session stored than the one it was based on: someone else saved a
// login or a refresh meanwhile, or deleted the session. Nothing was
// written.
var ErrConflict = errors.New("tokenstore: stored session changed meanwhile")

// ConflictError is the error a compare-and-set write returns when the
// stored session was not the one it was based on. It names the session
// ID only, never a token.
type ConflictError struct {
	// ID is the session ID.
	ID string
}

// Error names the session.
func (e *ConflictError) Error() string {
	return "tokenstore: session " + strconv.Quote(e.ID) + " was changed by another writer (compare-and-set found another value)"
}

// Is matches ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// SameSession reports whether a and b are the same stored session in the
// sense of compare-and-set: both nil, or both non-nil with the same ID,
// AccessToken and RefreshToken. Every login and every refresh issues a
// new access token, so a session whose tokens changed was written by
// someone else; other fields (Extra, Scopes, expiry) do not identify a
// session and are not compared.
func SameSession(a, b *client.Session) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.ID == b.ID && a.AccessToken == b.AccessToken && a.RefreshToken == b.RefreshToken
}

// CheckBase is the comparison every compare-and-set write makes, for
// Store implementations that read the stored value themselves: stored is
// what Load returned for id (err its error). It returns nil when stored
// is the session old (old nil: nothing stored), a *ConflictError when it
// is another one or none (a stored value that cannot be decoded is
// another one), and err itself for a failed read.
func CheckBase(id string, old, stored *client.Session, err error) error {
	var fe *FormatError
	switch {
	case errors.Is(err, ErrNotFound):
		stored = nil
	case errors.As(err, &fe):
		return &ConflictError{ID: id}
	case err != nil:
		return err
	}
	if !SameSession(old, stored) {
		return &ConflictError{ID: id}
	}
	return nil
}

// CheckCompareAndSave validates the arguments of Store.CompareAndSave:
// s must be a valid session and old, if not nil, must have s's ID. The
// error matches ErrInvalidSession.
func CheckCompareAndSave(old, s *client.Session) error {
	if err := CheckSession(s); err != nil {
		return err
	}
	if old != nil && old.ID != s.ID {
		return invalidf("compare-and-save of session %s based on another session ID", strconv.Quote(s.ID))
	}
	return nil
}

// CheckCompareAndDelete validates the argument of Store.CompareAndDelete:
// a non-nil session with a valid ID. The error matches ErrInvalidSession.
func CheckCompareAndDelete(old *client.Session) error {
	if old == nil {
		return invalidf("compare-and-delete needs the session it is based on")
	}
	return CheckID(old.ID)
}

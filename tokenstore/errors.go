package tokenstore

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
)

func invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

type invalidError struct{ msg string }

// Error returns the message.
func (e *invalidError) Error() string { return "tokenstore: " + e.msg }

// Is matches ErrInvalidSession.
func (e *invalidError) Is(target error) bool { return target == ErrInvalidSession }

func isUTF8(s string) bool { return utf8.ValidString(s) }

// SaveError reports a refresh that succeeded but whose rotated session
// the store did not accept: Refresher.Renew returns it beside the
// session, and TokenSource.Unsaved reports it while the save is retried.
// The provider may already have invalidated the old refresh token, so
// the stored session is probably dead: Session holds the only copy of the
// new one (the Refresher keeps it and retries; a process about to exit
// can save it elsewhere or show the user how to recover). Error never
// prints it.
type SaveError struct {
	// ID is the session ID.
	ID string
	// Session is the refreshed session that was not saved.
	Session *client.Session
	// Err is the store's error.
	Err error
}

// Error names the session and the store's error, never a token.
func (e *SaveError) Error() string {
	return errtext.Once("tokenstore: session " + strconv.Quote(e.ID) + " was refreshed but could not be saved (the new refresh token is only in SaveError.Session): " + e.Err.Error())
}

// Unwrap returns the store's error.
func (e *SaveError) Unwrap() error { return e.Err }

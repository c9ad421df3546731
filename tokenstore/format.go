package tokenstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext"
)

// FormatVersion is the version of the stored value format this package
// writes. Decode reads every version up to it.
const FormatVersion = 1

// envelope is the stored value: {"v":1,"session":{…}}.
type envelope struct {
	V       int             `json:"v"`
	Session json.RawMessage `json:"session"`
}

// ErrCorrupt is matched (errors.Is) by a *FormatError for a value that
// is not a session this package wrote.
var ErrCorrupt = errors.New("tokenstore: stored session is corrupt")

// ErrFutureFormat is matched by a *FormatError for a value written by a
// newer version of this package (a format version above FormatVersion).
var ErrFutureFormat = errors.New("tokenstore: stored session has a newer format")

// FormatError reports a stored value that cannot be decoded. It never
// contains the value itself.
type FormatError struct {
	// ID is the session ID the value was stored under.
	ID string
	// Version is the format version found, 0 if none could be read.
	Version int
	// Kind is ErrCorrupt or ErrFutureFormat.
	Kind error
	// Err is the decoding error, if any.
	Err error
}

// Error describes the problem without any of the stored bytes.
func (e *FormatError) Error() string {
	msg := "tokenstore: session " + strconv.Quote(e.ID) + ": "
	if e.Kind == ErrFutureFormat {
		return msg + fmt.Sprintf("stored with format version %d; this build reads up to %d (upgrade oauthx)", e.Version, FormatVersion)
	}
	msg += "stored value is corrupt"
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return errtext.Once(msg)
}

// Is matches the error's Kind.
func (e *FormatError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the decoding error.
func (e *FormatError) Unwrap() error { return e.Err }

// Encode returns the stored form of s: its JSON encoding inside a
// versioned envelope. It holds every token in clear: encrypt it at rest
// if the backing storage needs it.
func Encode(s *client.Session) ([]byte, error) {
	if err := CheckSession(s); err != nil {
		return nil, err
	}
	body, err := json.Marshal(s)
	if err != nil {
		return nil, errtext.Errorf("tokenstore: encode session %s: %w", strconv.Quote(s.ID), err)
	}
	return json.Marshal(envelope{V: FormatVersion, Session: body})
}

// Decode reads what Encode wrote. id is the key the value was stored
// under: a value holding another session ID is corrupt. Errors are
// *FormatError.
func Decode(id string, data []byte) (*client.Session, error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, &FormatError{ID: id, Kind: ErrCorrupt, Err: errors.New(describeJSONError(err))}
	}
	switch {
	case env.V > FormatVersion:
		return nil, &FormatError{ID: id, Version: env.V, Kind: ErrFutureFormat}
	case env.V < 1:
		return nil, &FormatError{ID: id, Version: env.V, Kind: ErrCorrupt, Err: errors.New("no format version")}
	case len(env.Session) == 0 || bytes.Equal(env.Session, []byte("null")):
		return nil, &FormatError{ID: id, Version: env.V, Kind: ErrCorrupt, Err: errors.New("no session")}
	}
	s := new(client.Session)
	if err := s.UnmarshalJSON(env.Session); err != nil {
		return nil, &FormatError{ID: id, Version: env.V, Kind: ErrCorrupt, Err: errors.New(describeJSONError(err))}
	}
	if s.ID != id {
		return nil, &FormatError{ID: id, Version: env.V, Kind: ErrCorrupt, Err: errors.New("value holds another session ID")}
	}
	return s, nil
}

// describeJSONError names the kind of JSON problem and where it is, by
// byte offset only: never a byte, a value or a member name of the input
// (encoding/json's own messages quote the offending character, and its
// field paths can hold the input's member names and map keys).
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("a JSON value of the wrong type at byte %d", typ.Offset)
	default:
		return "invalid JSON"
	}
}

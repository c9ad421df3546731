package client

import (
	"bytes"
	"errors"
	"io"
	"net/http"
)

// ErrBodyTooLarge is returned by ReadRequestBody for a body longer than
// its limit.
var ErrBodyTooLarge = errors.New("oauthx: request body too large")

// ReadRequestBody reads r.Body up to limit bytes, for a handler that must
// check a signature over the raw body (webhooks), and puts back a body
// that yields the same bytes (and, when the limit was hit, the unread
// rest), so r.Body reads as before. A missing body reads as empty. A body
// over limit is ErrBodyTooLarge; a failed read returns the reader's error.
func ReadRequestBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	orig := r.Body
	body, err := io.ReadAll(io.LimitReader(orig, limit+1))
	r.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(body), orig), Closer: orig}
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, ErrBodyTooLarge
	}
	return body, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

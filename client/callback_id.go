package client

import (
	"context"
	"errors"
	"net/http"
)

// maxSessionID bounds the ID an ID function may return.
const maxSessionID = 512

// nameSession sets s.ID to a key that belongs to the user who signed in,
// or reports why it cannot (nothing is saved then). In order: the
// id_token's sub once VerifyIDToken checked it, the application's ID
// function, the user the provider adapter named in Subject. The
// provider's default ID alone ("generic") names no user.
func (h *CallbackHandler) nameSession(ctx context.Context, s *Session) *CallbackError {
	fail := func(reason string, err error) *CallbackError {
		return &CallbackError{StatusCode: http.StatusInternalServerError, Reason: reason, Err: errors.Join(ErrNoSessionID, scrubSession(err, s))}
	}
	named := false
	if h.cfg.VerifyIDToken != nil && s.IDToken != "" {
		sub, err := h.cfg.VerifyIDToken(ctx, s.IDToken)
		switch {
		case err != nil:
			return fail("signed in, but the id_token could not be verified", err)
		case sub == "":
			return fail("signed in, but the id_token names no subject", nil)
		case s.Subject != "" && s.Subject != sub && !h.tenant:
			return fail("signed in, but the id_token names another subject than the provider's answer", nil)
		}
		s.Subject, s.ID, named = sub, s.Provider+":"+sub, true
	}
	if h.cfg.ID != nil {
		id, err := h.cfg.ID(ctx, s)
		switch {
		case err != nil:
			return fail("signed in, but the application could not name the session", err)
		case id == "" || len(id) > maxSessionID || hasControl(id):
			return fail("signed in, but the application gave the session no usable ID", nil)
		}
		s.ID, named = id, true
	}
	if !named && (h.tenant || s.Subject == "" || s.ID == "") {
		return fail("signed in, but the application cannot tell whose session this is", nil)
	}
	return nil
}

// scrubSession drops s's tokens from the text of err, an application
// callback's error (nil stays nil): a callback that quotes the token it
// was given must not put it in the CallbackError.
func scrubSession(err error, s *Session) error {
	if err == nil {
		return nil
	}
	return scrubError(err, []string{s.AccessToken, s.RefreshToken, s.IDToken})
}

package tokenstore

import (
	"context"
	"errors"

	"github.com/oauthx/oauthx/client"
)

// Login returns a TokenSource for the session id in st, renewed through
// cfg.Client, for a command-line tool. When st holds no session id (its
// Load error matches ErrNotFound) it first logs the user in from the
// terminal with client.LoopbackLogin(ctx, cfg), the session named id and
// saved to st. Any other Load error, and the login's error, is returned.
//
// Login sets cfg.SessionID and cfg.Save itself: a cfg with either set, a
// nil st, a nil cfg.Client or an empty id is an error matching
// client.ErrInvalidRequest.
func Login(ctx context.Context, st Store, id string, cfg client.LoopbackConfig, opts ...TokenSourceOption) (*TokenSource, error) {
	switch {
	case st == nil:
		return nil, invalidOption("Login", "nil Store")
	case id == "":
		return nil, invalidOption("Login", "empty session id")
	case cfg.Client == nil:
		return nil, invalidOption("Login", "nil LoopbackConfig.Client")
	case cfg.SessionID != "" || cfg.Save != nil:
		return nil, invalidOption("Login", "LoopbackConfig.SessionID and Save are set by Login")
	}
	if _, err := st.Load(ctx, id); err != nil {
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		cfg.SessionID, cfg.Save = id, st.Save
		if _, err := client.LoopbackLogin(ctx, cfg); err != nil {
			return nil, err
		}
	}
	return NewTokenSource(st, cfg.Client, id, opts...), nil
}

package main

import (
	"context"
	"errors"
	"io"

	"github.com/oauthx/oauthx/tokenstore"
	"github.com/oauthx/oauthx/tokenstore/storeurl"
)

// defaultService is the keyring service name the CLI keeps sessions
// under.
const defaultService = storeurl.DefaultService

// openStore opens the store a --store value names (storeurl.Open: every
// form of it). A malformed value is a usage error listing every form.
// notice receives the line the default store writes about its choice.
// The returned close releases the store's connections.
func openStore(ctx context.Context, v string, notice io.Writer) (tokenstore.Store, func(), error) {
	opts := []storeurl.Option{storeurl.WithService(defaultService)}
	if notice != nil {
		opts = append(opts, storeurl.WithNotice(notice))
	}
	st, err := storeurl.Open(ctx, v, opts...)
	if err != nil {
		var ue *storeurl.URLError
		if errors.As(err, &ue) {
			return nil, nil, usagef("--store: %s (want %s)", ue.Reason, storeurl.Forms)
		}
		return nil, nil, err
	}
	return st, func() { _ = st.(io.Closer).Close() }, nil
}

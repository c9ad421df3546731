package storetest_test

import (
	"testing"

	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
	"github.com/oauthx/oauthx/tokenstore/storetest"
)

func TestErrorsReadOnce(t *testing.T) {
	errtexttest.Covers(t, map[string]error{"ErrFlaky": storetest.ErrFlaky})
}

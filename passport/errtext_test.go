package passport_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
	"github.com/oauthx/oauthx/passport"
)

// ErrInvalidIDToken and a refused id_token say "passport:" once.
func TestErrorsReadOnce(t *testing.T) {
	var tok *passport.IDToken
	nonce := tok.CheckNonce("n")
	require.ErrorIs(t, nonce, passport.ErrInvalidIDToken)
	errtexttest.Covers(t, map[string]error{"ErrInvalidIDToken": passport.ErrInvalidIDToken}, nonce,
		&passport.VerifyError{Reason: "passport: signature: go-oidc: failed to verify signature"})
}

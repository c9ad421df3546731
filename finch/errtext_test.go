package finch_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/finch"
	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
)

// Every sentinel and error type of the package, and what its checks
// really return (Connect Session parameters refused, unsigned webhooks),
// say each label once.
func TestErrorsReadOnce(t *testing.T) {
	c, err := finch.New(finch.Config{ClientID: "id", ClientSecret: "secret"})
	require.NoError(t, err)
	_, params := c.NewConnectSession(context.Background(), finch.ConnectSessionParams{})
	require.ErrorIs(t, params, finch.ErrInvalidParams)
	req := httptest.NewRequest("POST", "/webhooks", strings.NewReader("{}"))
	_, unsigned := finch.VerifyWebhook(req, "c2VjcmV0", time.Now())
	require.ErrorIs(t, unsigned, finch.ErrInvalidWebhook)
	_, noSecret := finch.VerifyWebhook(req, "", time.Now())
	require.ErrorIs(t, noSecret, finch.ErrWebhookSecret)
	errtexttest.Covers(t, map[string]error{
		"ErrInvalidParams": finch.ErrInvalidParams, "ErrInvalidWebhook": finch.ErrInvalidWebhook,
		"ErrWebhookBodyTooLarge": finch.ErrWebhookBodyTooLarge, "ErrWebhookBodyUnreadable": finch.ErrWebhookBodyUnreadable,
		"ErrWebhookMalformedHeader": finch.ErrWebhookMalformedHeader, "ErrWebhookMissingHeader": finch.ErrWebhookMissingHeader,
		"ErrWebhookSecret": finch.ErrWebhookSecret, "ErrWebhookSignature": finch.ErrWebhookSignature,
		"ErrWebhookStale": finch.ErrWebhookStale, "ErrConnectRefused": finch.ErrConnectRefused,
		"ErrUnknownConnection": finch.ErrUnknownConnection, "ErrCustomerMismatch": finch.ErrCustomerMismatch,
		"ErrConnectionMismatch": finch.ErrConnectionMismatch,
	}, params, unsigned, noSecret,
		// The Connect handlers' failures, as they report them.
		&client.CallbackError{Reason: "no such connection", Err: finch.ErrUnknownConnection},
		&client.CallbackError{Reason: "this connection belongs to another customer", Err: finch.ErrCustomerMismatch},
		&client.CallbackError{Reason: "the code exchange failed", Err: errors.Join(finch.ErrConnectionMismatch, client.ErrInvalidRequest)},
		&client.CallbackError{Reason: "refused", Err: errors.Join(finch.ErrConnectRefused, errors.New("finch: not signed in"))},
	)
}

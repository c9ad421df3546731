package client_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/oauthx/oauthx/client"
)

func TestErrorKindMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		code   string
		want   error
	}{
		{400, "invalid_grant", client.ErrReauthorize},
		{400, "invalid_code", client.ErrReauthorize},
		{400, "invalid_token", client.ErrReauthorize},
		{400, "invalid_subject_token", client.ErrReauthorize},
		{400, "access_denied", client.ErrReauthorize},
		{401, "invalid_client", client.ErrInvalidClient},
		{400, "unauthorized_client", client.ErrInvalidClient},
		{400, "slow_down", client.ErrRateLimited},
		{503, "temporarily_unavailable", client.ErrTransient},
		{500, "server_error", client.ErrTransient},
		{400, "invalid_request", client.ErrInvalidRequest},
		{400, "unsupported_grant_type", client.ErrInvalidRequest},
		{400, "invalid_scope", client.ErrInvalidRequest},
		{429, "", client.ErrRateLimited},
		{401, "", client.ErrInvalidClient},
		{500, "", client.ErrTransient},
		{408, "", client.ErrTransient},
		{404, "", client.ErrInvalidRequest},
		{200, "", client.ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.code), func(t *testing.T) {
			assert.Equal(t, tt.want, client.ErrorKind(tt.status, tt.code))
		})
	}
}

func TestErrorIsAsAndText(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset")
	sentinels := []error{client.ErrReauthorize, client.ErrInvalidClient, client.ErrRateLimited,
		client.ErrTransient, client.ErrBadResponse, client.ErrInvalidRequest}
	for _, kind := range sentinels {
		e := &client.Error{Provider: "generic", StatusCode: 429, Code: "c", Description: "d",
			RequestID: "req-1", RetryAfter: 3 * time.Second, Kind: kind, Err: cause}
		wrapped := fmt.Errorf("saving: %w", e)
		assert.ErrorIs(t, wrapped, kind)
		assert.ErrorIs(t, wrapped, cause)
		for _, other := range sentinels {
			if other != kind {
				assert.NotErrorIs(t, wrapped, other)
			}
		}
		var got *client.Error
		assert.ErrorAs(t, wrapped, &got)
		assert.Equal(t, "req-1", got.RequestID)
		msg := e.Error()
		for _, part := range []string{kind.Error(), "(generic)", "HTTP 429", ": c", ": d", "retry after 3s", "req-1", "connection reset"} {
			assert.Contains(t, msg, part)
		}
	}
	assert.Equal(t, "oauthx: token endpoint error", (&client.Error{}).Error())
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	for _, kind := range []error{client.ErrReauthorize, client.ErrInvalidClient, client.ErrRateLimited,
		client.ErrTransient, client.ErrBadResponse, client.ErrInvalidRequest} {
		assert.Equal(t, kind, client.KindOf(fmt.Errorf("wrapped: %w", &client.Error{Kind: kind})))
	}
	assert.Nil(t, client.KindOf(nil))
	assert.Nil(t, client.KindOf(errors.New("plain")))
	assert.Nil(t, client.KindOf(&client.Error{}))
	assert.Nil(t, client.KindOf(&client.Error{Kind: errors.New("not a sentinel")}))
}

package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
)

// An application callback (ID, VerifyIDToken, Save) whose error quotes a
// token of the new session does not put that token in the CallbackError.
func TestCallbackErrorScrubsCallbackErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		provider string
		mod      func(*client.CallbackConfig, *[]string)
		want     error
	}{
		{"ID quotes the access token", "generic", func(cfg *client.CallbackConfig, seen *[]string) {
			cfg.ID = func(_ context.Context, s *client.Session) (string, error) {
				*seen = append(*seen, s.AccessToken)
				return "", errors.New("userinfo with " + s.AccessToken + " failed")
			}
		}, client.ErrNoSessionID},
		{"VerifyIDToken quotes the id_token", "passport", func(cfg *client.CallbackConfig, seen *[]string) {
			cfg.ID = nil
			cfg.VerifyIDToken = func(_ context.Context, raw string) (string, error) {
				*seen = append(*seen, raw)
				return "", errors.New("bad token " + raw)
			}
		}, client.ErrNoSessionID},
		{"Save quotes the refresh token", "generic", func(cfg *client.CallbackConfig, seen *[]string) {
			cfg.Save = func(_ context.Context, s *client.Session) error {
				*seen = append(*seen, s.RefreshToken)
				return errors.New("insert " + s.RefreshToken + ": disk full")
			}
		}, client.ErrSaveFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen []string
			cs := setupCallbackFor(t, tt.provider, func(cfg *client.CallbackConfig) { tt.mod(cfg, &seen) })
			b := newBrowser(t, cs, "alice")
			resp, _ := b.get(t, cs.authorize(t, b, "/login").String())
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
			e := cs.lastError(t)
			require.ErrorIs(t, e, tt.want)
			require.Len(t, seen, 1)
			require.NotEmpty(t, seen[0])
			assert.NotContains(t, e.Error(), seen[0])
		})
	}
}

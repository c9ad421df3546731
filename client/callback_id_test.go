package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/passport"
	"github.com/oauthx/oauthx/tokenstore"
)

// Two users signing in through one callback handler get two sessions,
// whatever names them.
func TestCallbackTwoUsersTwoSessions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		provider string
		mod      func(t *testing.T, cs **callbackSetup) func(*client.CallbackConfig)
		// want checks the two saved IDs (alice's, then bob's).
		want func(t *testing.T, cs *callbackSetup, ids []string)
	}{
		{
			name: "generic, named after the application's user", provider: "generic",
			want: func(t *testing.T, _ *callbackSetup, ids []string) {
				assert.Equal(t, []string{"generic:alice", "generic:bob"}, ids)
			},
		},
		{
			name: "passport, named after the subject the provider gave", provider: "passport",
			mod: func(*testing.T, **callbackSetup) func(*client.CallbackConfig) {
				return func(cfg *client.CallbackConfig) { cfg.ID = nil }
			},
			want: func(t *testing.T, cs *callbackSetup, ids []string) {
				for i, id := range ids {
					assert.True(t, strings.HasPrefix(id, "passport:urn:rollupid:account/"), id)
					assert.Equal(t, "passport:"+cs.saved[i].Subject, id)
				}
			},
		},
		{
			name: "passport, named after the verified id_token's sub", provider: "passport",
			mod: func(t *testing.T, cs **callbackSetup) func(*client.CallbackConfig) {
				return func(cfg *client.CallbackConfig) {
					cfg.ID = nil
					var v *passport.Verifier
					cfg.VerifyIDToken = func(ctx context.Context, raw string) (string, error) {
						if v == nil {
							var err error
							if v, err = (*cs).passportClient.NewVerifier(ctx); err != nil {
								return "", err
							}
						}
						tok, err := v.Verify(ctx, raw)
						if err != nil {
							return "", err
						}
						return tok.Subject, nil
					}
				}
			},
			want: func(t *testing.T, cs *callbackSetup, ids []string) {
				for i, id := range ids {
					assert.Equal(t, "passport:"+cs.saved[i].Subject, id)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cs *callbackSetup
			store := tokenstore.NewMemory()
			cs = setupCallbackFor(t, tt.provider, func(cfg *client.CallbackConfig) {
				if tt.mod != nil {
					tt.mod(t, &cs)(cfg)
				}
				record := cfg.Save
				cfg.Save = func(ctx context.Context, s *client.Session) error {
					if err := store.Save(ctx, s); err != nil {
						return err
					}
					return record(ctx, s)
				}
			})
			for _, user := range []string{"alice", "bob"} {
				b := newBrowser(t, cs, user)
				resp, body := b.get(t, cs.authorize(t, b, "/login").String())
				require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
			}
			ids := cs.savedIDs()
			require.Len(t, ids, 2)
			assert.NotEqual(t, ids[0], ids[1], "two users, two sessions")
			stored, err := store.List(context.Background(), tokenstore.Filter{})
			require.NoError(t, err)
			assert.Len(t, stored, 2, "the store holds both users' sessions")
			tt.want(t, cs, ids)
		})
	}
}

// With no way to know whose session it is, the handler saves nothing and
// answers 500 with a fixed message, rather than overwrite another user's
// session under a shared ID ("generic").
func TestCallbackRefusesToSaveAnUnknownUser(t *testing.T) {
	t.Parallel()
	boom := errors.New("userinfo unavailable")
	tests := []struct {
		name       string
		provider   string
		mod        func(*client.CallbackConfig)
		wantCause  error
		wantReason string
	}{
		{
			name: "generic session and no ID function", provider: "generic",
			mod:        func(cfg *client.CallbackConfig) { cfg.ID = nil },
			wantReason: "signed in, but the application cannot tell whose session this is",
		},
		{
			name: "a tenant is not a user", provider: "generic",
			mod: func(cfg *client.CallbackConfig) {
				cfg.ID = nil
				cfg.ExchangeOptions = []client.ExchangeOption{client.WithTenant("acme")}
			},
			wantReason: "signed in, but the application cannot tell whose session this is",
		},
		{
			name: "the ID function fails", provider: "generic",
			mod: func(cfg *client.CallbackConfig) {
				cfg.ID = func(context.Context, *client.Session) (string, error) { return "", boom }
			},
			wantCause: boom, wantReason: "signed in, but the application could not name the session",
		},
		{
			name: "the ID function gives an empty ID", provider: "generic",
			mod: func(cfg *client.CallbackConfig) {
				cfg.ID = func(context.Context, *client.Session) (string, error) { return "", nil }
			},
			wantReason: "signed in, but the application gave the session no usable ID",
		},
		{
			name: "the ID function gives a control character", provider: "generic",
			mod: func(cfg *client.CallbackConfig) {
				cfg.ID = func(context.Context, *client.Session) (string, error) { return "a\nb", nil }
			},
			wantReason: "signed in, but the application gave the session no usable ID",
		},
		{
			name: "the id_token does not verify", provider: "passport",
			mod: func(cfg *client.CallbackConfig) {
				cfg.ID = nil
				cfg.VerifyIDToken = func(context.Context, string) (string, error) { return "", boom }
			},
			wantCause: boom, wantReason: "signed in, but the id_token could not be verified",
		},
		{
			name: "the id_token has no subject", provider: "passport",
			mod: func(cfg *client.CallbackConfig) {
				cfg.ID = nil
				cfg.VerifyIDToken = func(context.Context, string) (string, error) { return "", nil }
			},
			wantReason: "signed in, but the id_token names no subject",
		},
		{
			name: "the id_token names another subject", provider: "passport",
			mod: func(cfg *client.CallbackConfig) {
				cfg.ID = nil
				cfg.VerifyIDToken = func(context.Context, string) (string, error) { return "urn:rollupid:account/other", nil }
			},
			wantReason: "signed in, but the id_token names another subject than the provider's answer",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := setupCallbackFor(t, tt.provider, tt.mod)
			b := newBrowser(t, cs, "alice")
			resp, body := b.get(t, cs.authorize(t, b, "/login").String())
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
			assert.Equal(t, "recorded: "+tt.wantReason, body)
			e := cs.lastError(t)
			assert.ErrorIs(t, e, client.ErrNoSessionID)
			if tt.wantCause != nil {
				assert.ErrorIs(t, e, tt.wantCause)
			}
			assert.Empty(t, cs.savedIDs(), "nothing saved")
		})
	}
}

// The default page for a session nobody can name: 500 and a fixed text.
func TestCallbackUnknownUserDefaultPage(t *testing.T) {
	t.Parallel()
	cs := setupCallback(t, func(cfg *client.CallbackConfig) { cfg.ID, cfg.OnError = nil, nil })
	b := newBrowser(t, cs, "alice")
	resp, body := b.get(t, cs.authorize(t, b, "/login").String())
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Equal(t, "Internal Server Error: signed in, but the application cannot tell whose session this is\n", body)
	assert.Empty(t, cs.savedIDs())
}

package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/internal/errtext/errtexttest"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
)

// Every sentinel and error type of the package, and the errors real calls
// return (a denial at the provider through LoopbackLogin, a refused code,
// a timeout, a refused state, a bad option, a provider that fails
// Validate), say each label once.
func TestErrorsReadOnce(t *testing.T) {
	f := providertest.NewGeneric()
	defer f.Close()
	ctx := context.Background()
	c := loopbackClient(t, f)

	// The user refuses at the provider.
	b := newLoopbackBrowser(t, false)
	_, denied := client.LoopbackLogin(ctx, client.LoopbackConfig{Client: c, Browser: func(login string) error {
		resp, err := b.get(login)
		if err != nil {
			return err
		}
		authz, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			return err
		}
		q := authz.Query()
		_, err = b.get(q.Get("redirect_uri") + "?" + url.Values{"error": {"access_denied"}, "state": {q.Get("state")}}.Encode())
		return err
	}})
	require.ErrorIs(t, denied, client.ErrAuthorizationFailed)
	require.Equal(t, "oauthx: callback: the provider reported access_denied: authorization failed at the provider", denied.Error())

	_, refused := c.ExchangeCode(ctx, "spent-code")
	require.ErrorIs(t, refused, client.ErrReauthorize)

	// A token endpoint that does not answer in time.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer slow.Close()
	sc, err := client.New(client.Config{Provider: providers.Generic(slow.URL), ClientID: "id", ClientSecret: "secret"})
	require.NoError(t, err)
	tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, timeout := sc.ExchangeCode(tctx, "code")
	cancel()
	require.ErrorIs(t, timeout, client.ErrTransient)

	// A plain-http endpoint that is not loopback, and a bad option.
	_, badProvider := client.New(client.Config{Provider: providers.Generic("http://auth.example.com"), ClientID: "id", ClientSecret: "s"})
	require.Error(t, badProvider)
	_, badOption := client.New(client.Config{Provider: providers.Generic(f.URL), ClientID: "id"}, client.WithRetryMax(-1))
	require.ErrorIs(t, badOption, client.ErrInvalidRequest)

	// A callback without this browser's login cookie, and one the
	// application cannot save or name.
	bs, err := client.NewBrowserState(client.BrowserStateConfig{Key: make([]byte, client.MinStateKeyLen)})
	require.NoError(t, err)
	_, noCookie := bs.Verify(httptest.NewRecorder(), httptest.NewRequest("GET", "/callback?state=x", nil), "x")
	require.ErrorIs(t, noCookie, client.ErrInvalidState)
	saveFailed := &client.CallbackError{Reason: "signed in, but the session could not be saved",
		Err: errors.Join(client.ErrSaveFailed, errors.New("tokenstore: save \"me\": disk full"))}
	noID := &client.CallbackError{Reason: "signed in, but the id_token could not be verified",
		Err: errors.Join(client.ErrNoSessionID, &client.Error{Kind: client.ErrInvalidRequest, Description: "id_token: expired"})}

	errtexttest.Covers(t, map[string]error{
		"ErrAuthorizationFailed": client.ErrAuthorizationFailed, "ErrBadResponse": client.ErrBadResponse,
		"ErrBodyTooLarge": client.ErrBodyTooLarge, "ErrInvalidClient": client.ErrInvalidClient,
		"ErrInvalidRequest": client.ErrInvalidRequest, "ErrInvalidState": client.ErrInvalidState,
		"ErrLoginTimeout": client.ErrLoginTimeout, "ErrMissingCode": client.ErrMissingCode,
		"ErrNoBrowser": client.ErrNoBrowser, "ErrNoSessionID": client.ErrNoSessionID,
		"ErrRateLimited": client.ErrRateLimited, "ErrReauthorize": client.ErrReauthorize,
		"ErrSaveFailed": client.ErrSaveFailed, "ErrSessionNotFound": client.ErrSessionNotFound,
		"ErrStateCookieMissing": client.ErrStateCookieMissing, "ErrStateExpired": client.ErrStateExpired,
		"ErrStateMismatch": client.ErrStateMismatch, "ErrTransient": client.ErrTransient,
	},
		denied, refused, timeout, badProvider, badOption, noCookie, saveFailed, noID,
		&client.CallbackError{Reason: "invalid or expired state; start the sign-in again", Err: noCookie},
		&client.CallbackError{Reason: "missing authorization code", Err: client.ErrMissingCode},
		&client.CallbackError{Reason: "the authorization code was rejected; start the sign-in again", Err: refused},
		&client.Error{Kind: client.ErrRateLimited, Provider: "generic", StatusCode: 429, RetryAfter: time.Second, RequestID: "r1"},
	)
}

package tokenstore_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

// A DPoP-bound session, stored in a file, refreshes through TokenSource
// (the refresh's proof signed with the stored key, which the fake checks:
// the refresh token is bound to it) and calls the fake's resource endpoint
// through client.DPoPTransport, which verifies each proof (ath included)
// and asks for its nonce, once per nonce.
func TestDPoPSessionThroughTokenSource(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	g := providertest.NewGeneric(providertest.WithDPoPNonce(), providertest.WithClock(clk.now))
	t.Cleanup(g.Close)
	c, err := client.New(client.Config{Provider: providers.Generic(g.URL, providers.WithDPoP()),
		ClientID: g.ClientID, ClientSecret: g.ClientSecret}, client.WithClock(clk.now))
	require.NoError(t, err)
	st, err := tokenstore.NewFile(filepath.Join(t.TempDir(), "sessions"))
	require.NoError(t, err)
	ctx := context.Background()
	s, err := c.ExchangeCode(ctx, g.IssueCode(""), client.WithSessionID("s"))
	require.NoError(t, err)
	require.Equal(t, client.TokenTypeDPoP, s.TokenType)
	jkt := s.DPoPKey.Thumbprint()
	require.NoError(t, st.Save(ctx, s))
	loaded, err := st.Load(ctx, "s")
	require.NoError(t, err)
	require.NotNil(t, loaded.DPoPKey, "the file store keeps the key")
	require.Equal(t, jkt, loaded.DPoPKey.Thumbprint())

	ts := tokenstore.NewTokenSource(st, c, "s", tokenstore.WithClock(clk.now))
	hc := &http.Client{Transport: &client.DPoPTransport{Source: ts, Now: clk.now}}
	get := func() int {
		resp, err := hc.Get(g.URL + "/userinfo")
		require.NoError(t, err)
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, get())
	st0 := g.Stats()
	require.Equal(t, 2, st0.DPoPNonceChallenges, "one dance at the token endpoint, one at the resource")
	require.Equal(t, http.StatusOK, get())
	require.Equal(t, 2, g.Stats().DPoPNonceChallenges, "the transport remembers the nonce")

	clk.advance(2 * time.Hour) // past expiry: the next call refreshes first
	require.Equal(t, http.StatusOK, get())
	after := g.Stats()
	require.Equal(t, 1, after.Refreshes)
	require.Zero(t, after.DPoPProofsRefused)
	stored, err := st.Load(ctx, "s")
	require.NoError(t, err)
	require.NotEqual(t, s.AccessToken, stored.AccessToken)
	require.Equal(t, jkt, stored.DPoPKey.Thumbprint(), "the refreshed session keeps its key")
	require.Equal(t, jkt, g.DPoPBinding(stored.AccessToken), "and the new tokens are bound to it")

	// A new nonce at the resource server: a request with a body that can be
	// read again is sent once more with it; one that cannot gets the 401.
	g.RotateDPoPNonce()
	resp, err := hc.Post(g.URL+"/userinfo", "text/plain", strings.NewReader("body"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, after.DPoPNonceChallenges+1, g.Stats().DPoPNonceChallenges)
	g.RotateDPoPNonce()
	req, err := http.NewRequest(http.MethodPost, g.URL+"/userinfo", io.NopCloser(strings.NewReader("once")))
	require.NoError(t, err)
	resp, err = hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`)
	require.Equal(t, http.StatusOK, get(), "the nonce of that 401 is used next")
	require.Zero(t, g.Stats().DPoPReplayedProofs)
}

// A DPoPTransport over a Bearer session sends the token as Bearer, with
// no proof; one without a Source, or to a plain-http remote URL, sends
// nothing.
func TestDPoPTransportBearerAndRefusals(t *testing.T) {
	t.Parallel()
	f := setup(t, tokenstore.NewMemory())
	hc := &http.Client{Transport: &client.DPoPTransport{Source: f.source()}}
	resp, err := hc.Get(f.g.URL + "/userinfo")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	_, err = (&http.Client{Transport: &client.DPoPTransport{}}).Get(f.g.URL + "/userinfo")
	require.ErrorIs(t, err, client.ErrInvalidRequest)
	_, err = hc.Get("http://example.com/userinfo")
	require.ErrorIs(t, err, client.ErrInvalidRequest)

	// A source with no access token, and a DPoP token without its key:
	// refused before anything is sent.
	for want, s := range map[error]*client.Session{
		client.ErrReauthorize:    {},
		client.ErrInvalidRequest: {ID: "s1", AccessToken: "at-x", TokenType: client.TokenTypeDPoP},
	} {
		sent := 0
		base := countingTransport{n: &sent}
		_, err := (&http.Client{Transport: &client.DPoPTransport{Source: fixedSource{s}, Base: base}}).Get(f.g.URL + "/userinfo")
		require.ErrorIs(t, err, want)
		require.NotContains(t, err.Error(), "at-x")
		require.Zero(t, sent, "nothing sent")
	}
}

// fixedSource hands out one session.
type fixedSource struct{ s *client.Session }

// countingTransport counts the requests it is given and sends them.
type countingTransport struct{ n *int }

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	*c.n++
	return http.DefaultTransport.RoundTrip(r)
}

func (f fixedSource) Session(context.Context) (*client.Session, error) { return f.s, nil }

package faultsuite

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providers"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/tokenstore"
)

// dpopSecrets adds the private part of a session's DPoP key to the
// secrets: its JWK "d" and the scalar as a decimal number.
func dpopSecrets(t *testing.T, e *env, k *client.DPoPKey) {
	t.Helper()
	require.NotNil(t, k)
	b, err := json.Marshal(k)
	require.NoError(t, err)
	var jwk struct{ D string }
	require.NoError(t, json.Unmarshal(b, &jwk))
	require.NotEmpty(t, jwk.D)
	e.secrets.add(jwk.D)
	d, err := base64.RawURLEncoding.DecodeString(jwk.D)
	require.NoError(t, err)
	e.secrets.add(new(big.Int).SetBytes(d).String())
}

// TestLeakScanDPoP runs the DPoP grants (code exchange, refresh, client
// credentials, device, a refused proof, the nonce dance), a file store
// holding the key, a TokenSource and DPoPTransport calling the fake's
// resource endpoint, and a token endpoint echoing every request back
// (its DPoP proof included), and fails if a DPoP private key, a proof or
// a token shows in an error, a printed value or the debug log.
func TestLeakScanDPoP(t *testing.T) {
	t.Parallel()
	e := &env{provider: "generic", logs: &syncBuffer{}, secrets: &secretSet{}}
	s := &scan{t: t, e: e}
	e.secrets.add(sentinelClientSecret)
	g := providertest.NewGeneric(providertest.WithClientCredentials(sentinelClientID, sentinelClientSecret),
		providertest.WithDPoPNonce(), providertest.WithDeviceInterval(10*time.Millisecond))
	t.Cleanup(g.Close)
	var mu sync.Mutex
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		proof := r.Header.Get("DPoP")
		mu.Lock()
		e.secrets.add(proof)
		e.secrets.add(r.PostForm.Get("code"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_dpop_proof",
			"error_description": "bad proof " + proof + " for " + r.PostForm.Encode()})
	}))
	t.Cleanup(echo.Close)
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mk := func(base string) *client.Client {
		c, err := client.New(client.Config{Provider: providers.Generic(base, providers.WithDPoP(),
			providers.WithIntrospectionURL(base+"/oauth2/introspect"), providers.WithDeviceAuthURL(base+"/oauth2/device_authorization")),
			ClientID: sentinelClientID, ClientSecret: sentinelClientSecret},
			client.WithLogger(logger), client.WithRetryWait(time.Millisecond, 10*time.Millisecond))
		require.NoError(t, err)
		s.vals("client", c, c.Provider())
		return c
	}
	c := mk(g.URL)
	ctx := context.Background()

	code := e.secrets.add(g.IssueCode(""))
	sess, err := c.ExchangeCode(ctx, code, client.WithSessionID("dpop-user"))
	require.NoError(t, err)
	dpopSecrets(t, e, sess.DPoPKey)
	s.session("dpop exchange", sess)
	s.vals("dpop key", sess.DPoPKey, *sess.DPoPKey)
	require.Equal(t, 1, g.Stats().DPoPNonceChallenges, "the nonce dance ran")
	_, err = c.ExchangeCode(ctx, code)
	s.err("dpop reused code", err)

	other, err := client.GenerateDPoPKey()
	require.NoError(t, err)
	dpopSecrets(t, e, other)
	_, err = c.Refresh(ctx, sess, client.WithDPoPKey(other))
	s.err("dpop refresh with another key", err)
	refreshed, err := c.Refresh(ctx, sess)
	require.NoError(t, err)
	s.session("dpop refresh", refreshed)

	cc, err := c.ClientCredentials(ctx)
	require.NoError(t, err)
	dpopSecrets(t, e, cc.DPoPKey)
	s.session("dpop client credentials", cc)
	da, err := c.StartDeviceAuth(ctx)
	require.NoError(t, err)
	e.secrets.add(da.DeviceCode)
	s.vals("dpop device auth", da, *da)
	require.True(t, g.ApproveDevice(da.UserCode))
	ds, err := c.PollDeviceToken(ctx, da)
	require.NoError(t, err)
	dpopSecrets(t, e, ds.DPoPKey)
	s.session("dpop device session", ds)
	in, err := c.Introspect(ctx, refreshed.AccessToken, client.HintAccessToken)
	require.NoError(t, err)
	s.vals("dpop introspection", in, *in)

	// A file store holding the key, a TokenSource, and the transport.
	st, err := tokenstore.NewFile(filepath.Join(t.TempDir(), "sessions"))
	require.NoError(t, err)
	require.NoError(t, st.Save(ctx, refreshed))
	raw, err := tokenstore.Encode(refreshed)
	require.NoError(t, err)
	_, err = tokenstore.Decode("dpop-user", raw[:len(raw)/2])
	s.err("dpop truncated stored value", err)
	ts := tokenstore.NewTokenSource(st, c, "dpop-user")
	s.vals("dpop token source", ts)
	hc := &http.Client{Transport: &client.DPoPTransport{Source: ts}}
	resp, err := hc.Get(g.URL + "/userinfo")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	loaded, err := ts.Session(ctx)
	require.NoError(t, err)
	s.session("dpop stored session", loaded)
	bearerOnly := &client.Session{ID: "x", Provider: "generic", AccessToken: e.secrets.add("SENTINEL-dpop-at-without-key"), TokenType: client.TokenTypeDPoP}
	_, err = (&http.Client{Transport: &client.DPoPTransport{Source: staticSource{bearerOnly}}}).Get(g.URL + "/userinfo")
	s.err("dpop transport without a key", err)

	// A token endpoint echoing the proof and the form.
	bad := mk(echo.URL)
	_, err = bad.ExchangeCode(ctx, e.secrets.add("SENTINEL-dpop-code-4b1a"))
	s.err("dpop echoed exchange", err)
	_, err = bad.Refresh(ctx, refreshed)
	s.err("dpop echoed refresh", err)
	_, err = bad.ClientCredentials(ctx)
	s.err("dpop echoed client credentials", err)
	s.check()
}

// staticSource hands out one session.
type staticSource struct{ s *client.Session }

func (src staticSource) Session(context.Context) (*client.Session, error) { return src.s, nil }
